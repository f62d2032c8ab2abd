package io.roomwire.webrtc.bench;

import com.sun.management.OperatingSystemMXBean;
import io.roomwire.core.time.SystemScheduler;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sim.cloud.webrtc.SimWebRtcGateway;
import io.roomwire.sim.cloud.webrtc.WebRtcFarEnd;
import io.roomwire.hal.linux.GstCodec;
import io.roomwire.webrtc.CapturedMedia;
import io.roomwire.webrtc.NativeWebRtc;
import io.roomwire.webrtc.TestPatternMedia;
import io.roomwire.webrtc.WebRtcJoinPath;
import io.roomwire.webrtc.WebRtcSettings;
import io.roomwire.webrtc.internal.PeerConnectionCloser;
import io.roomwire.webrtc.internal.WebRtcCall;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * WebRTC join path figures against the simulated WHIP gateway's webrtc-java far end, in one process:
 * join press -> ICE connected -> first remote frame (p50/p95 over rw.calls-timed calls), CPU and RSS
 * of one 720p30 call, threads and RSS after rw.calls-leak calls. Run it in a network namespace with a
 * non-loopback interface (webrtc/src/test/netns/bin/java does that). Prints markdown rows on stdout.
 * The 720p30 call is measured twice: with the test pattern sent and nothing played, then (unless
 * {@code -Drw.gst=false}) with the room's Linux media, GstCapture's test sources (videotestsrc, audiotestsrc)
 * sent and the far end played through GstRawPlayout into fakesinks, its gst-launch-1.0 children's CPU counted.
 */
public final class WebRtcBench {

    private static final JoinTarget MEETING = new JoinTarget(JoinTarget.Kind.WEBRTC,
            "https://teams.microsoft.com/l/meetup-join/bench", "teams", Optional.empty(), "bench");

    private WebRtcBench() {
    }

    public static void main(String[] args) throws Exception {
        if (System.getenv("RW_JAVA") == null) {
            // Not yet in a namespace: run again through the test JVM wrapper (libwebrtc skips loopback).
            List<String> cmd = new ArrayList<>(List.of("webrtc/src/test/netns/bin/java", "-cp", System.getProperty("java.class.path")));
            System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("rw."))
                    .forEach(k -> cmd.add("-D" + k + "=" + System.getProperty(k)));
            cmd.add(WebRtcBench.class.getName());
            ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
            pb.environment().put("RW_JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
            System.exit(pb.start().waitFor());
        }
        PrintStream rows = System.out;
        System.setOut(System.err);
        int timed = Integer.getInteger("rw.calls-timed", 20);
        int leak = Integer.getInteger("rw.calls-leak", 100);
        long rssBefore = rssKb();
        int threadsBefore = Thread.activeCount();
        long osThreadsBefore = osThreads();
        long fdsBefore = openFds();
        int rssEvery = Integer.getInteger("rw.rss-every", 25);
        try (SystemScheduler scheduler = new SystemScheduler(2); WebRtcFarEnd farEnd = new WebRtcFarEnd(PeerConnectionCloser::close);
             SimWebRtcGateway gw = new SimWebRtcGateway(farEnd, Optional.empty(), Clock.systemUTC(), Duration.ofMinutes(2))) {
            WebRtcSettings s = WebRtcSettings.of(WebRtcSettings.GatewayKind.WHIP, gw.whipUrl(), Optional.empty(), "Bench");
            List<Double> ice = new ArrayList<>();
            List<Double> frame = new ArrayList<>();
            WebRtcJoinPath path = new WebRtcJoinPath(s, scheduler, new NativeWebRtc(), new TestPatternMedia(640, 360, 30, 440));
            path.start();
            for (int i = 0; i < timed; i++) {
                long t0 = System.nanoTime();
                WebRtcCall c = (WebRtcCall) path.dial(MEETING);
                await(() -> c.framesDecoded() > 0 && c.iceConnectedAt().isPresent() || c.state() == CallState.ENDED);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                frame.add((double) ms);
                ice.add((double) Duration.between(c.startedAt(), c.iceConnectedAt().orElseThrow()).toMillis());
                c.hangUp();
                await(() -> path.calls().isEmpty());
            }
            path.stop();
            row(rows, "join -> ICE connected p50 / p95", fmt(pct(ice, 50)) + " / " + fmt(pct(ice, 95)) + " ms", "-");
            row(rows, "join -> first remote frame p50 / p95 (" + timed + " calls)",
                    fmt(pct(frame, 50)) + " / " + fmt(pct(frame, 95)) + " ms", "p50 <= 1000 ms");

            // One 720p30 call for 10 s: the process's CPU (room + far end, so an upper bound for the room).
            WebRtcJoinPath hd = new WebRtcJoinPath(s, scheduler, new NativeWebRtc(), new TestPatternMedia(1280, 720, 30, 440));
            hd.start();
            OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            WebRtcCall c = (WebRtcCall) hd.dial(MEETING);
            await(() -> c.framesDecoded() > 0);
            long cpu0 = os.getProcessCpuTime();
            long w0 = System.nanoTime();
            long until = w0 + 10_000_000_000L;
            while (System.nanoTime() < until) {
                Thread.sleep(100);
            }
            double cores = (os.getProcessCpuTime() - cpu0) / (double) (System.nanoTime() - w0);
            long rssCall = rssKb();
            c.hangUp();
            await(() -> hd.calls().isEmpty());
            hd.stop();
            row(rows, "CPU of one 720p30 call (room + simulated far end in one process)", fmt(cores) + " cores", "<= 0.5 core (room)");
            row(rows, "RSS during that call / before the library loaded", rssCall / 1024 + " / " + rssBefore / 1024 + " MB", "-");
            if (Boolean.parseBoolean(System.getProperty("rw.gst", "true"))) {
                gstCall(rows, s, scheduler, cores);
            }

            WebRtcJoinPath many = new WebRtcJoinPath(s, scheduler, new NativeWebRtc(), new TestPatternMedia(320, 180, 15, 440));
            many.start();
            long rssAfterFirst = 0;
            long outsideAfterFirst = 0;
            int threadsAfterFirst = 0;
            long osThreadsAfterFirst = 0;
            long fdsAfterFirst = 0;
            StringBuilder curve = new StringBuilder();
            for (int i = 0; i < leak; i++) {
                WebRtcCall k = (WebRtcCall) many.dial(MEETING);
                await(() -> k.framesDecoded() > 0 || k.state() == CallState.ENDED);
                k.hangUp();
                await(() -> many.calls().isEmpty());
                if (i == 0) {
                    rssAfterFirst = rssKb();
                    outsideAfterFirst = outsideJvmKb();
                    threadsAfterFirst = Thread.activeCount();
                    osThreadsAfterFirst = osThreads();
                    fdsAfterFirst = openFds();
                }
                if ((i + 1) % rssEvery == 0) {
                    curve.append(curve.length() == 0 ? "" : ", ").append(i + 1).append(": ").append(rssKb() / 1024)
                            .append(" (").append(outsideJvmKb() / 1024).append(")");
                    System.err.println("after " + (i + 1) + " calls: RSS " + rssKb() / 1024 + " MB, OS threads " + osThreads()
                            + ", fds " + openFds());
                }
            }
            row(rows, "Java threads after 1 / " + leak + " calls (path running)", threadsAfterFirst + " / " + Thread.activeCount(), "no growth");
            row(rows, "OS threads after 1 / " + leak + " calls (path running)", osThreadsAfterFirst + " / " + osThreads(), "no growth");
            row(rows, "open file descriptors (sockets of peer connections) after 1 / " + leak + " calls", fdsAfterFirst + " / "
                    + openFds(), "no growth");
            row(rows, "RSS after 1 / " + leak + " calls", rssAfterFirst / 1024 + " / " + rssKb() / 1024 + " MB", "no growth");
            row(rows, "RSS outside the JVM's heap and non-heap pools after 1 / " + leak + " calls (native memory; after a GC)",
                    outsideAfterFirst / 1024 + " / " + outsideJvmKb() / 1024 + " MB", "no growth");
            row(rows, "RSS MB (outside the JVM) by calls made (MALLOC_ARENA_MAX=" + Optional.ofNullable(System.getenv("MALLOC_ARENA_MAX")).orElse("unset")
                    + ")", curve.toString(), "plateau");
            many.stop();
            long rssStopped = rssKb();
            row(rows, "OS threads / open fds: before the library loaded, after " + leak + " calls with the path stopped",
                    osThreadsBefore + " / " + fdsBefore + ", " + osThreads() + " / " + openFds(), "back to the start");
            row(rows, "RSS with the path stopped (factory disposed) / after glibc malloc_trim", rssStopped / 1024 + " / "
                    + trimmedRssKb() / 1024 + " MB", "-");
        }
        // The simulated far end shares this process: only with it closed too is the start count the reference.
        System.gc();
        row(rows, "OS threads / open fds / RSS MB after trim: before the library loaded, with room path and far end closed",
                osThreadsBefore + " / " + fdsBefore + " / " + rssBefore / 1024 + ", " + osThreads() + " / " + openFds() + " / "
                        + trimmedRssKb() / 1024, "back to the start");
    }

    /**
     * The 720p30 call again with what a Linux room runs around it: the camera and microphone from GstCapture (two
     * gst-launch-1.0 pipelines on videotestsrc and audiotestsrc), the far end's pictures and sound through GstRawPlayout
     * (two more, into fakesinks). CPU over 10 s is this process's (room + far end, as above) plus those four children's.
     */
    private static void gstCall(PrintStream rows, WebRtcSettings s, SystemScheduler scheduler, double testPatternCores)
            throws Exception {
        GstCodec gst = GstCodec.testSources(1280, 720, 30);
        CapturedMedia media = new CapturedMedia(gst.rawCapture().orElseThrow(), 1280, 720, 30, 440);
        WebRtcJoinPath path = new WebRtcJoinPath(s, scheduler, new NativeWebRtc(), media, null, gst);
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        path.start();
        try {
            WebRtcCall c = (WebRtcCall) path.dial(MEETING);
            // capture (camera, microphone) and playout (display, speaker): four pipelines once the far end's media plays
            await(() -> c.framesDecoded() > 30 && gstChildren().size() == 4 || c.state() == CallState.ENDED);
            if (c.state() != CallState.CONNECTED || !media.capturing() || media.problem().isPresent() || !gst.problems().isEmpty()) {
                // CapturedMedia would send the test pattern instead: then this would measure the row above again
                throw new IllegalStateException("the GStreamer call is not what it should measure: " + c.state() + " " + c.end()
                        + ", capture " + media.problem() + ", pipelines " + gstChildren() + ", " + gst.problems());
            }
            List<ProcessHandle> children = gstChildren();
            long cpu0 = os.getProcessCpuTime();
            long children0 = cpuNanos(children);
            long frames0 = c.framesDecoded();
            long w0 = System.nanoTime();
            long until = w0 + 10_000_000_000L;
            while (System.nanoTime() < until) {
                Thread.sleep(100);
            }
            long wall = System.nanoTime() - w0;
            double room = (os.getProcessCpuTime() - cpu0) / (double) wall;
            if (!gstChildren().stream().map(ProcessHandle::pid).toList().equals(children.stream().map(ProcessHandle::pid).toList())) {
                throw new IllegalStateException("a gst-launch-1.0 pipeline ended or restarted during the measurement: " + gst.problems());
            }
            double kids = (cpuNanos(children) - children0) / (double) wall;
            double fps = (c.framesDecoded() - frames0) * 1e9 / wall;
            long kidsRss = 0;
            for (ProcessHandle h : children) {
                kidsRss += status(Path.of("/proc", Long.toString(h.pid()), "status"), "VmRSS:");
            }
            long rss = rssKb();
            c.hangUp();
            await(() -> path.calls().isEmpty());
            row(rows, "CPU of one 720p30 call with GStreamer capture (GstCapture test sources) and playout (GstRawPlayout,"
                    + " fakesinks): process + its 4 gst-launch-1.0 children = total; the test-pattern call above",
                    fmt(room) + " + " + fmt(kids) + " = " + fmt(room + kids) + " cores; " + fmt(testPatternCores) + " cores",
                    "<= 0.5 core (room)");
            row(rows, "RSS during that call: process / its gst-launch-1.0 children; far end's pictures decoded by the room",
                    rss / 1024 + " / " + kidsRss / 1024 + " MB; " + fmt(fps) + " fps", "-");
        } finally {
            path.stop();
        }
    }

    /** This process's gst-launch-1.0 children (the capture's and the playout's pipelines), by pid. */
    private static List<ProcessHandle> gstChildren() {
        return ProcessHandle.current().descendants().filter(p -> p.info().command().orElse("").endsWith("/gst-launch-1.0"))
                .sorted(java.util.Comparator.comparingLong(ProcessHandle::pid)).toList();
    }

    /** User + system CPU of {@code processes} (/proc/PID/stat); a process that has ended counts as an error. */
    private static long cpuNanos(List<ProcessHandle> processes) {
        long sum = 0;
        for (ProcessHandle p : processes) {
            sum += p.info().totalCpuDuration().orElseThrow(() -> new IllegalStateException("no CPU time for " + p.pid())).toNanos();
        }
        return sum;
    }

    private static void await(java.util.function.BooleanSupplier c) throws InterruptedException {
        long end = System.nanoTime() + 60_000_000_000L;
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("not within 60 s");
            }
            Thread.sleep(2);
        }
    }

    private static double pct(List<Double> v, int p) {
        List<Double> s = v.stream().sorted().toList();
        return s.get(Math.min(s.size() - 1, (int) Math.ceil(p / 100.0 * s.size()) - 1));
    }

    private static String fmt(double d) {
        return String.format(Locale.ROOT, d < 10 ? "%.2f" : "%.0f", d);
    }

    private static void row(PrintStream out, String metric, String value, String target) {
        out.println("| " + metric + " | " + value + " | " + target + " |");
    }

    private static long rssKb() throws Exception {
        return status("VmRSS:");
    }

    /**
     * Resident memory outside the JVM's heap and non-heap pools (committed), after a GC, as the agent's
     * WebRtcMemoryGuard reads it: native memory, without the heap's growth that RSS alone also counts.
     */
    private static long outsideJvmKb() throws Exception {
        System.gc();
        java.lang.management.MemoryMXBean m = ManagementFactory.getMemoryMXBean();
        return rssKb() - (m.getHeapMemoryUsage().getCommitted() + m.getNonHeapMemoryUsage().getCommitted()) / 1024;
    }

    private static long openFds() throws Exception {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    /** VmRSS after asking the JVM to return free glibc heap to the OS (jcmd System.trim_native_heap, JDK 17.0.9+). */
    private static long trimmedRssKb() throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(ProcessHandle.current().pid()), "System.trim_native_heap")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        p.waitFor();
        System.err.println("jcmd System.trim_native_heap: " + out.strip());
        return rssKb();
    }

    private static long osThreads() throws Exception {
        return status("Threads:");
    }

    private static long status(String key) throws Exception {
        return status(Path.of("/proc/self/status"), key);
    }

    private static long status(Path file, String key) throws Exception {
        for (String l : Files.readAllLines(file)) {
            if (l.startsWith(key)) {
                return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
