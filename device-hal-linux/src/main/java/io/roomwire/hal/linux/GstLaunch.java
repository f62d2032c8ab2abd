package io.roomwire.hal.linux;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.tinylog.Logger;

/**
 * One GStreamer pipeline run by {@code gst-launch-1.0} in its own process. A separate process keeps a
 * crashing native plugin or a stuck device from taking the agent's JVM with it, and needs no native
 * binding in the JVM. The pipeline's bus errors (gst-launch prints them as {@code ERROR: from element
 * ...}) and an unexpected exit reach {@code onError} as one line each.
 */
final class GstLaunch implements AutoCloseable {

    static final String LAUNCH = "gst-launch-1.0";

    private final String name;
    private final Process process;
    private final Thread reader;
    private volatile boolean closing;

    private GstLaunch(String name, Process process, Consumer<String> onError, java.util.function.Predicate<String> onLine) {
        this(name, process, process.getInputStream(), onError, onLine);
    }

    /** @param messages where gst-launch writes its messages: stdout and stderr merged, or stderr alone */
    private GstLaunch(String name, Process process, java.io.InputStream messages, Consumer<String> onError,
                      java.util.function.Predicate<String> onLine) {
        this.name = name;
        this.process = process;
        this.reader = new Thread(() -> read(messages, onError, onLine), "gst-" + name);
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /** Starts {@code description} (gst-launch syntax, tokens separated by single spaces, no quoting). */
    static GstLaunch start(String name, String description, Consumer<String> onError) throws IOException {
        return start(name, description, onError, List.of("-q"), line -> false);
    }

    /**
     * Starts {@code description} with gst-launch's output {@code flags} ({@code -v}: property changes such
     * as negotiated caps and identity's per-buffer messages; {@code -m}: bus messages such as level's);
     * each line of output goes to {@code onLine} first, which returns whether it used it.
     */
    static GstLaunch start(String name, String description, Consumer<String> onError, List<String> flags,
                           java.util.function.Predicate<String> onLine) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(LAUNCH);
        cmd.addAll(flags);
        // gst-launch escapes spaces inside each argument, so the description goes in as separate tokens
        cmd.addAll(Arrays.asList(description.split(" ")));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("GST_DEBUG_NO_COLOR", "1");
        Logger.debug("Starting {} pipeline: {}", name, description);
        return new GstLaunch(name, pb.start(), onError, onLine);
    }

    /**
     * Starts {@code description}, whose sink writes raw media to standard output ({@code fdsink}): that stream
     * is {@link #output()}, and gst-launch's messages are read from standard error instead ({@code -q} keeps
     * its progress lines out of the media).
     */
    static GstLaunch startRaw(String name, String description, Consumer<String> onError) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(LAUNCH);
        cmd.add("-q");
        cmd.addAll(Arrays.asList(description.split(" ")));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("GST_DEBUG_NO_COLOR", "1");
        Logger.debug("Starting {} pipeline: {}", name, description);
        Process p = pb.start();
        p.getOutputStream().close();
        return new GstLaunch(name, p, p.getErrorStream(), onError, line -> false);
    }

    /** What the pipeline's {@code fdsrc fd=0} reads (for {@link #start}, whose standard input stays open). */
    java.io.OutputStream input() {
        return process.getOutputStream();
    }

    /** What the pipeline's {@code fdsink} writes (only for {@link #startRaw}). */
    java.io.InputStream output() {
        return process.getInputStream();
    }

    private void read(java.io.InputStream messages, Consumer<String> onError, java.util.function.Predicate<String> onLine) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(messages, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (onLine.test(line)) {
                    continue;
                }
                if (line.startsWith("ERROR:") || line.startsWith("WARNING: erroneous pipeline")) {
                    onError.accept(name + " pipeline: " + line.replaceFirst("^(ERROR|WARNING): ", ""));
                } else if (!line.isBlank()) {
                    Logger.debug("{} pipeline: {}", name, line);
                }
            }
        } catch (IOException e) {
            if (!closing) {
                Logger.debug("Reading the {} pipeline's output failed: {}", name, e.getMessage());
            }
        }
        try {
            int code = process.waitFor();
            if (!closing) {
                onError.accept(name + " pipeline stopped on its own (gst-launch-1.0 exit code " + code + ")");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The exit code once the pipeline has ended, waiting up to {@code wait} for it; empty while it runs. Read from the
     * process itself: its standard error can stay open after it died (a helper it started may hold it).
     */
    java.util.Optional<Integer> exitCode(java.time.Duration wait) {
        try {
            return process.waitFor(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                    ? java.util.Optional.of(process.exitValue()) : java.util.Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.Optional.empty();
        }
    }

    boolean alive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** Stops the pipeline (SIGTERM, then SIGKILL after two seconds). Idempotent. */
    @Override
    public void close() {
        closing = true;
        process.destroy();
        try {
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
