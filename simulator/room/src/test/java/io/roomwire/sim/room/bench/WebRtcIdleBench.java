package io.roomwire.sim.room.bench;

import io.roomwire.sim.room.SimCloud;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * What the WebRTC join path costs an agent that never makes a WebRTC call: `roomwire run` against the
 * simulated cloud with the WebRTC gateway configured (webrtc.* set, the path built, idle) and without it
 * (webrtc.* removed), alternating in one run, next to the empty JVM. Start to "all services UP" (median),
 * VmRSS after rw.idle seconds, and whether webrtc-java's native library was mapped into the process then.
 * Prints markdown rows on stdout. Runs with the agent's own runtime class path (bench/run writes it).
 */
public final class WebRtcIdleBench {

    private WebRtcIdleBench() {
    }

    public static void main(String[] args) throws Exception {
        java.io.PrintStream rows = System.out;
        System.setOut(System.err);
        Path root = Path.of(System.getProperty("rw.root", ".")).toAbsolutePath().normalize();
        int runs = Integer.getInteger("rw.runs", 5);
        Duration idle = Duration.ofSeconds(Long.getLong("rw.idle", 20));
        List<String> flags = Files.readAllLines(root.resolve("image/src/main/resources/jvm.options")).stream()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        Path jdk = Path.of(System.getProperty("java.home"), "bin", "java");
        String cp = BenchRunner.agentClasspath(root);
        Path work = Files.createTempDirectory("roomwire-webrtc-idle-");
        Path empty = BenchRunner.emptyJvmJar(work);
        UnaryOperator<Map<String, String>> with = s -> s;
        UnaryOperator<Map<String, String>> without = s -> {
            s.keySet().removeIf(k -> k.startsWith("webrtc."));
            return s;
        };
        List<Long> startWith = new ArrayList<>();
        List<Long> startWithout = new ArrayList<>();
        List<Long> startEmpty = new ArrayList<>();
        List<Long> rssWith = new ArrayList<>();
        List<Long> rssWithout = new ArrayList<>();
        List<Long> rssEmpty = new ArrayList<>();
        boolean mappedWith = false;
        boolean mappedWithout = false;
        try (SimCloud cloud = SimCloud.start(work.resolve("cloud"), java.time.Clock.systemUTC(), Duration.ZERO)) {
            cloud.startBroker();
            cloud.addRoom("401", "Room 401");
            cloud.bookMeetingNow("401", ZoneOffset.UTC);
            cloud.bookDemoMeetings("401", ZoneOffset.UTC);
            // First boot (sign-in, MDM enrollment) and a warm page cache, not measured.
            BenchRunner.runAgent(cloud, work, jdk, cp, flags, Duration.ZERO, with);
            BenchRunner.runAgent(cloud, work, jdk, cp, flags, Duration.ZERO, without);
            for (int i = 0; i < runs; i++) {
                // Alternating, so machine load during the run falls on both alike.
                BenchRunner.Run a = BenchRunner.runAgent(cloud, work, jdk, cp, flags, idle, with);
                BenchRunner.Run b = BenchRunner.runAgent(cloud, work, jdk, cp, flags, idle, without);
                BenchRunner.Run e = BenchRunner.runEmpty(jdk, empty, flags, idle);
                startWith.add(a.startMillis());
                startWithout.add(b.startMillis());
                startEmpty.add(e.startMillis());
                rssWith.add(a.rssKb() / 1024);
                rssWithout.add(b.rssKb() / 1024);
                rssEmpty.add(e.rssKb() / 1024);
                mappedWith |= a.webrtcMapped();
                mappedWithout |= b.webrtcMapped();
                System.out.println("run " + i + ": with " + a + ", without " + b + ", empty " + e);
            }
        }
        String load = Files.readString(Path.of("/proc/loadavg")).strip();
        row(rows, "agent start, WebRTC gateway configured (idle) / not configured / empty JVM, median of " + runs
                + " (shipped flags)", median(startWith) + " / " + median(startWithout) + " / " + median(startEmpty) + " ms",
                "no change");
        row(rows, "agent VmRSS after " + idle.toSeconds() + " s idle, configured / not configured / empty JVM, median",
                median(rssWith) + " / " + median(rssWithout) + " / " + median(rssEmpty) + " MB", "no change");
        row(rows, "webrtc-java native library mapped in the idle agent, configured / not configured",
                (mappedWith ? "yes" : "no") + " / " + (mappedWithout ? "yes" : "no"), "no / no");
        row(rows, "per run (configured / not configured / empty): start ms; RSS MB", startWith + " / " + startWithout
                + " / " + startEmpty + "; " + rssWith + " / " + rssWithout + " / " + rssEmpty + " (loadavg at end " + load + ")", "-");
    }

    private static long median(List<Long> v) {
        List<Long> s = v.stream().sorted().toList();
        return s.get(s.size() / 2);
    }

    private static void row(java.io.PrintStream out, String metric, String value, String target) {
        out.println("| " + metric + " | " + value + " | " + target + " |");
    }
}
