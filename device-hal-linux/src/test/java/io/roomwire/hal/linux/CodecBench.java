package io.roomwire.hal.linux;

import io.roomwire.core.time.SystemScheduler;
import io.roomwire.hal.Codec;
import io.roomwire.hal.MediaKind;
import io.roomwire.hal.sim.SimCodec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Media engine figures: CPU and RSS of one call (H.264 + Opus sent, and the same received back and
 * decoded) for the simulated and the GStreamer codec, and the GStreamer send path's latency from the
 * source to the UDP sink (GStreamer's latency tracer). {@code --quick}: 320x180, 2 s windows (CI smoke).
 */
public final class CodecBench {

    private static final InetAddress LO = InetAddress.getLoopbackAddress();
    private static final Pattern LATENCY = Pattern.compile("sink-element=\\(string\\)udpsink\\d+.*time=\\(guint64\\)(\\d+)");

    public static void main(String[] args) throws Exception {
        org.tinylog.configuration.Configuration.set("writer.console", "false");
        boolean quick = List.of(args).contains("--quick");
        int w = quick ? 320 : 1280;
        int h = quick ? 180 : 720;
        int fps = quick ? 15 : 30;
        int seconds = quick ? 2 : 10;
        long ticks = 100; // USER_HZ on Linux
        SystemScheduler scheduler = new SystemScheduler(2);
        try {
            double[] sim = oneCall(new SimCodec(scheduler), seconds, ticks);
            row("Sim codec: CPU per call (its 320x180 15 fps H.264 clip + Opus clip, sent and received)",
                    String.format("%.1f%% of a core", sim[0] * 100), "—");
            double[] gst = oneCall(GstCodec.testSources(w, h, fps), seconds, ticks);
            row("GStreamer codec: CPU per call (" + w + "x" + h + "@" + fps + " x264 ultrafast/zerolatency + Opus,"
                    + " encoded, sent, received and decoded)", String.format("%.0f%% of a core", gst[0] * 100),
                    "≤ 50% of a core");
            row("GStreamer codec: RSS per call (4 gst-launch-1.0 pipelines)", String.format("%.0f MB", gst[1] / 1024), "—");
            List<Long> lat = sendLatency(w, h, fps, seconds);
            row("GStreamer send path latency, source to UDP sink (" + w + "x" + h + "@" + fps + ", p50 / p95 of "
                    + lat.size() + " frames)", String.format("%.1f / %.1f ms", pct(lat, 50) / 1e6, pct(lat, 95) / 1e6),
                    "< 100 ms");
        } finally {
            scheduler.close();
        }
    }

    static void row(String metric, String value, String target) {
        System.out.println("| " + metric + " | " + value + " | " + target + " |");
    }

    /** One call looped back to itself: what it sends comes back to its receive ports. {CPU cores, RSS kB}. */
    static double[] oneCall(Codec codec, int seconds, long ticksPerSecond) throws Exception {
        try (DatagramSocket audioBack = new DatagramSocket(new InetSocketAddress(LO, 0));
             DatagramSocket videoBack = new DatagramSocket(new InetSocketAddress(LO, 0));
             Codec.MediaSession s = codec.open(List.of(
                     new Codec.StreamPlan(MediaKind.AUDIO, 111, "opus", 48000, (InetSocketAddress) audioBack.getLocalSocketAddress()),
                     new Codec.StreamPlan(MediaKind.VIDEO, 96, "H264", 90000, (InetSocketAddress) videoBack.getLocalSocketAddress())))) {
            Thread a = loop(audioBack, s.localPorts().get(MediaKind.AUDIO));
            Thread v = loop(videoBack, s.localPorts().get(MediaKind.VIDEO));
            Thread.sleep(2000); // warm-up: pipelines started, encoder past its first frames
            long cpu0 = cpuTicks(ticksPerSecond);
            long t0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            long cpu1 = cpuTicks(ticksPerSecond);
            long t1 = System.nanoTime();
            double rss = childrenRssKb();
            if (s.received(MediaKind.VIDEO).packets() == 0 || s.received(MediaKind.AUDIO).packets() == 0) {
                throw new IllegalStateException("the call received no media: " + s.received(MediaKind.VIDEO));
            }
            a.interrupt();
            v.interrupt();
            return new double[] {(cpu1 - cpu0) / 1e9 / ((t1 - t0) / 1e9), rss};
        }
    }

    private static Thread loop(DatagramSocket in, InetSocketAddress to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[2048];
            DatagramPacket dp = new DatagramPacket(buf, buf.length);
            while (!in.isClosed()) {
                try {
                    dp.setLength(buf.length);
                    in.receive(dp);
                    in.send(new DatagramPacket(buf, dp.getLength(), to));
                } catch (IOException e) {
                    return;
                }
            }
        }, "bench-loop");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** CPU nanoseconds of this JVM plus its live child processes (the pipelines). */
    private static long cpuTicks(long ticksPerSecond) throws IOException {
        long ns = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
        for (ProcessHandle p : ProcessHandle.current().children().toList()) {
            Path stat = Path.of("/proc", Long.toString(p.pid()), "stat");
            if (Files.exists(stat)) {
                String[] f = Files.readString(stat).substring(Files.readString(stat).lastIndexOf(')') + 2).split(" ");
                ns += (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 1_000_000_000L / ticksPerSecond;
            }
        }
        return ns;
    }

    private static double childrenRssKb() throws IOException {
        double kb = 0;
        for (ProcessHandle p : ProcessHandle.current().children().toList()) {
            Path status = Path.of("/proc", Long.toString(p.pid()), "status");
            if (Files.exists(status)) {
                for (String l : Files.readAllLines(status)) {
                    if (l.startsWith("VmRSS:")) {
                        kb += Long.parseLong(l.replaceAll("[^0-9]", ""));
                    }
                }
            }
        }
        return kb;
    }

    /** Per-frame source-to-udpsink latencies (ns) from GStreamer's latency tracer on the send pipeline. */
    static List<Long> sendLatency(int w, int h, int fps, int seconds) throws Exception {
        GstPipelines p = new GstPipelines(GstPipelines.Options.test(w, h, fps));
        int port;
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(LO, 0))) {
            port = s.getLocalPort();
        }
        String desc = p.send(new Codec.StreamPlan(MediaKind.VIDEO, 96, "H264", 90000, null), 1234, port, 0, false);
        List<String> cmd = new ArrayList<>(List.of("timeout", Integer.toString(seconds + 2), GstLaunch.LAUNCH, "-q"));
        cmd.addAll(List.of(desc.split(" ")));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("GST_TRACERS", "latency(flags=pipeline)");
        env.put("GST_DEBUG", "GST_TRACER:7");
        env.put("GST_DEBUG_NO_COLOR", "1");
        Process proc = pb.start();
        List<Long> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            int seen = 0;
            while ((line = r.readLine()) != null) {
                Matcher m = LATENCY.matcher(line);
                if (m.find() && seen++ >= fps) { // the first second: x264's start-up
                    out.add(Long.parseLong(m.group(1)));
                }
            }
        }
        proc.waitFor();
        if (out.isEmpty()) {
            throw new IllegalStateException("GStreamer's latency tracer reported nothing for: " + desc);
        }
        return out;
    }

    static double pct(List<Long> xs, int p) {
        List<Long> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(Math.min(s.size() - 1, (int) Math.ceil(p / 100.0 * s.size()) - 1));
    }
}
