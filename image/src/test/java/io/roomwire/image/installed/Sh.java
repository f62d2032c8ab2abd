package io.roomwire.image.installed;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a host command to completion within a bound, its output (stdout and stderr together) kept for messages. */
final class Sh {

    record Result(List<String> command, int exit, String output) {
        Result ok() {
            if (exit != 0) {
                throw new AssertionError(String.join(" ", command) + " exited " + exit + ":\n" + output);
            }
            return this;
        }
    }

    private Sh() {
    }

    static Result run(Duration bound, String... command) {
        return run(bound, List.of(command));
    }

    static Result run(Duration bound, List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Thread drain = new Thread(() -> {
                try (InputStream in = p.getInputStream()) {
                    in.transferTo(out);
                } catch (IOException e) {
                    // The process ended while draining: what was read is kept.
                }
            }, "sh-drain");
            drain.start();
            if (!p.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                drain.join(5000);
                throw new AssertionError(String.join(" ", command) + " did not finish within " + bound + ":\n"
                        + out.toString(StandardCharsets.UTF_8));
            }
            drain.join(5000);
            return new Result(List.copyOf(command), p.exitValue(), out.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + command, e);
        }
    }

    /** The tools the installed-package tests need, each with the Debian package that brings it: fails (never skips) when one is missing. */
    static void require(String... toolAndPackage) {
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < toolAndPackage.length; i += 2) {
            if (!onPath(toolAndPackage[i])) {
                missing.add(toolAndPackage[i] + " (Debian package " + toolAndPackage[i + 1] + ")");
            }
        }
        if (!missing.isEmpty()) {
            throw new AssertionError("The installed-package tests need " + String.join(", ", missing)
                    + ": run bin/test, which installs them, or apt-get install them");
        }
    }

    static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/sbin", tool));
    }
}
