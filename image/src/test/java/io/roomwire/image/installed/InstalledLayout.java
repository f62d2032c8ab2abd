package io.roomwire.image.installed;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The installed layout the image build leaves unpacked in {@code image/target/root}
 * ({@code usr/lib/roomwire/{runtime,lib}}), run at {@code /usr/lib/roomwire} as on a device: in a
 * private mount namespace an overlay puts it over the host's /usr/lib, so the class path and the
 * CDS archive's recorded paths are the installed ones, and nothing on the host changes.
 */
public final class InstalledLayout {

    public static final String HOME = "/usr/lib/roomwire";
    public static final String ARCHIVE = HOME + "/lib/roomwire.jsa";
    public static final String CLASSPATH_FILE = "lib/classpath";

    private final Path root;

    public InstalledLayout(Path root) {
        this.root = root.toAbsolutePath();
    }

    /** The layout's folder on the host ({@code ROOT/usr/lib/roomwire}). */
    public Path home() {
        return root.resolve(HOME.substring(1));
    }

    /** The installed class path: each jar of lib/ by its installed path, in name order, as the launcher reads it. */
    public String classPath() throws IOException {
        try (Stream<Path> s = Files.list(home().resolve("lib"))) {
            return String.join(":", s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar")).sorted()
                    .map(n -> HOME + "/lib/" + n).toList());
        }
    }

    /** Writes {@value #CLASSPATH_FILE}, the launcher's class path. */
    public void writeClassPath() throws IOException {
        Files.writeString(home().resolve(CLASSPATH_FILE), classPath() + "\n");
    }

    /**
     * {@code command} run with the layout at {@value #HOME} (root, or an unprivileged user namespace
     * where the kernel allows overlay mounts there).
     */
    public List<String> wrap(List<String> command) {
        boolean privileged = "root".equals(System.getProperty("user.name"));
        List<String> cmd = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private"));
        if (!privileged) {
            cmd.add("--map-root-user");
        }
        StringBuilder script = new StringBuilder("mount -t overlay roomwire-layout -o lowerdir=" + root.resolve("usr/lib") + ":/usr/lib /usr/lib && exec");
        for (String c : command) {
            script.append(" '").append(c.replace("'", "'\\''")).append('\'');
        }
        cmd.addAll(List.of("sh", "-c", script.toString()));
        return cmd;
    }

    /** The java command of the installed runtime with {@code jvmFlags}, the archive when {@code cds}, and the agent's CLI arguments. */
    public List<String> agent(List<String> jvmFlags, boolean cds, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(HOME + "/runtime/bin/java"));
        cmd.addAll(jvmFlags);
        if (cds) {
            cmd.add("-XX:SharedArchiveFile=" + ARCHIVE);
        }
        cmd.addAll(List.of("-Xlog:disable", "-Xlog:all=warning:stderr", "-cp", classPath(), "io.roomwire.agent.Main"));
        cmd.addAll(args);
        return cmd;
    }

    /**
     * Starts {@code command} and waits until a line of its output matches {@code ready}; the
     * process is returned running, with every line seen so far in {@code seen}.
     */
    public static Process startUntil(List<String> command, Predicate<String> ready, Duration bound, List<String> seen)
            throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        Thread reader = new Thread(() -> {
            try {
                r.lines().forEach(l -> {
                    synchronized (seen) {
                        seen.add(l);
                        seen.notifyAll();
                    }
                });
            } catch (java.io.UncheckedIOException e) {
                // The process was stopped and its output closed: the lines read so far are kept.
            }
        }, "installed-layout-output");
        reader.setDaemon(true);
        reader.start();
        long deadline = System.nanoTime() + bound.toNanos();
        synchronized (seen) {
            while (seen.stream().noneMatch(ready) && p.isAlive() && System.nanoTime() < deadline) {
                seen.wait(200);
            }
            if (seen.stream().noneMatch(ready)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new IllegalStateException("no line matching the ready condition within " + bound + " from "
                        + String.join(" ", command) + ":\n" + String.join("\n", seen));
            }
        }
        return p;
    }

    /** SIGTERM to the process and what it started (the JVM under unshare and sh), as systemd would send; waits for the exit. */
    public static int stop(Process p, Duration bound) throws InterruptedException {
        p.descendants().forEach(ProcessHandle::destroy);
        p.destroy();
        if (!p.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new IllegalStateException("did not stop within " + bound + " of SIGTERM");
        }
        return p.exitValue();
    }
}
