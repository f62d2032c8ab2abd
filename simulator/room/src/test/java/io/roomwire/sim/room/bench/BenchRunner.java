package io.roomwire.sim.room.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.roomwire.sim.room.SimCloud;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The end-to-end bench runner behind {@code bench/run}: measures agent cold start to "all services
 * UP" and resident memory after idling (each in fresh JVMs, as the device starts it), runs every
 * module's JMH benchmarks and {@code *Bench} programs, and writes docs/benchmarks.md.
 *
 * <p>Arguments: {@code --root DIR --out FILE [--runs N] [--idle SECONDS] [--quick] [--startup-only] [--only WORD]}. Each module's
 * test classpath is read from {@code <module>/target/bench-classpath.txt} (written by bench/run).
 */
public final class BenchRunner {

    private static final List<String> MODULES = List.of("core", "device-hal", "device-hal-sim", "device-hal-web", "device-hal-linux", "provisioning", "sip-bridge", "webrtc",
            "simulator/cloud", "updater", "agent", "simulator/room", "image");

    private final Path root;
    private final int runs;
    private final Duration idle;
    private final boolean quick;
    private final StringBuilder md = new StringBuilder();

    private BenchRunner(Path root, int runs, Duration idle, boolean quick) {
        this.root = root;
        this.runs = runs;
        this.idle = idle;
        this.quick = quick;
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(".");
        Path out = Path.of("docs/benchmarks.md");
        int runs = 5;
        Duration idle = Duration.ofSeconds(60);
        boolean quick = false;
        boolean startupOnly = false;
        String only = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--root" -> root = Path.of(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--idle" -> idle = Duration.ofSeconds(Long.parseLong(args[++i].replace("s", "")));
                case "--quick" -> quick = true;
                case "--startup-only" -> startupOnly = true;
                case "--only" -> only = args[++i].toLowerCase(java.util.Locale.ROOT);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        BenchRunner r = new BenchRunner(root.toAbsolutePath().normalize(), runs, idle, quick);
        r.header();
        if (only != null) {
            // One *Bench program whose name holds the word (--only panel: WebPanelBench), nothing else.
            r.only = only;
            r.benchPrograms();
        } else {
            r.startup();
            if (!startupOnly) {
                r.benchPrograms();
                r.jmh();
            }
        }
        Files.writeString(out, r.md.toString());
        System.out.println("Wrote " + out);
    }

    private void header() throws IOException, InterruptedException {
        md.append("# Benchmarks\n\n")
          .append("Written by `bench/run` (io.roomwire.sim.room.bench.BenchRunner); do not edit by hand.\n\n")
          .append("| | |\n|---|---|\n")
          .append("| date | ").append(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)).append(" |\n")
          .append("| machine | ").append(cpuModel()).append(", ").append(Runtime.getRuntime().availableProcessors())
          .append(" cores, ").append(memTotal()).append(" |\n")
          .append("| JDK | ").append(System.getProperty("java.vm.name")).append(' ').append(System.getProperty("java.version")).append(" |\n")
          .append("| OS | ").append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.version")).append(" |\n\n");
    }

    // ---- agent cold start and memory --------------------------------------------------------

    /** A JVM setup: which java, which class path, which flags. */
    private record Variant(String name, Path java, String classpath, List<String> flags) { }

    private record Figures(List<Long> startMs, String breakdown, long cpuMedian) {
        long median() { return startMs.get(startMs.size() / 2); }
    }

    private void startup() throws Exception {
        List<String> imageFlags = Files.readAllLines(root.resolve("image/src/main/resources/jvm.options")).stream()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        Path work = Files.createTempDirectory("roomwire-bench-");
        Path jsa = work.resolve("agent.jsa");
        Path jdk = Path.of(System.getProperty("java.home"), "bin", "java");
        String cp = agentClasspath(root);
        List<Variant> variants = new ArrayList<>(List.of(
                new Variant("default JVM", jdk, cp, List.of()),
                new Variant("shipped flags (jvm.options)", jdk, cp, imageFlags),
                new Variant("shipped flags + AppCDS (dynamic archive of an enrolled start)", jdk, cp,
                        concat(imageFlags, List.of("-XX:SharedArchiveFile=" + jsa)))));
        // The installed layout as the package lays it out in /usr/lib/roomwire (image/target/root): the bundled jlink
        // runtime, the ProGuard-shrunk lib/ and, as the launcher appends it, the roomwire-webrtc package's jars.
        Path installed = root.resolve("image/target/root/usr/lib/roomwire");
        Path imageJava = installed.resolve("runtime/bin/java");
        Path installedJsa = work.resolve("installed.jsa");
        String installedCp = null;
        if (Files.isExecutable(imageJava) && Files.isDirectory(installed.resolve("lib"))) {
            Path webrtc = root.resolve("image/target/image/webrtc");
            installedCp = installed.resolve("lib") + "/*" + (Files.isDirectory(webrtc) ? ":" + webrtc + "/*" : "");
            variants.add(new Variant("installed layout (bundled runtime, shrunk lib/, shipped flags; an OTA slot's first run)", imageJava,
                    installedCp, imageFlags));
            // The package's own archive names /usr/lib/roomwire; this one is trained the same way (CdsTraining: by an
            // enrolled start, written at exit) at this path. It is also how an update's slot gets its own: its first run
            // writes one at exit where it runs (the launcher's -XX:ArchiveClassesAtExit, agent SlotArchive).
            variants.add(new Variant("installed layout + AppCDS (trained at its path: the package's, and an OTA slot's own from its "
                    + "second start)", imageJava, installedCp,
                    concat(imageFlags, List.of("-XX:SharedArchiveFile=" + installedJsa))));
        }
        Path empty = emptyJvmJar(work);
        md.append("## Agent cold start and memory (simulated room)\n\n")
          .append("A fresh JVM runs `roomwire run` against the simulated cloud on loopback (Entra, Graph, MDM, CVI\n")
          .append("gateway, HiveMQ in the bench's JVM) with every service on: device, panel, identity, entra, sip, calendar,\n")
          .append("obtp, mdm, mqtt. The agent's class path is its own runtime jars (").append(cp.endsWith("/*") ? "the simulated room's lib/" : "agent/target/runtime-classpath.txt")
          .append("). Start is the time from process spawn to the agent printing `all services UP` on an enrolled\n")
          .append("room (median of ").append(runs).append(" runs after one warm-up of the page cache); idle RSS is VmRSS after ")
          .append(idle.toSeconds()).append(" s with all services UP. Each figure stands next to an empty JVM's (a main that\n")
          .append("prints and idles) with the same java and flags, from the same run. Target: ≤ 500 ms and ≤ 96 MB.\n\n")
          .append("CPU is the process's user+sys time when it printed `all services UP` (/proc/PID/stat): it depends far\n")
          .append("less on the machine's load than the wall time.\n\n")
          .append("| JVM setup | start median ms | min | max | empty JVM median ms | CPU to UP median ms | empty JVM CPU ms | idle RSS MB | empty JVM RSS MB |\n")
          .append("|---|---|---|---|---|---|---|---|---|\n");
        List<String> breakdowns = new ArrayList<>();
        try (SimCloud cloud = SimCloud.start(work.resolve("cloud"), java.time.Clock.systemUTC(), Duration.ZERO)) {
            cloud.startBroker();
            cloud.addRoom("401", "Room 401");
            cloud.bookMeetingNow("401", java.time.ZoneOffset.UTC);
            cloud.bookDemoMeetings("401", java.time.ZoneOffset.UTC);
            // The first run signs the room in and enrolls it in MDM (a device's first boot). Every later run is a
            // reboot of an enrolled room, and the archives are trained by one, as the package's is (CdsTraining).
            Run first = runAgent(cloud, work, jdk, cp, imageFlags, Duration.ZERO);
            runAgent(cloud, work, jdk, cp, concat(imageFlags, List.of("-XX:ArchiveClassesAtExit=" + jsa)), Duration.ZERO);
            System.out.println("first start with sign-in: " + first.startMillis() + " ms; AppCDS archive "
                    + (Files.exists(jsa) ? Files.size(jsa) / 1024 + " KB" : "missing"));
            String slotStop = "";
            if (installedCp != null) {
                Run training = runAgent(cloud, work, imageJava, installedCp, concat(imageFlags,
                        List.of("-XX:ArchiveClassesAtExit=" + installedJsa)), Duration.ZERO);
                // An update's slot writes its archive so, as its first run stops: that stop beside a plain one.
                Run plain = runAgent(cloud, work, imageJava, installedCp, imageFlags, Duration.ZERO);
                long kb = Files.exists(installedJsa) ? Files.size(installedJsa) / 1024 : -1;
                slotStop = "Stop (SIGTERM to exit) of the installed layout's run that writes its archive (as an OTA slot's first "
                        + "run does): " + training.stopMillis() + " ms, writing " + (kb < 0 ? "nothing" : kb / 1024 + " MB")
                        + "; a stop without: " + plain.stopMillis() + " ms.\n";
                System.out.println("installed layout's AppCDS archive " + (kb < 0 ? "missing" : kb + " KB") + "; " + slotStop.strip());
            }
            StringBuilder rows = new StringBuilder();
            for (Variant v : variants) {
                Figures agent = measure(() -> runAgent(cloud, work, v.java(), v.classpath(), v.flags(), Duration.ZERO));
                List<String> emptyFlags = v.flags().stream().filter(f -> !f.startsWith("-XX:SharedArchiveFile=")).toList();
                Figures none = measure(() -> runEmpty(v.java(), empty, emptyFlags, Duration.ZERO));
                // --quick: idle RSS of the AppCDS set-ups only (a device runs with its archive)
                long rss = quick && v.flags().stream().noneMatch(f -> f.startsWith("-XX:SharedArchiveFile=")) ? -1
                        : runAgent(cloud, work, v.java(), v.classpath(), v.flags(), idle).rssKb();
                long emptyRss = rss < 0 ? -1 : runEmpty(v.java(), empty, emptyFlags, idle).rssKb();
                rows.append("| ").append(v.name()).append(" | ").append(agent.median()).append(" | ")
                    .append(agent.startMs().get(0)).append(" | ").append(agent.startMs().get(agent.startMs().size() - 1))
                    .append(" | ").append(none.median()).append(" | ").append(agent.cpuMedian()).append(" | ")
                    .append(none.cpuMedian()).append(" | ").append(rss < 0 ? "-" : String.valueOf(rss / 1024))
                    .append(" | ").append(emptyRss < 0 ? "-" : String.valueOf(emptyRss / 1024)).append(" |\n");
                breakdowns.add("| " + v.name() + " | " + agent.breakdown() + " |");
                System.out.println("startup " + v.name() + ": " + agent.startMs() + " (empty JVM " + none.startMs()
                        + "); RSS " + rss / 1024 + " MB (empty " + emptyRss / 1024 + " MB); " + agent.breakdown());
            }
            md.append("| first boot: sign-in (device code approved at once) + MDM enrollment, shipped flags | ")
              .append(first.startMillis()).append(" | | | | ").append(first.cpuMs()).append(" | | | |\n").append(rows);
            md.append('\n').append(slotStop);
        }
        md.append("\nPer service, from the agent's own line (`roomwire: service start-up ...`, the median run): when its\n")
          .append("start began and how long `start()` took, and when its health was first UP, in ms after the lifecycle began.\n\n")
          .append("| JVM setup | service start-up |\n|---|---|\n");
        breakdowns.forEach(l -> md.append(l).append('\n'));
        md.append('\n');
    }

    private interface Attempt {
        Run run() throws Exception;
    }

    /** One warm-up run, then {@code runs} measured ones; the breakdown is the median run's. */
    private Figures measure(Attempt attempt) throws Exception {
        attempt.run();
        List<Run> sorted = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            sorted.add(attempt.run());
        }
        long cpu = sorted.stream().mapToLong(Run::cpuMs).sorted().toArray()[sorted.size() / 2];
        sorted.sort(java.util.Comparator.comparingLong(Run::startMillis));
        return new Figures(sorted.stream().map(Run::startMillis).toList(), sorted.get(sorted.size() / 2).breakdown(), cpu);
    }

    /** The agent's runtime class path: its jar and agent/target/runtime-classpath.txt, else the simulated room's lib/. */
    static String agentClasspath(Path root) throws IOException {
        Path list = root.resolve("agent/target/runtime-classpath.txt");
        if (Files.isRegularFile(list)) {
            try (Stream<Path> s = Files.list(root.resolve("agent/target"))) {
                Path jar = s.filter(p -> p.getFileName().toString().matches("roomwire-agent-.*\\.jar")).findFirst()
                        .orElseThrow(() -> new IOException("no agent jar in agent/target: build with mvn package"));
                // Jars only: AppCDS refuses a class path with a non-empty classes folder.
                return jar + ":" + Files.readString(list).strip();
            }
        }
        return root.resolve("simulator/room/target/lib") + "/*";
    }

    /** A jar holding {@link EmptyJvm}, the empty JVM each setup is compared with. */
    static Path emptyJvmJar(Path work) throws IOException {
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

    static Run runEmpty(Path java, Path jar, List<String> flags, Duration idleFor) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(java.toString());
        cmd.addAll(flags);
        cmd.addAll(List.of("-cp", jar.toString(), EmptyJvm.class.getName()));
        return await(new ProcessBuilder(cmd).redirectErrorStream(true), cmd, idleFor);
    }

    /**
     * One process: start to "all services UP", VmRSS after the idle time, whether webrtc-java's library was
     * mapped then, and the CPU time (user+sys) it had used at "all services UP".
     */
    record Run(long startMillis, long rssKb, String breakdown, boolean webrtcMapped, long cpuMs, long stopMillis) { }

    private static Run runAgent(SimCloud cloud, Path work, Path java, String classpath, List<String> flags, Duration idleFor)
            throws Exception {
        return runAgent(cloud, work, java, classpath, flags, idleFor, s -> s);
    }

    /** The agent with the simulated cloud's settings as {@code settings} changes them (WebRtcIdleBench drops webrtc.*). */
    static Run runAgent(SimCloud cloud, Path work, Path java, String classpath, List<String> flags, Duration idleFor,
                        java.util.function.UnaryOperator<Map<String, String>> settings) throws Exception {
        Path state = Files.createDirectories(work.resolve("state"));
        Path cfg = work.resolve("agent.properties");
        StringBuilder props = new StringBuilder("agent.state-dir = " + state + "\nagent.log-level = warn\n"
                + "panel.http-port = 0\n"); // the web panel on any free port: a busy 8480 must not hold the bench
        settings.apply(new java.util.LinkedHashMap<>(cloud.agentSettings("RW-BENCH-0001", "401")))
                .forEach((k, v) -> props.append(k).append(" = ").append(v).append('\n'));
        Files.writeString(cfg, props);
        List<String> cmd = new ArrayList<>();
        cmd.add(java.toString());
        cmd.addAll(flags);
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.addAll(List.of("io.roomwire.agent.Main", "run", "--config", cfg.toString()));
        return await(new ProcessBuilder(cmd).redirectErrorStream(true), cmd, idleFor);
    }

    /** Starts the process, times it to "all services UP", idles it if asked (then reads VmRSS) and stops it. */
    private static Run await(ProcessBuilder pb, List<String> cmd, Duration idleFor) throws Exception {
        long t0 = System.nanoTime();
        Process p = pb.start();
        long startMs = -1;
        long cpuMs = -1;
        String breakdown = "";
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while ((line = r.readLine()) != null && System.nanoTime() < deadline) {
                if (line.contains("all services UP")) {
                    startMs = (System.nanoTime() - t0) / 1_000_000;
                    cpuMs = cpuMs(p.pid());
                    break;
                }
            }
            if (startMs < 0) {
                p.destroyForcibly();
                throw new IllegalStateException("did not report all services UP within 60 s: " + cmd);
            }
            // The agent's per-service line follows at once (the empty JVM has none).
            String next = line.contains("empty JVM") ? null : r.readLine();
            if (next != null && next.contains("service start-up")) {
                breakdown = next.substring(next.indexOf("service start-up"));
                breakdown = breakdown.substring(breakdown.indexOf("):") + 2).strip();
            }
            long rss = 0;
            boolean webrtc = false;
            if (!idleFor.isZero()) {
                // Idle in real time on purpose: this measures the steady state of the real process.
                p.waitFor(idleFor.toMillis(), TimeUnit.MILLISECONDS);
                rss = vmRssKb(p.pid());
                webrtc = Files.readString(Path.of("/proc/" + p.pid() + "/maps")).toLowerCase(Locale.ROOT).contains("webrtc");
            }
            long stopping = System.nanoTime();
            p.destroy();
            Thread drain = new Thread(() -> {
                try {
                    r.lines().forEach(l -> { });
                } catch (java.io.UncheckedIOException e) {
                    // The JDK closes a dead process's pipe under a concurrent reader: nothing left to drain.
                }
            });
            drain.setDaemon(true);
            drain.start();
            boolean stopped = p.waitFor(20, TimeUnit.SECONDS);
            long stopMs = (System.nanoTime() - stopping) / 1_000_000;
            if (!stopped) {
                p.destroyForcibly();
            }
            drain.join(TimeUnit.SECONDS.toMillis(5));
            if (!stopped) {
                throw new IllegalStateException("did not stop within 20 s of SIGTERM: " + cmd);
            }
            return new Run(startMs, rss, breakdown, webrtc, cpuMs, stopMs);
        }
    }

    /** User+sys CPU time of a process in ms (fields 14 and 15 of /proc/PID/stat, in 100 Hz ticks). */
    private static long cpuMs(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
    }

    private static long vmRssKb(long pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS for " + pid);
    }

    // ---- *Bench programs ---------------------------------------------------------------------

    /** With --only: the word a *Bench program's name must hold to run. */
    private String only;

    private void benchPrograms() throws Exception {
        md.append("## End-to-end figures\n\nEach row comes from a `*Bench` program in a module's `bench` test package.\n\n");
        for (String module : MODULES) {
            List<String> classes = classesNamed(module, "Bench.class");
            for (String cls : classes) {
                if (only != null && !cls.substring(cls.lastIndexOf('.') + 1).toLowerCase(java.util.Locale.ROOT).contains(only)) {
                    continue;
                }
                if (!hasMain(module, cls)) {
                    continue; // a helper named like a bench, not a program
                }
                md.append("### ").append(cls.substring(cls.lastIndexOf('.') + 1)).append(" (").append(module).append(")\n\n")
                  .append("| metric | value | target |\n|---|---|---|\n");
                List<String> out = runJava(module, List.of(cls), Duration.ofMinutes(10));
                out.stream().filter(l -> l.startsWith("|")).forEach(l -> md.append(l).append('\n'));
                md.append('\n');
            }
        }
    }

    // ---- JMH ---------------------------------------------------------------------------------

    private void jmh() throws Exception {
        md.append("## JMH (hot paths)\n\n");
        String settings = quick ? "-f 1 -wi 2 -w 1s -i 3 -r 1s" : "-f 1 -wi 3 -w 2s -i 5 -r 2s";
        md.append("Settings: `").append(settings).append("`, one fork; the error is the 99.9% confidence interval.\n\n")
          .append("| benchmark | mode | score | error | unit |\n|---|---|---|---|---|\n");
        for (String module : MODULES) {
            if (classesNamed(module, "Benchmark.class").isEmpty()) {
                continue;
            }
            Path json = Files.createTempFile("jmh-", ".json");
            List<String> args = new ArrayList<>(List.of("org.openjdk.jmh.Main"));
            args.addAll(List.of(settings.split(" ")));
            args.addAll(List.of("-rf", "json", "-rff", json.toString(), ".*\\.bench\\..*Benchmark.*"));
            runJava(module, args, Duration.ofMinutes(30));
            JsonArray results = JsonParser.parseString(Files.readString(json)).getAsJsonArray();
            for (JsonElement e : results) {
                JsonObject o = e.getAsJsonObject();
                JsonObject pm = o.getAsJsonObject("primaryMetric");
                String name = o.get("benchmark").getAsString();
                String params = o.has("params") ? " " + o.get("params").toString() : "";
                md.append("| ").append(name.substring(name.indexOf(".bench.") + 7)).append(params).append(" | ")
                  .append(o.get("mode").getAsString()).append(" | ")
                  .append(String.format(Locale.ROOT, "%.3f", pm.get("score").getAsDouble())).append(" | ")
                  .append(String.format(Locale.ROOT, "%.3f", pm.get("scoreError").isJsonPrimitive()
                          && !pm.get("scoreError").getAsString().equals("NaN") ? pm.get("scoreError").getAsDouble() : 0))
                  .append(" | ").append(pm.get("scoreUnit").getAsString()).append(" |\n");
            }
        }
        md.append('\n');
    }

    private List<String> classesNamed(String module, String suffix) throws IOException {
        Path tc = root.resolve(module).resolve("target/test-classes");
        if (!Files.isDirectory(tc)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(tc)) {
            return s.map(p -> tc.relativize(p).toString())
                    .filter(p -> p.contains("/bench/") && p.endsWith(suffix) && !p.contains("$") && !p.contains("jmh_generated"))
                    .map(p -> p.substring(0, p.length() - 6).replace('/', '.')).sorted().toList();
        }
    }

    /** Whether {@code cls} declares {@code public static void main(String[])} (checked without initialising it). */
    private boolean hasMain(String module, String cls) throws IOException {
        List<java.net.URL> urls = new ArrayList<>();
        urls.add(root.resolve(module).resolve("target/test-classes").toUri().toURL());
        urls.add(root.resolve(module).resolve("target/classes").toUri().toURL());
        for (String e : Files.readString(root.resolve(module).resolve("target/bench-classpath.txt")).strip().split(":")) {
            if (!e.isEmpty()) {
                urls.add(Path.of(e).toUri().toURL());
            }
        }
        try (java.net.URLClassLoader loader = new java.net.URLClassLoader(urls.toArray(java.net.URL[]::new), null)) {
            java.lang.reflect.Method m = Class.forName(cls, false, loader).getMethod("main", String[].class);
            return java.lang.reflect.Modifier.isStatic(m.getModifiers());
        } catch (ClassNotFoundException | NoSuchMethodException | LinkageError e) {
            return false;
        }
    }

    private List<String> runJava(String module, List<String> args, Duration limit) throws Exception {
        String cp = root.resolve(module).resolve("target/test-classes") + ":" + root.resolve(module).resolve("target/classes")
                + ":" + Files.readString(root.resolve(module).resolve("target/bench-classpath.txt")).strip();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + Files.createTempDirectory("bench-tmp-"), "-cp", cp));
        cmd.addAll(args);
        System.out.println("running " + String.join(" ", args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                out.add(line);
                System.out.println("  " + line);
            }
        }
        if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", args) + " ran over " + limit);
        }
        if (p.exitValue() != 0) {
            out.add("| (failed with exit code " + p.exitValue() + ") | | |");
        }
        return out;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> l = new ArrayList<>(a);
        l.addAll(b);
        return l;
    }

    private static String cpuModel() throws IOException {
        return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                .findFirst().map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("unknown CPU");
    }

    private static String memTotal() throws IOException {
        return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                .findFirst().map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024 / 1024 + " GiB RAM").orElse("");
    }

}
