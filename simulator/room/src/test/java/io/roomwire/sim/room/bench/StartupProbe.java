package io.roomwire.sim.room.bench;

import io.roomwire.sim.room.SimCloud;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The start-up measurements behind docs/performance.md, the ones that do not depend on the machine's
 * load: per run of the enrolled agent (and of the empty JVM with the same flags, in the same run) the
 * wall time to "all services UP", the CPU time the process had used by then (user+sys from
 * /proc/PID/stat), its threads and RSS at that moment, and with {@code --classes} the classes loaded
 * by then per jar ({@code -Xlog:class+load}), with {@code --threads} that CPU time by thread
 * (/proc/PID/task). With {@code --idle S} also VmRSS after S seconds and, with {@code --nmt}, the JVM's
 * native memory summary.
 *
 * <p>Arguments: {@code --root DIR [--runs N] [--cds] [--classes] [--threads] [--idle S] [--nmt] [--log DIR] [--flag F]...}
 * ({@code --log} keeps each run's whole output there, one file per run); the
 * shipped flags (image/src/main/resources/jvm.options) are always on, {@code --flag} adds one;
 * {@code --default} runs the JVM's defaults instead of the shipped flags. The class path is the
 * agent's own (agent/target/runtime-classpath.txt, as {@code bench/run} writes it) unless one or more
 * {@code --cp NAME=CLASSPATH} name others (saved builds): their runs then alternate, so before and after
 * see the same load; {@code --vflag NAME:FLAG} adds a JVM flag to one of them only (name the same class
 * path twice to compare flags with alternating runs) and {@code --vjava NAME:PATH} runs it with another java (the
 * installed layout's runtime: {@code --cp "installed=image/target/root/usr/lib/roomwire/lib/*"}). With {@code --cds}
 * each class path gets its own dynamic archive, trained by an enrolled start (a reboot), as the package's is; with
 * {@code --train-first-boot NAME} that one's is trained by a first boot instead (sign-in and MDM enrollment, in a
 * state directory of its own), as the package's was before round 8; with {@code --static NAME} that one's is a static
 * archive ({@code -Xshare:dump}) of the class list the same training run wrote ({@code -XX:DumpLoadedClassList}), and
 * with {@code --static-up NAME} of that list as it was when the training run reported all services UP (the classes
 * loaded by then, JDK's and agent's, in one archive).
 */
public final class StartupProbe {

    /** Extra environment of a command (--env), by the command's identity. */
    private static final Map<List<String>, Map<String, String>> ENV = new java.util.IdentityHashMap<>();
    /** Class paths whose archive is a static one (--static NAME), dumped from the class list of the training run. */
    private static final java.util.Set<String> staticArchive = new java.util.HashSet<>();
    /** Static archives made only of the classes loaded by all services UP (--static-up NAME). */
    private static final java.util.Set<String> staticUpArchive = new java.util.HashSet<>();
    /** A class list being written by a training run, copied aside (".up") when that run reports all services UP. */
    private static Path snapshotAtUp;
    /** Where each run's whole output is kept (--log DIR), or null. */
    private static Path logDir;
    private static int logged;

    private StartupProbe() {
    }

    private record Sample(long wallMs, long cpuMs, int threads, long rssKb, long idleRssKb, String breakdown,
                          Map<String, Integer> classes, String nmt, Map<String, Long> cpuByThread, Path log,
                          long sysMs, long minorFaults) { }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(".");
        int runs = 3;
        boolean cds = false;
        boolean classes = false;
        boolean nmt = false;
        boolean threads = false;
        boolean defaults = false;
        Duration idle = Duration.ZERO;
        List<String> extra = new ArrayList<>();
        List<String[]> variants = new ArrayList<>(); // name, class path
        Map<String, Map<String, String>> envs = new java.util.HashMap<>();
        Map<String, List<String>> variantFlags = new java.util.HashMap<>();
        Map<String, Path> variantJava = new java.util.HashMap<>();
        java.util.Set<String> firstBootTrained = new java.util.HashSet<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--root" -> root = Path.of(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--cds" -> cds = true;
                case "--classes" -> classes = true;
                case "--nmt" -> nmt = true;
                case "--threads" -> threads = true;
                case "--default" -> defaults = true;
                case "--log" -> logDir = Files.createDirectories(Path.of(args[++i]).toAbsolutePath());
                case "--idle" -> idle = Duration.ofSeconds(Long.parseLong(args[++i]));
                case "--flag" -> extra.add(args[++i]);
                case "--env" -> { // NAME:KEY=VALUE, an environment variable for one class path's runs
                    String v = args[++i];
                    envs.computeIfAbsent(v.substring(0, v.indexOf(':')), n -> new java.util.HashMap<>())
                            .put(v.substring(v.indexOf(':') + 1, v.indexOf('=')), v.substring(v.indexOf('=') + 1));
                }
                case "--vflag" -> { // NAME:FLAG, a JVM flag for one class path's runs (the same class path may be named twice)
                    String v = args[++i];
                    variantFlags.computeIfAbsent(v.substring(0, v.indexOf(':')), n -> new ArrayList<>()).add(v.substring(v.indexOf(':') + 1));
                }
                case "--vjava" -> { // NAME:PATH, the java one class path runs with (e.g. the installed layout's jlink runtime)
                    String v = args[++i];
                    variantJava.put(v.substring(0, v.indexOf(':')), Path.of(v.substring(v.indexOf(':') + 1)).toAbsolutePath());
                }
                case "--train-first-boot" -> firstBootTrained.add(args[++i]);
                case "--static" -> staticArchive.add(args[++i]);
                case "--static-up" -> {
                    staticArchive.add(args[++i]);
                    staticUpArchive.add(args[i]);
                }
                case "--cp" -> {
                    String v = args[++i];
                    int eq = v.indexOf('=');
                    variants.add(new String[] {v.substring(0, eq), v.substring(eq + 1)});
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        root = root.toAbsolutePath().normalize();
        List<String> flags = new ArrayList<>(defaults ? List.of() : Files.readAllLines(root.resolve("image/src/main/resources/jvm.options"))
                .stream().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList());
        flags.addAll(extra);
        if (nmt) {
            flags.add("-XX:NativeMemoryTracking=summary");
        }
        Path work = Files.createTempDirectory("roomwire-probe-");
        if (variants.isEmpty()) {
            variants.add(new String[] {"checkout", agentClasspath(root)});
        }
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        Path empty = emptyJvmJar(work);
        try (SimCloud cloud = SimCloud.start(work.resolve("cloud"), java.time.Clock.systemUTC(), Duration.ZERO)) {
            cloud.startBroker();
            cloud.addRoom("401", "Room 401");
            cloud.bookMeetingNow("401", java.time.ZoneOffset.UTC);
            cloud.bookDemoMeetings("401", java.time.ZoneOffset.UTC);
            Sample boot = run(agentCmd(cloud, work, javaBin, variants.get(0)[1], flags), work, false, Duration.ZERO, false);
            System.out.println("first boot (sign-in + enrollment, " + variants.get(0)[0] + "): " + boot.wallMs() + " ms, cpu "
                    + boot.cpuMs() + " ms");
            List<List<String>> cmds = new ArrayList<>();
            for (String[] v : variants) {
                List<String> agentFlags = new ArrayList<>(flags);
                agentFlags.addAll(variantFlags.getOrDefault(v[0], List.of()));
                if (cds) {
                    // each class path its own archive, trained by an enrolled start (the same for every variant)
                    Path jsa = work.resolve(v[0] + ".jsa");
                    Path classList = work.resolve(v[0] + ".classlist");
                    boolean dumpStatic = staticArchive.contains(v[0]);
                    List<String> train = new ArrayList<>(agentFlags);
                    train.add(dumpStatic ? "-XX:DumpLoadedClassList=" + classList : "-XX:ArchiveClassesAtExit=" + jsa);
                    Path trainState = firstBootTrained.contains(v[0]) ? work.resolve("first-boot-" + v[0]) : work.resolve("state");
                    Path variantJavaBin = variantJava.getOrDefault(v[0], javaBin);
                    snapshotAtUp = staticUpArchive.contains(v[0]) ? classList : null;
                    run(agentCmd(cloud, work, variantJavaBin, v[1], train, trainState), work, false, Duration.ZERO, false);
                    if (staticUpArchive.contains(v[0])) {
                        Files.move(classList.resolveSibling(classList.getFileName() + ".up"), classList,
                                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                    if (dumpStatic) {
                        List<String> dump = new ArrayList<>(List.of(variantJavaBin.toString()));
                        dump.addAll(agentFlags);
                        dump.addAll(List.of("-Xshare:dump", "-XX:SharedClassListFile=" + classList, "-XX:SharedArchiveFile=" + jsa,
                                "-cp", v[1]));
                        long t = System.nanoTime();
                        Process d = new ProcessBuilder(dump).redirectErrorStream(true).redirectOutput(work.resolve(v[0] + ".dump.log").toFile()).start();
                        if (!d.waitFor(5, TimeUnit.MINUTES) || d.exitValue() != 0) {
                            throw new IllegalStateException("static dump failed: " + Files.readString(work.resolve(v[0] + ".dump.log")));
                        }
                        System.out.printf("static archive %s: %d classes listed, %.1f MB, dumped in %d ms%n", v[0],
                                Files.readAllLines(classList).size(), Files.size(jsa) / 1e6, (System.nanoTime() - t) / 1_000_000);
                    }
                    agentFlags.add("-XX:SharedArchiveFile=" + jsa);
                }
                List<String> cmd = agentCmd(cloud, work, variantJava.getOrDefault(v[0], javaBin), v[1], agentFlags);
                ENV.put(cmd, envs.getOrDefault(v[0], Map.of()));
                cmds.add(cmd);
                run(cmds.get(cmds.size() - 1), work, false, Duration.ZERO, false); // page cache
            }
            List<String> emptyCmd = new ArrayList<>();
            emptyCmd.add(javaBin.toString());
            emptyCmd.addAll(flags);
            emptyCmd.addAll(List.of("-cp", empty.toString(), EmptyJvm.class.getName()));
            System.out.println("flags: " + String.join(" ", flags) + (cds ? " + -XX:SharedArchiveFile (per class path)" : ""));
            System.out.println("| run | class path | agent wall ms | agent cpu ms | agent sys ms | minor faults | threads | RSS at UP MB | idle RSS MB | empty wall ms | empty cpu ms | empty minor faults | empty idle RSS MB |");
            Map<String, List<Sample>> all = new java.util.LinkedHashMap<>();
            for (int i = 0; i < runs; i++) {
                Sample e = run(emptyCmd, work, false, idle, false);
                for (int k = 0; k < variants.size(); k++) {
                    String name = variants.get(k)[0];
                    Sample a = run(cmds.get(k), work, classes && i == 0, idle, nmt && i == 0, threads);
                    all.computeIfAbsent(name, n -> new ArrayList<>()).add(a);
                    System.out.println("| " + (i + 1) + " | " + name + " | " + a.wallMs() + " | " + a.cpuMs() + " | " + a.sysMs()
                            + " | " + a.minorFaults() + " | " + a.threads()
                            + " | " + a.rssKb() / 1024 + " | " + (a.idleRssKb() / 1024) + " | " + e.wallMs() + " | " + e.cpuMs()
                            + " | " + e.minorFaults() + " | " + e.idleRssKb() / 1024 + " |");
                    System.out.println("  " + a.breakdown());
                    if (a.log() != null) {
                        System.out.println("  output: " + a.log());
                    }
                    if (!a.cpuByThread().isEmpty()) {
                        System.out.println("  cpu ms by thread at UP: " + a.cpuByThread().entrySet().stream()
                                .map(t -> t.getKey() + " " + t.getValue()).collect(java.util.stream.Collectors.joining(", ")));
                    }
                    if (!a.classes().isEmpty()) {
                        int total = a.classes().values().stream().mapToInt(Integer::intValue).sum();
                        System.out.println("  classes loaded by UP: " + total);
                        a.classes().entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                                .limit(25).forEach(c -> System.out.println("    " + c.getValue() + "  " + c.getKey()));
                    }
                    if (!a.nmt().isEmpty()) {
                        System.out.println(a.nmt());
                    }
                }
            }
            System.out.println("| class path | median wall ms | median cpu ms | median sys ms | median minor faults | median RSS at UP MB | median idle RSS MB |");
            all.forEach((name, l) -> System.out.println("| " + name + " | " + median(l, Sample::wallMs) + " | "
                    + median(l, Sample::cpuMs) + " | " + median(l, Sample::sysMs) + " | " + median(l, Sample::minorFaults) + " | " + median(l, Sample::rssKb) / 1024 + " | " + median(l, Sample::idleRssKb) / 1024 + " |"));
        }
    }

    private static long median(List<Sample> l, java.util.function.ToLongFunction<Sample> f) {
        long[] v = l.stream().mapToLong(f).sorted().toArray();
        return v[v.length / 2];
    }

    private static List<String> agentCmd(SimCloud cloud, Path work, Path java, String cp, List<String> flags) throws IOException {
        return agentCmd(cloud, work, java, cp, flags, work.resolve("state"));
    }

    private static List<String> agentCmd(SimCloud cloud, Path work, Path java, String cp, List<String> flags, Path stateDir)
            throws IOException {
        Path state = Files.createDirectories(stateDir);
        Path cfg = work.resolve("agent.properties");
        StringBuilder props = new StringBuilder("agent.state-dir = " + state + "\nagent.log-level = warn\npanel.http-port = 0\n");
        cloud.agentSettings("RW-BENCH-0001", "401").forEach((k, v) -> props.append(k).append(" = ").append(v).append('\n'));
        Files.writeString(cfg, props);
        List<String> cmd = new ArrayList<>();
        cmd.add(java.toString());
        cmd.addAll(flags);
        cmd.addAll(List.of("-cp", cp, "io.roomwire.agent.Main", "run", "--config", cfg.toString()));
        return cmd;
    }

    private static Sample run(List<String> base, Path work, boolean classes, Duration idle, boolean nmt) throws Exception {
        return run(base, work, classes, idle, nmt, false);
    }

    private static Sample run(List<String> base, Path work, boolean classes, Duration idle, boolean nmt, boolean threads)
            throws Exception {
        List<String> cmd = new ArrayList<>(base);
        Path log = work.resolve("classload.log");
        if (classes) {
            Files.deleteIfExists(log);
            cmd.add(1, "-Xlog:class+load=info:file=" + log + ":none");
        }
        long t0 = System.nanoTime();
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(ENV.getOrDefault(base, Map.of()));
        Process p = pb.start();
        Path out = logDir == null ? null : logDir.resolve(String.format("run-%03d.log", ++logged));
        try (BufferedReader r = keep(new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)), out)) {
            String line;
            long wall = -1;
            while ((line = r.readLine()) != null) {
                if (line.contains("all services UP")) {
                    wall = (System.nanoTime() - t0) / 1_000_000;
                    if (snapshotAtUp != null) {
                        String list = Files.readString(snapshotAtUp);
                        Files.writeString(snapshotAtUp.resolveSibling(snapshotAtUp.getFileName() + ".up"),
                                list.substring(0, list.lastIndexOf('\n') + 1));
                        snapshotAtUp = null;
                    }
                    break;
                }
            }
            if (wall < 0) {
                throw new IllegalStateException("no 'all services UP' from " + cmd);
            }
            String[] stat = statFields(Path.of("/proc/" + p.pid() + "/stat")); // one snapshot: CPU, system time, faults
            long cpu = cpuMs(stat);
            long sys = Long.parseLong(stat[12]) * 10;
            long faults = Long.parseLong(stat[7]);
            Map<String, Long> byThread = threads ? cpuByThread(p.pid()) : Map.of();
            int threadCount = (int) status(p.pid(), "Threads:");
            long rss = status(p.pid(), "VmRSS:");
            Map<String, Integer> perJar = classes ? perJar(Files.readAllLines(log)) : Map.of();
            String next = line.contains("empty JVM") ? "" : r.readLine();
            String breakdown = next != null && next.contains("service start-up") ? next.substring(next.indexOf("):") + 2).strip() : "";
            String phases = breakdown.isEmpty() ? null : r.readLine();
            if (phases != null && phases.contains("start phases")) {
                breakdown = breakdown + "; " + phases.substring(phases.indexOf("start phases"));
            }
            Thread drain = new Thread(() -> {
                try {
                    r.lines().forEach(l -> { });
                } catch (java.io.UncheckedIOException e) {
                    // the pipe closes under the reader when the process ends
                }
            });
            drain.setDaemon(true);
            drain.start();
            long idleRss = 0;
            String nmtOut = "";
            if (!idle.isZero()) {
                p.waitFor(idle.toMillis(), TimeUnit.MILLISECONDS);
                idleRss = status(p.pid(), "VmRSS:");
                if (nmt) {
                    Process j = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                            String.valueOf(p.pid()), "VM.native_memory", "summary").redirectErrorStream(true).start();
                    nmtOut = new String(j.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    j.waitFor(30, TimeUnit.SECONDS);
                }
            }
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            return new Sample(wall, cpu, threadCount, rss, idleRss, breakdown, perJar, nmtOut, byThread, out, sys, faults);
        }
    }

    /** The reader, also writing every line it reads to {@code out} (none: the reader itself). */
    private static BufferedReader keep(BufferedReader r, Path out) throws IOException {
        if (out == null) {
            return r;
        }
        java.io.Writer w = Files.newBufferedWriter(out, StandardCharsets.UTF_8);
        return new BufferedReader(r) {
            @Override
            public String readLine() throws IOException {
                String l = r.readLine();
                synchronized (w) {
                    if (l != null) {
                        w.write(l);
                        w.write('\n');
                    }
                    w.flush();
                }
                return l;
            }

            @Override
            public Stream<String> lines() {
                return Stream.generate(() -> {
                    try {
                        return readLine();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }).takeWhile(java.util.Objects::nonNull);
            }

            @Override
            public void close() throws IOException {
                try {
                    r.close();
                } finally {
                    synchronized (w) {
                        w.close();
                    }
                }
            }
        };
    }

    /** Classes per origin: the jar's file name, "jrt" for the JDK, "cds" for the shared archive. */
    private static Map<String, Integer> perJar(List<String> lines) {
        Map<String, Integer> out = new TreeMap<>();
        for (String l : lines) {
            int s = l.indexOf(" source: ");
            String src = s < 0 ? "?" : l.substring(s + 9);
            String key;
            if (src.startsWith("jrt:/")) {
                key = "jdk " + src.substring(5);
            } else if (src.contains("shared objects file")) {
                key = "cds: " + (src.contains("top") ? "dynamic archive" : "jdk base archive");
            } else if (src.contains(".jar")) {
                String jar = src.substring(0, src.indexOf(".jar") + 4);
                key = jar.substring(jar.lastIndexOf('/') + 1);
            } else {
                key = src.startsWith("__") ? "generated (lambda forms, proxies)" : src;
            }
            out.merge(key, 1, Integer::sum);
        }
        return out;
    }

    /**
     * CPU (user+sys, ms) of each of the process's threads so far, summed by name without its number
     * ("roomwire-start-3" counts as "roomwire-start-"; the kernel keeps 15 characters; the main thread is "java"),
     * largest first; threads that used none are left out.
     */
    private static Map<String, Long> cpuByThread(long pid) throws IOException {
        Map<String, Long> sum = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    long ms = cpuMs(t.resolve("stat"));
                    if (ms > 0) {
                        sum.merge(Files.readString(t.resolve("comm")).strip().replaceAll("[0-9]+$", ""), ms, Long::sum);
                    }
                } catch (java.nio.file.NoSuchFileException e) {
                    // the thread ended while we looked
                }
            }
        }
        Map<String, Long> out = new java.util.LinkedHashMap<>();
        sum.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    /** User+sys ms of a process's or a thread's stat file (/proc/PID/stat, /proc/PID/task/TID/stat). */
    private static long cpuMs(Path statFile) throws IOException {
        return cpuMs(statFields(statFile));
    }

    private static long cpuMs(String[] f) {
        // fields 14 and 15 (utime, stime) in clock ticks; the kernel's USER_HZ is 100 on Linux
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
    }

    /** A stat file's fields after the command's name: [7] minor faults, [9] major faults, [11] utime, [12] stime. */
    private static String[] statFields(Path statFile) throws IOException {
        String stat = Files.readString(statFile);
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    }

    private static long status(long pid, String key) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith(key)) {
                return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    private static String agentClasspath(Path root) throws IOException {
        Path list = root.resolve("agent/target/runtime-classpath.txt");
        try (Stream<Path> s = Files.list(root.resolve("agent/target"))) {
            Path jar = s.filter(p -> p.getFileName().toString().matches("roomwire-agent-.*\\.jar")).findFirst()
                    .orElseThrow(() -> new IOException("no agent jar in agent/target: build with mvn package"));
            return jar + ":" + Files.readString(list).strip();
        }
    }

    private static Path emptyJvmJar(Path work) throws IOException {
        Path jar = work.resolve("empty-jvm.jar");
        String entry = EmptyJvm.class.getName().replace('.', '/') + ".class";
        try (java.io.InputStream in = EmptyJvm.class.getClassLoader().getResourceAsStream(entry);
             java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new java.util.jar.JarEntry(entry));
            in.transferTo(out);
            out.closeEntry();
        }
        return jar;
    }
}
