package io.roomwire.agent.diag;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.roomwire.agent.Main;
import io.roomwire.agent.cli.Cli;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.config.Settings;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiagnosticsBundleTest {

    /** Secrets a config and logs may hold; none may reach a bundle. */
    static final List<String> SECRETS = List.of("hunter2-sip", "mqtt-pa55word", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyb29tIn0.c2lnbmF0dXJl",
            "0.AAAArefresh-tok3n", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC");

    static final String CONFIG = """
            device.id = room-7
            sip.password = hunter2-sip
            mqtt.password = mqtt-pa55word
            """;

    @TempDir
    Path dir;

    static List<String> logsWithSecrets() {
        List<String> logs = new ArrayList<>();
        logs.add("INFO device=room-7 Graph call with Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyb29tIn0.c2lnbmF0dXJl");
        logs.add("DEBUG device=room-7 token reply {\"refresh_token\": \"0.AAAArefresh-tok3n\", \"expires_in\": 3600}");
        logs.add("WARN device=room-7 bad value sip.password=hunter2-sip in line 4");
        logs.add("ERROR device=room-7 key -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----");
        logs.add("INFO device=room-7 all services UP");
        return logs;
    }

    static Config config(String text) throws Exception {
        return Config.parse("test", text, Map.of(), Settings.all());
    }

    static DiagnosticsBundle.Contents contents(List<String> logs) throws Exception {
        JsonObject health = new JsonObject();
        health.addProperty("sip", "UP");
        health.addProperty("calendar", "DEGRADED: Graph answered 503");
        JsonArray peripherals = new JsonArray();
        JsonObject cam = new JsonObject();
        cam.addProperty("name", "camera");
        cam.addProperty("state", "ok");
        peripherals.add(cam);
        JsonObject lastCall = new JsonObject();
        lastCall.addProperty("call", "c-1");
        lastCall.addProperty("packetsReceived", 1234);
        return new DiagnosticsBundle.Contents("room-7", Instant.parse("2026-12-04T10:15:30Z"), "test", config(CONFIG), health,
                logs, peripherals, lastCall);
    }

    static Map<String, String> unzip(byte[] zip) throws IOException {
        Map<String, String> entries = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                entries.put(e.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        return entries;
    }

    static void assertNoSecret(Map<String, String> entries) {
        for (Map.Entry<String, String> e : entries.entrySet()) {
            for (String secret : SECRETS) {
                assertFalse(e.getValue().contains(secret), e.getKey() + " holds the secret " + secret + ":\n" + e.getValue());
            }
        }
    }

    @Test
    void bundleHoldsEveryPartWithSecretsMaskedAndIsPrivateToItsOwner() throws Exception {
        DiagnosticsBundle.Written w = DiagnosticsBundle.write(dir.resolve("out"), contents(logsWithSecrets()));

        assertEquals("roomwire-diagnostics-room-7-20261204T101530Z.zip", w.file().getFileName().toString());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(w.file())));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(w.file().getParent())));
        Map<String, String> entries = unzip(Files.readAllBytes(w.file()));
        assertEquals(w.entries(), List.copyOf(entries.keySet()));
        assertTrue(entries.get("config.properties").contains("sip.password = ***"), entries.get("config.properties"));
        assertTrue(entries.get("config.properties").contains("device.id = room-7"));
        assertTrue(entries.get("version.json").contains("\"device\": \"room-7\""));
        assertTrue(entries.get("health.json").contains("Graph answered 503"));
        assertTrue(entries.get("logs.txt").contains("all services UP"));
        assertTrue(entries.get("logs.txt").contains("Bearer ***"), entries.get("logs.txt"));
        assertTrue(entries.get("peripherals.json").contains("camera"));
        assertTrue(entries.get("network.json").contains("\"name\": \"lo\""), entries.get("network.json"));
        assertTrue(entries.get("last-call.json").contains("1234"));
        assertNoSecret(entries);
    }

    @Test
    void hugeLogsKeepTheNewestLinesWithinTheBound() throws Exception {
        List<String> logs = new ArrayList<>();
        for (int i = 0; i < 50_000; i++) {
            logs.add("INFO line " + i + " " + "y".repeat(300));
        }
        byte[] zip = DiagnosticsBundle.zip(contents(logs));
        Map<String, String> entries = unzip(zip);
        String kept = entries.get("logs.txt");
        assertTrue(kept.getBytes(StandardCharsets.UTF_8).length <= DiagnosticsBundle.MAX_ENTRY_BYTES);
        assertTrue(kept.endsWith("INFO line 49999 " + "y".repeat(300) + "\n"), "the newest line is kept");
        assertFalse(kept.contains("INFO line 0 "), "the oldest lines go first");
        assertTrue(kept.lines().count() <= DiagnosticsBundle.MAX_LOG_LINES);
        assertTrue(zip.length <= DiagnosticsBundle.MAX_BYTES);
    }

    @Test
    void onlyTheNewestThreeBundlesStay() throws Exception {
        for (int i = 0; i < 5; i++) {
            DiagnosticsBundle.Contents c = contents(List.of());
            DiagnosticsBundle.write(dir, new DiagnosticsBundle.Contents(c.deviceId(), c.collectedAt().plusSeconds(i), c.collectedBy(),
                    c.config(), c.health(), c.logs(), c.peripherals(), c.lastCall()));
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("roomwire-diagnostics-room-7-20261204T101532Z.zip", "roomwire-diagnostics-room-7-20261204T101533Z.zip",
                    "roomwire-diagnostics-room-7-20261204T101534Z.zip"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void commandLineWritesTheBundleFromTheJournalAndSystemdWithSecretsScrubbed() throws Exception {
        Path config = Files.writeString(dir.resolve("roomwire.properties"), CONFIG + "agent.state-dir = " + dir.resolve("state") + "\n");
        // Stand-ins for systemctl and journalctl: what they print on a device, secrets included.
        Path journal = Files.writeString(dir.resolve("journal.txt"), String.join("\n", logsWithSecrets()) + "\n");
        Path show = Files.writeString(dir.resolve("show.txt"), "ActiveState=active\nSubState=running\nNRestarts=2\n"
                + "StatusText=all services UP\n");
        DiagnosticsCommand command = new DiagnosticsCommand(List.of("cat", show.toString()), List.of("cat", journal.toString()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = command.run(List.of("--config", config.toString(), "--out", dir.resolve("bundles").toString(), "--json"),
                new Cli.Io(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), Map.of()));
        assertEquals(Cli.OK, rc, err.toString(StandardCharsets.UTF_8));
        JsonObject result = com.google.gson.JsonParser.parseString(out.toString(StandardCharsets.UTF_8)).getAsJsonObject();
        Path file = Path.of(result.get("file").getAsString());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(Files.size(file), result.get("bytes").getAsLong());
        Map<String, String> entries = unzip(Files.readAllBytes(file));
        assertTrue(entries.get("health.json").contains("\"NRestarts\": \"2\""), entries.get("health.json"));
        assertTrue(entries.get("logs.txt").contains("all services UP"), entries.get("logs.txt"));
        assertTrue(entries.get("config.properties").contains("mqtt.password = ***"));
        assertTrue(entries.get("peripherals.json").contains("camera"), entries.get("peripherals.json"));
        assertNoSecret(entries);
    }

    @Test
    void commandLineCollectsWithABrokenConfigAndNamesItsProblems() throws Exception {
        Path config = Files.writeString(dir.resolve("bad.properties"), "sip.password = hunter2-sip\nsip.local-port = soon\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc = new DiagnosticsCommand(List.of("false"), List.of("false")).run(List.of("--config", config.toString(),
                "--out", dir.toString()), new Cli.Io(new PrintStream(out, true, StandardCharsets.UTF_8), System.err, Map.of()));
        assertEquals(Cli.OK, rc);
        Path file = Path.of(out.toString(StandardCharsets.UTF_8).strip().replaceFirst(" \\(.*", ""));
        Map<String, String> entries = unzip(Files.readAllBytes(file));
        assertTrue(entries.get("health.json").contains("configProblems"), entries.get("health.json"));
        assertTrue(entries.get("health.json").contains("unavailable"), entries.get("health.json"));
        assertTrue(entries.get("logs.txt").contains("no journal"), entries.get("logs.txt"));
        assertNoSecret(entries);
    }

    @Test
    void diagnosticsIsACommandOfTheCli() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc = Main.cli().run(new String[] {"diagnostics", "--help"},
                new Cli.Io(new PrintStream(out, true, StandardCharsets.UTF_8), System.err, Map.of()));
        assertEquals(Cli.OK, rc);
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("usage: roomwire diagnostics"));
    }
}
