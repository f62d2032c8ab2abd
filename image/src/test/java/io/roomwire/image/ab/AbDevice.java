package io.roomwire.image.ab;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.image.ImageLayout;
import io.roomwire.updater.BundleBuilder;
import io.roomwire.updater.DeviceIdentity;
import io.roomwire.updater.Ed25519Keys;
import io.roomwire.updater.SignedDocument;
import io.roomwire.updater.SlotStore;
import io.roomwire.updater.TrustRoot;
import io.roomwire.updater.TrustStore;
import io.roomwire.updater.Updater;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * A device with the A/B layout in a temp folder, started the way systemd does it: the real launcher
 * (roomwire.sh) in a loop that restarts on a non-zero exit (Restart=on-failure). Each slot holds a "build":
 * a version stamp, a runtime/bin/java that runs this JDK, and lib/app.jar pointing at the test classes.
 */
public final class AbDevice {

    static final Duration BOUND = Duration.ofSeconds(120);
    public final Path dir;
    public final Path home;
    final Path launcher;
    final Path jvmOptions;
    final KeyPair rootKey = Ed25519Keys.generate();
    final KeyPair updateKey = Ed25519Keys.generate();
    public final SlotStore slots;

    public AbDevice(Path dir) throws Exception {
        this.dir = dir;
        this.home = Files.createDirectories(dir.resolve("usr-lib-roomwire"));
        launcher = dir.resolve("roomwire.sh");
        Files.writeString(launcher, ImageLayout.launcher());
        jvmOptions = dir.resolve("jvm.options");
        Files.writeString(jvmOptions, "# fast start for tests\n-XX:TieredStopAtLevel=1\n-Xshare:auto\n");
        String r = Ed25519Keys.keyId(rootKey.getPublic());
        String u = Ed25519Keys.keyId(updateKey.getPublic());
        TrustRoot root = new TrustRoot(1, Instant.now().plus(Duration.ofDays(365)),
                Map.of(r, rootKey.getPublic(), u, updateKey.getPublic()), Set.of(r), 1, Set.of(u), 1, Set.of());
        Files.write(home.resolve("root.json"), SignedDocument.sign(root.toBody(), List.of(rootKey.getPrivate()), List.of(r)).toBytes());
        slots = new SlotStore(home);
        slots.initialize("a");
        copy(build("1.0.0", "ok", 0), slots.slot("a"));
    }

    /** A build's layout: what the image module would produce, with a version stamp and a behaviour. */
    public Path build(String version, String behaviour, int padding) throws IOException {
        Path l = Files.createDirectories(dir.resolve("build-" + version + "-" + behaviour + "-" + System.nanoTime()));
        Files.createDirectories(l.resolve("runtime/bin"));
        Path java = l.resolve("runtime/bin/java");
        Files.writeString(java, "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java") + "' \"$@\"\n");
        java.toFile().setExecutable(true);
        Files.createDirectories(l.resolve("lib"));
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        StringBuilder cp = new StringBuilder();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            cp.append(Path.of(e).toUri()).append(' ');
        }
        mf.getMainAttributes().put(Attributes.Name.CLASS_PATH, cp.toString().strip());
        try (OutputStream o = Files.newOutputStream(l.resolve("lib/app.jar")); JarOutputStream j = new JarOutputStream(o, mf)) {
            j.flush();
        }
        if (padding > 0) {
            byte[] b = new byte[padding];
            new java.util.Random(version.hashCode()).nextBytes(b);
            Files.write(l.resolve("lib/padding.bin"), b);
        }
        Files.writeString(l.resolve("VERSION"), version + "\n");
        Files.writeString(l.resolve("behaviour"), behaviour + "\n");
        return l;
    }

    public Path bundle(String version, String behaviour, boolean allowDowngrade, int padding) throws IOException {
        return bundleOf(version, behaviour, build(version, behaviour, padding), allowDowngrade);
    }

    /** The resource a build's own WebRTC library carries in these tests: its content names the library's build. */
    static final String WEBRTC_MARK = "roomwire-test-webrtc-build.txt";

    /** A bundle of an "ok" build that carries its own WebRTC library (webrtc/, as the package installs it beside the build). */
    public Path bundleWithWebRtc(String version, String webrtcBuild) throws IOException {
        Path l = build(version, "ok", 0);
        Files.createDirectories(l.resolve("webrtc"));
        try (OutputStream o = Files.newOutputStream(l.resolve("webrtc/webrtc-java.jar")); JarOutputStream j = new JarOutputStream(o)) {
            j.putNextEntry(new java.util.jar.JarEntry(WEBRTC_MARK));
            j.write((webrtcBuild + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            j.closeEntry();
        }
        return bundleOf(version, "webrtc", l, false);
    }

    /**
     * A bundle of the package's own build: {@code layout} is what the image module installs as /usr/lib/roomwire (the
     * jlink runtime, the shrunk jars), copied and stamped {@code version}, as a release pipeline makes a slot payload of
     * it. Unlike {@link #build}, nothing in it comes from the test's class path or JDK.
     */
    public Path packagedBundle(String version, Path layout, boolean allowDowngrade) throws IOException {
        assertTrue(Files.isExecutable(layout.resolve("runtime/bin/java")), "no packaged build at " + layout + " (mvn package first)");
        Path l = Files.createDirectories(dir.resolve("packaged-" + version + "-" + System.nanoTime()));
        copy(layout, l);
        Files.writeString(l.resolve("VERSION"), version + "\n");
        return bundleOf(version, "packaged", l, allowDowngrade);
    }

    /** A signed bundle of the layout {@code build} (made by {@link #build} and then changed by a test). */
    Path bundleOf(String version, String behaviour, Path build, boolean allowDowngrade) throws IOException {
        Path payload = dir.resolve("payload-" + version + "-" + behaviour + ".zip");
        String sha = BundleBuilder.zipLayout(build, payload);
        Path bundle = dir.resolve("roomwire-" + version + "-" + behaviour + ".rwu");
        Instant now = Instant.now();
        BundleBuilder.write(payload, sha, new BundleBuilder.Target(version, "rw-100", "x86_64", "0.1.0", allowDowngrade,
                        now.minusSeconds(60), now.plus(Duration.ofDays(7))), List.of(updateKey.getPrivate()),
                List.of(Ed25519Keys.keyId(updateKey.getPublic())), List.of(), bundle);
        return bundle;
    }

    public Updater updater() throws Exception {
        return updater(null);
    }

    /** An updater for this device; {@code downloader} may be null for bundle files. */
    public Updater updater(io.roomwire.updater.Downloader downloader) throws Exception {
        return new Updater(slots, new TrustStore(home.resolve("root.json")), new DeviceIdentity("rw-100", "x86_64", "0"),
                Clock.systemUTC(), downloader, new Updater.Settings(3, Duration.ofMinutes(5), 256L << 20, 256L << 20), Updater.freeSpaceOf(home));
    }

    public Process launch() throws IOException {
        return launch(SlotProgram.class.getName(), List.of("run"));
    }

    /** The launcher as systemd starts it, running {@code mainClass} with {@code args} from the current slot. */
    public Process launch(String mainClass, List<String> args) throws IOException {
        return launch(jvmOptions, mainClass, args);
    }

    /** As {@link #launch(String, List)}, with the JVM flags of {@code options} in place of the device's options file. */
    public Process launch(Path options, String mainClass, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("sh", launcher.toString()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("console.log").toFile()));
        pb.environment().put("ROOMWIRE_HOME", home.toString());
        pb.environment().put("ROOMWIRE_JVM_OPTIONS", options.toString());
        pb.environment().put("ROOMWIRE_MAIN_CLASS", mainClass);
        pb.environment().put("RUNTIME_DIRECTORY", dir.toString());
        pb.environment().putAll(env);
        return pb.start();
    }

    /** Environment the launcher gets on top of the test's (e.g. a PATH with a shim). */
    final Map<String, String> env = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The next time the launcher moves a file onto {@code name} in the prefix (its {@code mv}), the launcher is killed
     * with SIGKILL instead, before the move: a {@code mv} shim first on its PATH, armed once.
     */
    public void killLauncherAtMoveOnto(String name) throws IOException {
        Path shim = Files.createDirectories(dir.resolve("shim"));
        Path mark = dir.resolve("kill-armed");
        Files.writeString(mark, name);
        Path mv = shim.resolve("mv");
        Files.writeString(mv, "#!/bin/sh\n"
                + "for a in \"$@\"; do last=$a; done\n"
                + "if [ -f '" + mark + "' ] && [ \"$last\" = '" + home.resolve(name) + "' ]; then\n"
                + "  rm -f '" + mark + "'\n"
                + "  kill -9 $PPID\n"
                + "  exit 1\n"
                + "fi\n"
                + "exec /bin/mv \"$@\"\n");
        mv.toFile().setExecutable(true);
        env.put("PATH", shim + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    }

    /** Adds JVM flags to the options file the launcher reads (as an operator edits /etc/roomwire/jvm.options). */
    public void addJvmOptions(List<String> flags) throws IOException {
        Files.writeString(jvmOptions, Files.readString(jvmOptions) + String.join("\n", flags) + "\n");
    }

    /** Starts the service until it runs cleanly (exit 0), at most 6 starts; returns the exit codes. */
    public List<Integer> boot() throws Exception {
        List<Integer> codes = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Process p = launch();
            assertTrue(p.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS), "service start hung; see " + dir.resolve("console.log"));
            codes.add(p.exitValue());
            if (p.exitValue() == 0) {
                return codes;
            }
        }
        return codes;
    }

    public List<String> bootLog() throws IOException {
        return Files.exists(home.resolve("boot.log")) ? Files.readAllLines(home.resolve("boot.log")) : List.of();
    }

    public String lastBoot() throws IOException {
        List<String> l = bootLog().stream().filter(s -> s.startsWith("started")).toList();
        return l.isEmpty() ? "" : l.get(l.size() - 1);
    }

    static void awaitFile(Path f, Process p) throws Exception {
        long end = System.nanoTime() + BOUND.toNanos();
        while (!Files.exists(f)) {
            assertTrue(p.isAlive() || Files.exists(f), "process ended (" + (p.isAlive() ? "" : p.exitValue()) + ") before " + f.getFileName());
            assertTrue(System.nanoTime() < end, "no " + f + " within " + BOUND);
            p.waitFor(50, TimeUnit.MILLISECONDS);
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        try (var walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}
