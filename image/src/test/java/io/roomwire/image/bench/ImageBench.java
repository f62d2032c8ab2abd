package io.roomwire.image.bench;

import io.roomwire.image.installed.InstalledLayout;
import io.roomwire.sim.room.SimCloud;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The device image's figures (bench/run): package and runtime sizes before and after shrinking,
 * the systemd exposure score, and cold start to "all services UP" and idle RSS of the installed
 * layout (jlink runtime + CDS archive, at /usr/lib/roomwire) against the same jars on the system
 * JDK, alternating in one run against one simulated cloud.
 *
 * <p>Arguments: {@code [--runs N] [--idle SECONDS]}; reads the image build's output under
 * {@code image/target} (or {@code target} when run from the module).
 */
public final class ImageBench {

    private ImageBench() {
    }

    public static void main(String[] args) throws Exception {
        int runs = 3;
        Duration idle = Duration.ofSeconds(20);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--idle" -> idle = Duration.ofSeconds(Long.parseLong(args[++i]));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Path target = Files.isDirectory(Path.of("image/target/root")) ? Path.of("image/target") : Path.of("target");
        for (String row : measure(target, runs, idle)) {
            System.out.println(row);
        }
    }

    /** The table rows ({@code | metric | value | target |}), all three start-up variants. */
    public static List<String> measure(Path target, int runs, Duration idle) throws Exception {
        return measure(target, runs, idle, true);
    }

    /**
     * The table rows; {@code withoutCds} adds the installed runtime without the agent's archive to the
     * two variants always measured (installed layout with CDS, same jars on the system JDK).
     */
    public static List<String> measure(Path target, int runs, Duration idle, boolean withoutCds) throws Exception {
        InstalledLayout layout = new InstalledLayout(target.resolve("root"));
        if (!Files.isRegularFile(layout.home().resolve("lib/roomwire.jsa"))) {
            throw new IllegalStateException("no installed layout in " + layout.home() + ": build the image first (mvn -pl image -am package)");
        }
        List<String> rows = new ArrayList<>();
        Path deb;
        try (Stream<Path> s = Files.list(target)) {
            deb = s.filter(p -> p.getFileName().toString().matches("roomwire_.+\\.deb")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no .deb in " + target));
        }
        rows.add(row("package (.deb, xz)", mb(Files.size(deb)), "<= 40 MB"));
        try (Stream<Path> s = Files.list(target)) {
            s.filter(p -> p.getFileName().toString().matches("roomwire-webrtc_.+\\.deb")).findFirst()
                    .ifPresent(w -> rows.add(row("roomwire-webrtc package (webrtc-java, optional)", mb(w.toFile().length()), "")));
        }
        rows.add(row("jars before shrinking (lib-full)", mb(size(target.resolve("image/lib-full"), ".jar")), ""));
        rows.add(row("jars shipped (ProGuard)", mb(size(layout.home().resolve("lib"), ".jar")), ""));
        rows.add(row("jlink runtime", mb(size(layout.home().resolve("runtime"), "")), ""));
        rows.add(row("CDS archive of the agent's classes", mb(Files.size(layout.home().resolve("lib/roomwire.jsa"))), ""));
        rows.add(row("installed size", mb(size(layout.home(), "")), ""));
        exposure(target).ifPresent(e -> rows.add(row("systemd-analyze security exposure", e, "<= 3.0")));

        List<String> flags = Files.readAllLines(target.getParent() == null ? Path.of("src/main/resources/jvm.options")
                : target.resolveSibling("src/main/resources/jvm.options")).stream().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        Path work = Files.createTempDirectory("image-bench-");
        Map<String, List<double[]>> results = new TreeMap<>();
        try (SimCloud cloud = SimCloud.start(work.resolve("cloud"), Clock.systemUTC(), Duration.ZERO)) {
            cloud.startBroker();
            cloud.addRoom("401", "Room 401");
            cloud.bookMeetingNow("401", ZoneOffset.UTC);
            StringBuilder config = new StringBuilder("agent.log-level = info\n");
            cloud.agentSettings("RW-IMAGE-BENCH", "401").forEach((k, v) -> config.append(k).append(" = ").append(v).append('\n'));
            config.append("agent.state-dir = ").append(work.resolve("state")).append('\n');
            Path file = Files.writeString(work.resolve("roomwire.properties"), config);
            List<String> agentArgs = List.of("run", "--config", file.toString());
            // Warm-up: enrolment and the first sync happen once; every measured start finds the same state.
            run(layout.wrap(layout.agent(flags, true, agentArgs)), Duration.ZERO);
            String systemJava = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String hostClassPath = Arrays.stream(layout.classPath().split(":"))
                    .map(p -> layout.home().resolve(p.substring(InstalledLayout.HOME.length() + 1)).toString())
                    .reduce((a, b) -> a + ":" + b).orElseThrow();
            List<String> onSystemJdk = new ArrayList<>(List.of(systemJava));
            onSystemJdk.addAll(flags);
            onSystemJdk.addAll(List.of("-cp", hostClassPath, "io.roomwire.agent.Main"));
            onSystemJdk.addAll(agentArgs);
            for (int i = 0; i < runs; i++) {
                results.computeIfAbsent("installed layout (jlink runtime + CDS)", k -> new ArrayList<>())
                        .add(run(layout.wrap(layout.agent(flags, true, agentArgs)), idle));
                if (withoutCds) {
                    results.computeIfAbsent("installed runtime without the CDS archive", k -> new ArrayList<>())
                            .add(run(layout.wrap(layout.agent(flags, false, agentArgs)), idle));
                }
                results.computeIfAbsent("same jars on the system JDK " + System.getProperty("java.version"), k -> new ArrayList<>())
                        .add(run(onSystemJdk, idle));
            }
        } finally {
            new ProcessBuilder("rm", "-rf", work.toString()).start().waitFor();
        }
        rows.add(row("machine load (1-minute average, uptime) after the runs", loadAverage(), ""));
        results.forEach((name, r) -> {
            rows.add(row("cold start to all services UP, " + name + " (median of " + r.size() + ")",
                    String.format(Locale.ROOT, "%.2f s", median(r, 0)), ""));
            rows.add(row("RSS after " + idle.toSeconds() + " s idle, " + name, String.format(Locale.ROOT, "%.0f MB", median(r, 1)), ""));
        });
        return rows;
    }

    /** One start: seconds to "all services UP", and RSS in MB after {@code idle}; then a clean stop. */
    private static double[] run(List<String> command, Duration idle) throws Exception {
        List<String> seen = new ArrayList<>();
        long t0 = System.nanoTime();
        Process p = InstalledLayout.startUntil(command, l -> l.contains("all services UP"), Duration.ofMinutes(3), seen);
        double up = (System.nanoTime() - t0) / 1e9;
        double rss = 0;
        try {
            if (!idle.isZero()) {
                // Idle means idle: the bench waits on the clock, the agent runs on its own.
                Thread.sleep(idle.toMillis());
            }
            rss = rssMb(p.pid());
        } finally {
            InstalledLayout.stop(p, Duration.ofMinutes(1));
        }
        return new double[] {up, rss};
    }

    /** VmRSS of the JVM: the process itself (unshare and sh exec into it) or its one java descendant. */
    private static double rssMb(long pid) throws IOException {
        Path status = Path.of("/proc/" + pid + "/status");
        String text = Files.readString(status);
        Matcher m = Pattern.compile("VmRSS:\\s+(\\d+) kB").matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("no VmRSS in " + status);
        }
        return Long.parseLong(m.group(1)) / 1024.0;
    }

    private static String loadAverage() throws IOException {
        return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    }

    private static java.util.Optional<String> exposure(Path target) throws Exception {
        Path unit = target.getParent() == null ? Path.of("src/main/resources/roomwire.service")
                : target.resolveSibling("src/main/resources/roomwire.service");
        Process p;
        try {
            p = new ProcessBuilder("systemd-analyze", "security", "--offline=true", unit.toAbsolutePath().toString())
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        p.waitFor();
        Matcher m = Pattern.compile("Overall exposure level for \\S+: ([0-9.]+ \\S+)").matcher(out);
        return m.find() ? java.util.Optional.of(m.group(1)) : java.util.Optional.empty();
    }

    private static long size(Path dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).filter(f -> f.toString().endsWith(suffix)).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    private static double median(List<double[]> runs, int index) {
        double[] v = runs.stream().mapToDouble(r -> r[index]).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    private static String row(String metric, String value, String target) {
        return "| " + metric + " | " + value + " | " + target + " |";
    }
}
