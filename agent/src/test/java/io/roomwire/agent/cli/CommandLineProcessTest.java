package io.roomwire.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code roomwire} command in its own JVM, as a person or a script runs it: results alone on
 * standard output (so {@code --json} pipes into jq), logs on standard error at the configured level,
 * and {@code --help} for every subcommand.
 */
class CommandLineProcessTest {

    /** A tinylog line as LogSetup and the default tinylog.properties format it. */
    private static final Pattern LOG_LINE = Pattern.compile(
            "(?m)^\\d{4}-\\d\\d-\\d\\dT\\S+ (TRACE|DEBUG|INFO|WARN|ERROR) device=");

    @TempDir
    Path dir;

    record Result(int exit, String out, String err) {
        JsonObject json() {
            assertFalse(LOG_LINE.matcher(out).find(), "a log line on standard output:\n" + out);
            // One JSON document and nothing after it: what `| jq` needs.
            try (JsonReader r = new JsonReader(new StringReader(out))) {
                JsonElement e = JsonParser.parseReader(r);
                assertEquals(JsonToken.END_DOCUMENT, r.peek(), "text after the JSON document:\n" + out);
                return e.getAsJsonObject();
            } catch (IOException | RuntimeException e) {
                throw new AssertionError("standard output is not one JSON object (" + e + "):\n" + out + "\nstderr:\n" + err);
            }
        }

        boolean logs(String level) {
            return Pattern.compile("(?m)^\\S+ " + level + " device=").matcher(err).find();
        }
    }

    private Result roomwire(String... args) throws Exception {
        return roomwire(Path.of("").toAbsolutePath(), args);
    }

    private Result roomwire(Path workDir, String... args) throws Exception {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = start(workDir, out, err, args);
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("roomwire " + String.join(" ", args) + " did not end within 90 s");
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    /** Starts the command in its own JVM, standard output and error into {@code out} and {@code err}. */
    private static Process start(Path workDir, Path out, Path err, String... args) throws IOException {
        return start(List.of(), workDir, out, err, args);
    }

    /**
     * As {@link #start(Path, Path, Path, String...)}, the JVM run through {@code env} with {@code envOptions}:
     * a child inherits ignored signals (a build run under nohup), so the SIGHUP tests say what they need.
     */
    private static Process start(List<String> envOptions, Path workDir, Path out, Path err, String... args) throws IOException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>();
        if (!envOptions.isEmpty()) {
            cmd.add("env");
            cmd.addAll(envOptions);
        }
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", cp, "io.roomwire.agent.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().keySet().removeIf(k -> k.startsWith("ROOMWIRE_"));
        return pb.start();
    }

    /** Waits (at most {@code limit}) until {@code file} holds {@code text}; the file's content either way. */
    private static String awaitText(Path file, String text, Duration limit) throws IOException {
        long deadline = System.nanoTime() + limit.toNanos();
        String now = Files.readString(file, StandardCharsets.UTF_8);
        while (!now.contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no '" + text + "' within " + limit + " in:\n" + now);
            }
            LockSupport.parkNanos(20_000_000);
            now = Files.readString(file, StandardCharsets.UTF_8);
        }
        return now;
    }

    /** As {@link #awaitText(Path, String, Duration)}; on failure the message carries the process's threads (jcmd). */
    private static String awaitText(Process p, Path file, String text, Duration limit) throws IOException {
        try {
            return awaitText(file, text, limit);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nthreads of " + p.pid() + (p.isAlive() ? "" : " (exited " + p.exitValue()
                    + ")") + ":\n" + threadDump(p), e);
        }
    }

    private static String threadDump(Process p) {
        try {
            Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(p.pid()), "Thread.print").redirectErrorStream(true).start();
            byte[] out = jcmd.getInputStream().readAllBytes();
            return jcmd.waitFor(20, TimeUnit.SECONDS) ? new String(out, StandardCharsets.UTF_8) : "(jcmd did not finish)";
        } catch (IOException | InterruptedException e) {
            return "(no thread dump: " + e + ")";
        }
    }

    private static void hangUp(Process p) throws Exception {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -HUP " + p.pid());
    }

    private Path config(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), "agent.state-dir = " + dir.resolve("state-" + name) + "\n" + text);
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void everySubcommandAnswersHelpWithItsUsageAndExitsZero() throws Exception {
        String[][] commands = {{"run"}, {"enroll"}, {"obtp", "explain"}, {"dial"}, {"ctl"}, {"mdm", "checkin"},
                {"config", "check"}, {"config", "sample"}, {"version"}};
        for (String[] c : commands) {
            List<String> words = new ArrayList<>(List.of(c));
            words.add(c.length == 1 && c[0].equals("dial") ? "-h" : "--help");
            Result r = roomwire(words.toArray(String[]::new));
            assertEquals(0, r.exit(), String.join(" ", words) + ":\n" + r.err());
            assertTrue(r.out().startsWith("usage: roomwire " + c[0]), r.out());
            assertTrue(r.out().contains("--verbose"), r.out());
            assertEquals("", r.err(), String.join(" ", words));
        }
        Result wrong = roomwire("dial", "--frobnicate");
        assertEquals(2, wrong.exit(), wrong.err());
    }

    @Test
    void jsonCommandsPrintOnlyJsonOnStandardOutputAndLogOnStandardError() throws Exception {
        assertTrue(roomwire("version", "--json").json().has("version"));

        Path bad = config("bad.properties", "agent.retry-base = often\n");
        Result check = roomwire("config", "check", bad.toString(), "--json");
        assertEquals(1, check.exit());
        assertFalse(check.json().get("ok").getAsBoolean());

        Path event = Files.writeString(dir.resolve("event.json"), """
                {"id":"AAMk1","subject":"Planning","isCancelled":true,
                 "start":{"dateTime":"2026-03-02T09:00:00.0000000","timeZone":"UTC"},
                 "end":{"dateTime":"2026-03-02T09:30:00.0000000","timeZone":"UTC"},
                 "body":{"contentType":"html","content":""}}
                """);
        Result explain = roomwire("obtp", "explain", "--event", event.toString(), "--now", "2026-03-02T08:58:00Z",
                "--config", config("obtp.properties", "agent.log-level = trace\n").toString(), "--json");
        assertEquals(1, explain.exit(), explain.err());
        assertTrue(explain.json().toString().toLowerCase(java.util.Locale.ROOT).contains("cancel"));

        // The device identity is created (an INFO line) and debug is on: all of it on standard error.
        Path mdm = config("mdm.properties", "agent.log-level = debug\nmdm.enabled = true\n"
                + "mdm.discovery-url = https://127.0.0.1:" + closedPort() + "/EnrollmentServer/Discovery.svc\n"
                + "mdm.upn = room401@contoso.example\n");
        Result checkin = roomwire("mdm", "checkin", "--config", mdm.toString(), "--json");
        assertEquals(1, checkin.exit(), checkin.err());
        assertEquals("not_enrolled", checkin.json().get("outcome").getAsString());
        assertTrue(checkin.err().contains("Created device identity"), checkin.err());
    }

    @Test
    void dialHonoursTheConfiguredLogLevelAndVerboseFlags() throws Exception {
        String target = "sip:room@127.0.0.1:" + closedPort();
        Path trace = config("trace.properties", "agent.log-level = trace\nsip.transport = tcp\n");
        Result traced = roomwire("dial", target, "--config", trace.toString(), "--json");
        assertEquals(1, traced.exit(), traced.err());
        assertEquals("failed", traced.json().get("result").getAsString());
        assertTrue(traced.logs("TRACE"), "agent.log-level = trace is honoured:\n" + traced.err());

        Path info = config("info.properties", "sip.transport = tcp\n");
        Result quiet = roomwire("dial", target, "--config", info.toString(), "--json");
        assertFalse(quiet.logs("DEBUG"), quiet.err());
        quiet.json();
        Result verbose = roomwire("dial", target, "--config", info.toString(), "-v", "--json");
        assertTrue(verbose.logs("DEBUG") && !verbose.logs("TRACE"), "-v logs at debug:\n" + verbose.err());
        verbose.json();
        Result veryVerbose = roomwire("-vv", "dial", target, "--config", info.toString(), "--json");
        assertTrue(veryVerbose.logs("TRACE"), "-vv logs at trace:\n" + veryVerbose.err());
        veryVerbose.json();
    }

    @Test
    void enrollHonoursTheConfiguredLogLevelAndPrintsFailuresOnStandardError() throws Exception {
        Path cfg = config("enroll.properties", "agent.log-level = debug\nentra.tenant = contoso.example\n"
                + "entra.client-id = 11111111-2222-3333-4444-555555555555\n"
                + "entra.authority = https://127.0.0.1:" + closedPort() + "\n");
        Result rekey = roomwire("enroll", "--rekey", "--config", cfg.toString());
        assertEquals(0, rekey.exit(), rekey.err());
        assertTrue(rekey.out().startsWith("New device key "), rekey.out());
        Result r = roomwire("enroll", "--config", cfg.toString(), "--max-wait", "2s");
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.logs("DEBUG") && r.err().contains("Loaded device identity"), "debug is honoured:\n" + r.err());
        assertTrue(r.err().contains("Nobody signed in within 2 s;"), r.err());
        assertFalse(LOG_LINE.matcher(r.out()).find(), r.out());
        assertFalse(r.out().contains("Nobody signed in"), r.out());
    }

    /** What `systemctl reload roomwire` does: SIGHUP re-reads the file, applies live keys, and survives a bad edit. */
    @Test
    void runReloadsItsConfigFileOnSighup() throws Exception {
        Path cfg = config("reload.properties", "panel.http-port = 0\n");
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = start(List.of("--default-signal=HUP"), Path.of("").toAbsolutePath(), out, err, "run", "--config",
                cfg.toString());
        try {
            awaitText(err, "roomwire: all services UP", Duration.ofSeconds(60));
            config("reload.properties", "panel.http-port = 0\nobtp.template.cisco.direct = sip:{id}.{tenant}@edge.{domain}\nsip.user = lobby\n");
            hangUp(p);
            String log = awaitText(p, err, "Config reloaded from", Duration.ofSeconds(30));
            assertTrue(log.contains("Config reloaded from " + cfg + ": applied [obtp.template.cisco.direct]; "
                    + "pending a restart [sip.user]"), log);

            config("reload.properties", "panel.http-port = 0\nobtp.preroll = soon\n");
            hangUp(p);
            log = awaitText(p, err, "refused (1 problem)", Duration.ofSeconds(30));
            assertTrue(log.contains(cfg + ":3: obtp.preroll"), "the problem with its line:\n" + log);
            assertTrue(p.isAlive(), "a bad file does not stop the agent:\n" + log);
        } finally {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        assertTrue(awaitText(err, "roomwire: stopped", Duration.ofSeconds(5)).contains("roomwire: stopped cleanly"));
        assertEquals("agent.state-dir = " + dir.resolve("state-reload.properties") + "\npanel.http-port = 0\nobtp.preroll = soon\n",
                Files.readString(cfg), "the file is never written back on reload");
    }

    /** Started with SIGHUP ignored (nohup), the agent says at once that reloading needs a restart, and runs on. */
    @Test
    void runSaysSoWhenItWasStartedWithSighupIgnored() throws Exception {
        Path cfg = config("nohup.properties", "panel.http-port = 0\n");
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = start(List.of("--ignore-signal=HUP"), Path.of("").toAbsolutePath(), out, err, "run", "--config",
                cfg.toString());
        try {
            String log = awaitText(p, err, "Config reload on SIGHUP unavailable", Duration.ofSeconds(60));
            assertTrue(log.contains("started with SIGHUP ignored (nohup?); restart the agent"), log);
            awaitText(err, "roomwire: all services UP", Duration.ofSeconds(60));
            hangUp(p);
            config("nohup.properties", "panel.http-port = 0\nobtp.preroll = soon\n");
            hangUp(p);
            awaitText(err, "roomwire: touch panel at", Duration.ofSeconds(10));
            assertTrue(p.isAlive(), "an ignored SIGHUP leaves the agent running");
        } finally {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        String rest = awaitText(err, "roomwire: stopped", Duration.ofSeconds(5)).replace("Config reload on SIGHUP unavailable", "");
        assertFalse(rest.contains("Config reload"), "nothing was reloaded:\n" + rest);
    }

    /** Started in parallel, every service still reports its own start and UP, in the line bench/run reads. */
    @Test
    void runPrintsEachServicesStartUpOnceAllAreUp() throws Exception {
        Path cfg = config("startup.properties", "panel.http-port = 0\n");
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = start(Path.of("").toAbsolutePath(), out, err, "run", "--config", cfg.toString());
        try {
            String log = awaitText(err, "roomwire: service start-up", Duration.ofSeconds(60));
            String line = log.substring(log.indexOf("roomwire: service start-up"));
            line = line.substring(0, line.indexOf('\n') < 0 ? line.length() : line.indexOf('\n'));
            for (String service : java.util.List.of("device", "panel", "identity", "sip", "obtp")) {
                assertTrue(java.util.regex.Pattern.compile("[:,] " + service + " \\d+\\+\\d+ UP \\d+").matcher(line).find(),
                        service + " with its start and UP in: " + line);
            }
            assertTrue(log.indexOf("all services UP") < log.indexOf("service start-up"), log);
            // Where the wall time went, on the next line: the JVM, the agent's set-up, the lifecycle.
            java.util.regex.Pattern phases = java.util.regex.Pattern.compile("roomwire: start phases \\(ms\\): process to main "
                    + "\\d+, main to lifecycle \\d+, lifecycle to all UP \\d+\n");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            String now = awaitText(err, "lifecycle to all UP", Duration.ofSeconds(10));
            while (!phases.matcher(now).find() && System.nanoTime() < deadline) {
                LockSupport.parkNanos(20_000_000); // the line may be read half-written
                now = Files.readString(err, StandardCharsets.UTF_8);
            }
            assertTrue(phases.matcher(now).find(), now);
        } finally {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    /** The README's first `sh` block under "The `roomwire` command", run as written from the repository root. */
    @Test
    void theReadmesCommandsWorkAsWritten() throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        String readme = Files.readString(root.resolve("README.md"));
        String section = readme.substring(readme.indexOf("## The `roomwire` command"));
        String block = section.substring(section.indexOf("```sh\n") + 6, section.indexOf("```", section.indexOf("```sh\n") + 6));
        int ran = 0;
        for (String line : block.strip().split("\n")) {
            String command = line.replaceAll("\\s+#.*$", "").strip();
            assertTrue(command.startsWith("bin/roomwire "), command);
            boolean jq = command.endsWith("| jq .");
            String redirect = null;
            List<String> words = new ArrayList<>();
            String[] tokens = command.replace("| jq .", "").strip().split("\\s+");
            for (int i = 1; i < tokens.length; i++) {
                if (tokens[i].equals(">")) {
                    redirect = tokens[++i];
                } else {
                    // Files the block writes land in the test's directory, not in the checkout.
                    words.add(Files.exists(dir.resolve(tokens[i])) ? dir.resolve(tokens[i]).toString() : tokens[i]);
                }
            }
            Result r = roomwire(root, words.toArray(String[]::new));
            assertEquals(0, r.exit(), command + ":\n" + r.err());
            if (jq) {
                r.json();
            }
            if (redirect != null) {
                Files.writeString(dir.resolve(redirect), r.out());
            }
            ran++;
        }
        assertTrue(ran >= 5, block);
    }
}
