package io.roomwire.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.roomwire.agent.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.cli().run(args, new Cli.Io(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of()));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void unknownCommandExits2WithAClearMessage() {
        assertEquals(2, run("frobnicate"));
        assertTrue(err().contains("unknown command 'frobnicate'"), err());
    }

    @Test
    void unknownOptionExits2AndListsTheKnownOnes() {
        assertEquals(2, run("version", "--yaml"));
        assertTrue(err().contains("unknown option --yaml") && err().contains("--json"), err());
    }

    @Test
    void noArgumentsPrintsUsageAndExits2() {
        assertEquals(2, run());
        assertTrue(err().contains("usage: roomwire"));
    }

    @Test
    void versionPrintsJsonWhenAsked() {
        assertEquals(0, run("version", "--json"));
        JsonObject o = JsonParser.parseString(out()).getAsJsonObject();
        assertTrue(o.has("version"));
    }

    @Test
    void configCheckAcceptsAGoodFile() throws Exception {
        Path f = Files.writeString(dir.resolve("ok.properties"), "device.name = Room 401\nagent.log-level = debug\n");
        assertEquals(0, run("config", "check", f.toString()));
        assertTrue(out().contains("OK"));
    }

    @Test
    void configCheckReportsEveryProblemWithLineNumbersAndExits1() throws Exception {
        Path f = Files.writeString(dir.resolve("bad.properties"),
                "device.name = Room 401\nagent.log-level = loud\nagent.stop-timeot = 5s\n");
        assertEquals(1, run("config", "check", f.toString()));
        assertTrue(err().contains("bad.properties:2: agent.log-level"), err());
        assertTrue(err().contains("bad.properties:3: agent.stop-timeot: unknown key (did you mean agent.stop-timeout?)"), err());
    }

    @Test
    void configCheckJsonListsProblems() throws Exception {
        Path f = Files.writeString(dir.resolve("bad.properties"), "agent.retry-base = often\n");
        assertEquals(1, run("config", "check", f.toString(), "--json"));
        JsonObject o = JsonParser.parseString(out()).getAsJsonObject();
        assertEquals(false, o.get("ok").getAsBoolean());
        assertEquals(1, o.getAsJsonArray("problems").get(0).getAsJsonObject().get("line").getAsInt());
    }

    @Test
    void configCheckOfAMissingFileExits1() {
        assertEquals(1, run("config", "check", dir.resolve("nope.properties").toString()));
        assertTrue(err().contains("file not found"), err());
    }

    @Test
    void configSampleIsItselfAValidConfig() throws Exception {
        assertEquals(0, run("config", "sample"));
        Path f = Files.writeString(dir.resolve("sample.properties"), out());
        out.reset();
        assertEquals(0, run("config", "check", f.toString()), err());
    }

    @Test
    void runRefusesABadConfigWithTheSameMessageAsCheck() throws Exception {
        Path f = Files.writeString(dir.resolve("bad.properties"), "agent.log-level = loud\n");
        assertEquals(1, run("run", "--config", f.toString()));
        assertTrue(err().contains("refusing to start") && err().contains("bad.properties:1: agent.log-level"), err());
    }

    @Test
    void optionWithoutValueIsAUsageError() {
        assertEquals(2, run("run", "--config"));
        assertTrue(err().contains("--config needs a value"), err());
    }

    @Test
    void obtpExplainWithoutAnEventIsAUsageError() {
        assertEquals(2, run("obtp", "explain"));
        assertTrue(err().contains("--event FILE is required"), err());
    }

    @Test
    void obtpExplainPrintsTheReasonsThereIsNoButton() throws Exception {
        Path f = Files.writeString(dir.resolve("event.json"), """
                {"id":"AAMk1","subject":"Planning","isCancelled":true,
                 "start":{"dateTime":"2026-03-02T09:00:00.0000000","timeZone":"UTC"},
                 "end":{"dateTime":"2026-03-02T09:30:00.0000000","timeZone":"UTC"},
                 "body":{"contentType":"html","content":""}}
                """);
        assertEquals(1, run("obtp", "explain", "--event", f.toString(), "--now", "2026-03-02T08:58:00Z", "--json"));
        JsonObject o = JsonParser.parseString(out()).getAsJsonObject();
        assertTrue(o.toString().toLowerCase(java.util.Locale.ROOT).contains("cancel"), o.toString());
    }

    @Test
    void stateChangingCommandsRefuseWhileAnotherProcessHoldsTheStateDirectory() throws Exception {
        Path state = dir.resolve("state");
        Path f = Files.writeString(dir.resolve("room.properties"), "agent.state-dir = " + state + "\n"
                + "mdm.enabled = true\nmdm.discovery-url = https://127.0.0.1:9/EnrollmentServer/Discovery.svc\n"
                + "mdm.upn = room401@contoso.example\n");
        try (io.roomwire.core.store.StateLock held = io.roomwire.core.store.StateLock.acquire(state, "roomwire run")) {
            assertEquals(1, run("run", "--config", f.toString()));
            assertEquals(1, run("enroll", "--rekey", "--config", f.toString()));
            assertEquals(1, run("mdm", "checkin", "--config", f.toString()));
            String[] lines = err().strip().split("\n");
            assertEquals(3, lines.length, err());
            assertTrue(lines[0].startsWith("roomwire run: refusing to start: the state directory " + state + " is in use"),
                    lines[0]);
            assertTrue(lines[1].startsWith("roomwire enroll: the state directory"), lines[1]);
            assertTrue(lines[2].startsWith("roomwire mdm checkin: the state directory"), lines[2]);
            for (String line : lines) {
                assertTrue(line.contains("pid " + ProcessHandle.current().pid() + ", roomwire run"), line);
            }
            assertTrue(out().isEmpty(), out());
        }
        assertEquals(0, run("enroll", "--rekey", "--config", f.toString()), err());
        assertTrue(out().startsWith("New device key "), out());
    }

    @Test
    void anUnusableStateDirectoryIsRefusedNamingTheKey() throws Exception {
        Path notADir = Files.writeString(dir.resolve("plain-file"), "x");
        Path f = Files.writeString(dir.resolve("room.properties"), "agent.state-dir = " + notADir.resolve("state") + "\n");
        assertEquals(1, run("run", "--config", f.toString()));
        assertTrue(err().startsWith("roomwire run: refusing to start: cannot use the state directory "), err());
        assertTrue(err().contains("set agent.state-dir to a folder this user can write"), err());
    }

    @Test
    void everySubcommandAnswersHelpOnStandardOutputWithExitZero() {
        String[][] commands = {{"run"}, {"enroll"}, {"obtp"}, {"obtp", "explain"}, {"dial"}, {"ctl"}, {"mdm"},
                {"mdm", "checkin"}, {"config"}, {"config", "check"}, {"config", "sample"}, {"version"}};
        for (String[] c : commands) {
            for (String flag : new String[] {"--help", "-h"}) {
                out.reset();
                err.reset();
                String[] argv = java.util.stream.Stream.concat(java.util.Arrays.stream(c), java.util.stream.Stream.of(flag))
                        .toArray(String[]::new);
                assertEquals(0, run(argv), String.join(" ", argv) + ": " + err());
                assertTrue(out().startsWith("usage: roomwire " + c[0]), out());
                assertTrue(out().contains("-v, --verbose") && out().contains("Exit codes"), out());
                assertEquals("", err());
            }
        }
        out.reset();
        assertEquals(0, run("help", "dial"));
        assertTrue(out().contains("--config FILE") && out().contains("--duration DURATION"), out());
    }

    @Test
    void theUsageAndTheReadmeListEveryOptionOfEveryCommand() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        String block = readme.substring(readme.indexOf("## The `roomwire` command"));
        block = block.substring(0, block.indexOf("\n## "));
        for (String name : java.util.List.of("run", "enroll", "obtp", "dial", "ctl", "mdm", "config", "version")) {
            out.reset();
            assertEquals(0, run(name, "--help"));
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("--[a-z][a-z-]+").matcher(
                    out().substring(0, out().indexOf("Every command:")));
            while (m.find()) {
                String option = m.group();
                if (option.equals("--help") || option.equals("--verbose")) {
                    continue;
                }
                assertTrue(block.contains(option), "README's command list lacks " + name + " " + option);
                assertTrue(Cli.HELP.contains(option) || name.equals("ctl"), "roomwire --help lacks " + name + " " + option);
            }
        }
        assertTrue(Cli.HELP.contains("dial URI [--dtmf DIGITS] [--duration DURATION] [--config FILE] [--json]"), Cli.HELP);
        assertTrue(block.contains("roomwire dial URI [--dtmf DIGITS] [--duration DURATION] [--config FILE] [--json]"), block);
    }

    @Test
    void durationOptionsAcceptBareSecondsUnitsAndIso8601() throws Exception {
        Path missing = dir.resolve("missing.properties");
        Path unconfigured = Files.writeString(dir.resolve("room.properties"), "agent.state-dir = " + dir.resolve("s") + "\n");
        for (String d : new String[] {"120", "120s", "2m", "PT2M"}) {
            err.reset();
            // Parsed before the config is read: a usage error would exit 2, the missing file exits 1.
            assertEquals(1, run("dial", "sip:room@127.0.0.1", "--duration", d, "--config", missing.toString()), d + ": " + err());
            assertEquals(1, run("run", "--status-every", d, "--config", missing.toString()), d + ": " + err());
            err.reset();
            assertEquals(1, run("enroll", "--max-wait", d, "--config", unconfigured.toString()), d + ": " + err());
            assertTrue(err().contains("sign-in is not configured"), err());
        }
        err.reset();
        assertEquals(2, run("dial", "sip:room@127.0.0.1", "--duration", "soon"));
        assertTrue(err().contains("--duration") && err().contains("PT2M"), err());
    }

    @Test
    void verboseFlagsRaiseTheLogLevelButNeverLowerIt() {
        assertEquals("info", Cli.level("info", 0));
        assertEquals("debug", Cli.level("info", 1));
        assertEquals("trace", Cli.level("info", 2));
        assertEquals("trace", Cli.level("trace", 1));
        assertEquals("debug", Cli.level("warn", 1));
        assertEquals("warn", Cli.level("warn", 0));
        // The flags themselves run in their own JVM (CommandLineProcessTest): logging is configured once per process.
    }

    @Test
    void theLevelBeforeTheConfigIsReadComesFromItsEnvironmentVariableAlone() {
        assertEquals("info", Cli.defaultLevel(Map.of()));
        assertEquals("warn", Cli.defaultLevel(Map.of("ROOMWIRE_AGENT_LOG_LEVEL", " warn ")));
        assertEquals("debug", Cli.defaultLevel(Map.of("ROOMWIRE_AGENT_LOG_LEVEL", "debug", "ROOMWIRE_SIP_LOCAL_PORT", "not a port")),
                "another key's bad override is the command's to report; it does not drop this one");
        assertEquals("info", Cli.defaultLevel(Map.of("ROOMWIRE_AGENT_LOG_LEVEL", "loud")));
    }
}
