package io.roomwire.agent.mgmt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.health.Health;
import io.roomwire.core.time.SystemScheduler;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.sim.cloud.SimPki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every command of the topic API, its happy path and its errors, through Mosquitto with mutual TLS. */
class ManagementCommandsTest {

    @TempDir
    static Path dir;
    static SimPki pki;
    static MosquittoBroker broker;
    static SystemScheduler net;
    static VirtualScheduler time;
    static Operator op;
    static MgmtFixture.Device room1;
    static MgmtFixture.Device room2;
    static CommandSigner ecSigner;
    static CommandSigner edSigner;
    static CommandSigner strangerSigner;
    static final List<String> LOG = new ArrayList<>();

    @BeforeAll
    static void startBrokerAndDevices() throws Exception {
        pki = new SimPki("mgmt-test");
        broker = new MosquittoBroker(dir.resolve("broker"), pki).start();
        net = new SystemScheduler(2);
        time = new VirtualScheduler(Instant.parse("2026-01-05T10:00:00Z"));
        KeyPair ec = SimPki.ecKeyPair();
        KeyPair ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        ecSigner = CommandSigner.fromPem(TestPem.key(ec.getPrivate()), "ec test key");
        edSigner = CommandSigner.fromPem(TestPem.key(ed.getPrivate()), "ed test key");
        strangerSigner = CommandSigner.fromPem(TestPem.key(SimPki.ecKeyPair().getPrivate()), "stranger key");
        List<PublicKey> keys = new ArrayList<>(OperatorSignatures.parseKeys(SimPki.pem(ec.getPublic()), "ec.pub"));
        keys.addAll(OperatorSignatures.parseKeys(SimPki.pem(ed.getPublic()), "ed.pub"));
        for (int i = 0; i < 2000; i++) {
            LOG.add("2026-01-05T10:00:00.000+0000 INFO device=room-1 [main] line " + i + " " + "x".repeat(80));
        }
        room1 = new MgmtFixture.Device("room-1", broker, pki, pki.issueClient("room-1", Duration.ofDays(1)), net, time,
                dir.resolve("state1"), "mqtt.command-rate = 1000\nmqtt.password = hunter2\nmqtt.username = room-1\n"
                + "mqtt.maintenance-window = 00:00-23:59\nagent.state-dir = " + dir.resolve("state1") + "\n",
                keys, n -> LOG.subList(LOG.size() - n, LOG.size()), Duration.ofMinutes(5)).start();
        room2 = new MgmtFixture.Device("room-2", broker, pki, pki.issueClient("room-2", Duration.ofDays(1)), net, time,
                dir.resolve("state2"), "mqtt.command-rate = 1\nmqtt.allow-unsigned = true\n", List.of(), null, Duration.ofMinutes(5)).start();
        op = new Operator(broker, pki, net, "op-commands");
    }

    @AfterAll
    static void stopAll() throws Exception {
        if (op != null) {
            op.close();
        }
        if (room1 != null) {
            room1.close();
        }
        if (room2 != null) {
            room2.close();
        }
        if (broker != null) {
            broker.close();
        }
        if (net != null) {
            net.close();
        }
    }

    @BeforeEach
    void idleRoom() {
        room1.room.call = "idle";
        room1.room.reboots.clear();
    }

    static JsonObject signed(CommandSigner s, String cmd, String device, JsonObject args) {
        return s.sign(cmd, device, args, time.now().plusSeconds(60), CommandSigner.newNonce());
    }

    static JsonObject args(String... kv) {
        JsonObject o = new JsonObject();
        for (int i = 0; i < kv.length; i += 2) {
            o.addProperty(kv[i], kv[i + 1]);
        }
        return o;
    }

    static void assertOk(JsonObject reply) {
        assertTrue(reply.get("ok").getAsBoolean(), () -> "expected ok, got " + reply);
    }

    static void assertError(JsonObject reply, String code, String mentioned) {
        assertFalse(reply.get("ok").getAsBoolean(), () -> "expected an error, got " + reply);
        JsonObject e = reply.getAsJsonObject("error");
        assertEquals(code, e.get("code").getAsString(), () -> reply.toString());
        assertTrue(e.get("message").getAsString().contains(mentioned),
                () -> "message should mention '" + mentioned + "': " + e);
    }

    @Test
    void statusGetReportsRoomCallMeetingEnrollmentComplianceAndHealth() {
        JsonObject r = op.call("room-1", "status.get", "{}");
        assertOk(r);
        JsonObject s = r.getAsJsonObject("result");
        assertTrue(s.get("online").getAsBoolean());
        assertEquals("1.2.3", s.get("version").getAsString());
        assertEquals("idle", s.getAsJsonObject("call").get("state").getAsString());
        assertEquals("Weekly sync", s.getAsJsonObject("nextMeeting").get("subject").getAsString());
        assertEquals("compliant", s.getAsJsonObject("compliance").get("state").getAsString());
        assertEquals("UP", s.getAsJsonObject("health").get("calendar").getAsString());
        assertEquals("UP", s.getAsJsonObject("health").get("mqtt").getAsString());
        assertTrue(s.has("uptimeSeconds"));
        assertEquals("room-1", r.get("device").getAsString());
    }

    @Test
    void configGetMasksSecretsAndRefusesUnknownKeys() {
        JsonObject r = op.call("room-1", "config.get", "{}");
        assertOk(r);
        JsonObject values = r.getAsJsonObject("result").getAsJsonObject("values");
        assertEquals("***", values.get("mqtt.password").getAsString());
        assertFalse(r.toString().contains("hunter2"));
        assertEquals("room-1", values.get("mqtt.username").getAsString());

        JsonObject some = op.call("room-1", "config.get", "{\"keys\":[\"mqtt.telemetry-interval\"]}");
        assertEquals(1, some.getAsJsonObject("result").getAsJsonObject("values").size());
        assertError(op.call("room-1", "config.get", "{\"keys\":[\"mqtt.nope\"]}"), "bad_request", "keys");
        assertError(op.call("room-1", "config.get", "{\"keys\":\"mqtt.nope\"}"), "bad_request", "keys");
    }

    @Test
    void configSetAppliesAtomicallyAndSaysWhichKeysNeedARestart() {
        int before = room1.room.applied.size();
        JsonObject r = op.call("room-1", "config.set", signed(ecSigner, "config.set", "room-1",
                args("mqtt.telemetry-interval", "30s", "mqtt.session-expiry", "2h")));
        assertOk(r);
        JsonObject res = r.getAsJsonObject("result");
        assertEquals(2, res.getAsJsonArray("changed").size());
        JsonArray restart = res.getAsJsonArray("restartRequired");
        assertEquals(1, restart.size());
        assertEquals("mqtt.session-expiry", restart.get(0).getAsString());
        assertEquals(before + 1, room1.room.applied.size());
        assertEquals(Duration.ofSeconds(30), room1.room.config.get(MgmtSettings.TELEMETRY_INTERVAL));

        JsonObject bad = op.call("room-1", "config.set", signed(ecSigner, "config.set", "room-1",
                args("mqtt.session-expiry", "3h", "mqtt.telemetry-interval", "soon")));
        assertError(bad, "bad_request", "mqtt.telemetry-interval");
        assertEquals(before + 1, room1.room.applied.size(), "nothing applied when one value is bad");
        assertError(op.call("room-1", "config.set", signed(ecSigner, "config.set", "room-1", args("mqtt.colour", "red"))),
                "bad_request", "mqtt.colour");
        assertError(op.call("room-1", "config.set", signed(ecSigner, "config.set", "room-1", new JsonObject())),
                "bad_request", "payload");
        JsonObject nested = new JsonObject();
        nested.add("mqtt.session-expiry", new JsonObject());
        assertError(op.call("room-1", "config.set", signed(ecSigner, "config.set", "room-1", nested)),
                "bad_request", "mqtt.session-expiry");
    }

    @Test
    void secretSetByConfigSetIsRefusedAndNeverEchoed() {
        JsonObject r = op.call("room-1", "config.set", signed(edSigner, "config.set", "room-1",
                args("mqtt.password", "s3cr3t-value")));
        assertError(r, "forbidden", "only be changed on the device");
        assertFalse(r.toString().contains("s3cr3t-value"));
    }

    @Test
    void callDialDtmfAndHangupDriveTheRoomAndReportTheirErrors() {
        assertError(op.call("room-1", "call.dial", signed(ecSigner, "call.dial", "room-1", new JsonObject())),
                "bad_request", "target");
        assertError(op.call("room-1", "call.dtmf", signed(ecSigner, "call.dtmf", "room-1", args("digits", "12"))),
                "bad_request", "no call");
        assertOk(op.call("room-1", "call.dial", signed(ecSigner, "call.dial", "room-1", args("target", "sip:1234@cvi.example.com"))));
        assertTrue(room1.room.inCall());
        assertError(op.call("room-1", "call.dial", signed(ecSigner, "call.dial", "room-1", args("target", "sip:x@y"))),
                "busy", "already in a call");
        assertError(op.call("room-1", "call.dtmf", signed(ecSigner, "call.dtmf", "room-1", args("digits", "12;rm -rf"))),
                "bad_request", "digits");
        assertOk(op.call("room-1", "call.dtmf", signed(ecSigner, "call.dtmf", "room-1", args("digits", "1234#"))));
        assertEquals(List.of("1234#"), room1.room.dtmfSent);
        JsonObject h = op.call("room-1", "call.hangup", signed(ecSigner, "call.hangup", "room-1", new JsonObject()));
        assertOk(h);
        assertTrue(h.getAsJsonObject("result").get("ended").getAsBoolean());
        assertFalse(room1.room.inCall());
    }

    @Test
    void obtpListAndExplainAnswerAndNameTheMissingMeeting() {
        JsonObject l = op.call("room-1", "obtp.list", "");
        assertOk(l);
        assertEquals(1, l.getAsJsonObject("result").getAsJsonArray("meetings").size());
        assertOk(op.call("room-1", "obtp.explain", signed(ecSigner, "obtp.explain", "room-1", args("meeting", "m-1"))));
        assertError(op.call("room-1", "obtp.explain", signed(ecSigner, "obtp.explain", "room-1", args("meeting", "m-9"))),
                "bad_request", "meeting");
        assertError(op.call("room-1", "obtp.explain", signed(ecSigner, "obtp.explain", "room-1", new JsonObject())),
                "bad_request", "meeting");
        assertError(op.call("room-1", "obtp.explain", signed(ecSigner, "obtp.explain", "room-1", parse("{\"meeting\":7}"))),
                "bad_request", "meeting");
        assertError(op.call("room-1", "obtp.explain", "{\"meeting\":\"m-1\"}"), "forbidden", "must be signed");
    }

    @Test
    void calendarSyncAnswersWhenDoneAndASecondOneMeanwhileIsBusy() {
        CompletableFuture<JsonElement> sync = new CompletableFuture<>();
        room1.room.calendarSync = sync;
        CompletableFuture<JsonObject> first = op.send(ManagementService.commandTopic("room-1", "calendar.sync"),
                signed(ecSigner, "calendar.sync", "room-1", new JsonObject()).toString().getBytes(StandardCharsets.UTF_8));
        assertError(op.call("room-1", "calendar.sync", signed(ecSigner, "calendar.sync", "room-1", new JsonObject())),
                "busy", "already running");
        assertFalse(first.isDone());
        sync.complete(FakeRoom.obj("changes", 3));
        JsonObject r = Operator.await(first);
        assertOk(r);
        assertEquals(3, r.getAsJsonObject("result").get("changes").getAsInt());
        room1.room.calendarSync = CompletableFuture.completedFuture(FakeRoom.obj("changes", 0));
        assertOk(op.call("room-1", "calendar.sync", signed(ecSigner, "calendar.sync", "room-1", new JsonObject())));
        assertError(op.call("room-1", "calendar.sync", "{}"), "forbidden", "must be signed");
    }

    @Test
    void enrollStartNeedsASignatureAndReturnsTheCode() {
        assertError(op.call("room-1", "enroll.start", "{}"), "forbidden", "must be signed");
        JsonObject r = op.call("room-1", "enroll.start", signed(ecSigner, "enroll.start", "room-1", new JsonObject()));
        assertOk(r);
        assertEquals("ABCD-EFGH", r.getAsJsonObject("result").get("userCode").getAsString());
        JsonObject wrongType = new JsonObject();
        wrongType.addProperty("rekey", "yes");
        assertError(op.call("room-1", "enroll.start", signed(ecSigner, "enroll.start", "room-1", wrongType)),
                "bad_request", "rekey");
    }

    @Test
    void logsGetReturnsTheLastLinesChunkedWhenLarge() {
        JsonObject small = op.call("room-1", "logs.get", signed(ecSigner, "logs.get", "room-1", parse("{\"lines\":5}")));
        assertOk(small);
        assertEquals(5, small.getAsJsonObject("result").getAsJsonArray("lines").size());
        assertFalse(small.has("chunk"));
        assertTrue(small.getAsJsonObject("result").getAsJsonArray("lines").get(4).getAsString().contains("line 1999"));

        JsonObject big = op.call("room-1", "logs.get", signed(ecSigner, "logs.get", "room-1", parse("{\"lines\":2000}")));
        assertOk(big);
        assertTrue(big.get("chunks").getAsInt() >= 3, () -> "chunks: " + big.get("chunks"));
        JsonArray lines = big.getAsJsonObject("result").getAsJsonArray("lines");
        assertEquals(2000, lines.size());
        assertTrue(lines.get(0).getAsString().contains("line 0 "));
        assertTrue(lines.get(1999).getAsString().contains("line 1999 "));

        assertError(op.call("room-1", "logs.get", signed(ecSigner, "logs.get", "room-1", parse("{\"lines\":\"many\"}"))),
                "bad_request", "lines");
        assertError(op.call("room-1", "logs.get", signed(ecSigner, "logs.get", "room-1", parse("{\"lines\":99999}"))),
                "bad_request", "lines");
        assertError(op.call("room-1", "logs.get", "{\"lines\":5}"), "forbidden", "signed");
    }

    @Test
    void diagnosticsCollectWritesABundleWithSecretsMaskedAndSendsItBack() throws Exception {
        assertError(op.call("room-1", "diagnostics.collect", "{}"), "forbidden", "signed");
        JsonObject r = op.call("room-1", "diagnostics.collect", signed(ecSigner, "diagnostics.collect", "room-1", new JsonObject()));
        assertOk(r);
        JsonObject result = r.getAsJsonObject("result");
        StringBuilder b64 = new StringBuilder();
        result.getAsJsonArray("data").forEach(e -> b64.append(e.getAsString()));
        byte[] zip = java.util.Base64.getDecoder().decode(b64.toString());
        assertEquals(result.get("bytes").getAsInt(), zip.length);
        assertTrue(zip.length <= io.roomwire.agent.diag.DiagnosticsBundle.MAX_BYTES, "bounded: " + zip.length);
        Path file = Path.of(result.get("file").getAsString());
        assertTrue(file.startsWith(dir.resolve("state1").resolve("diagnostics")), file.toString());
        org.junit.jupiter.api.Assertions.assertArrayEquals(java.nio.file.Files.readAllBytes(file), zip, "the reply carries the file");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(java.nio.file.Files.getPosixFilePermissions(file)));
        java.util.Map<String, String> entries = new java.util.LinkedHashMap<>();
        try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(zip))) {
            for (java.util.zip.ZipEntry e; (e = in.getNextEntry()) != null; ) {
                entries.put(e.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        assertEquals(List.of("README.txt", "version.json", "config.properties", "health.json", "logs.txt", "peripherals.json",
                "network.json", "last-call.json"), List.copyOf(entries.keySet()));
        assertTrue(entries.get("config.properties").contains("mqtt.password = ***"), entries.get("config.properties"));
        assertTrue(entries.get("logs.txt").contains("line 1999 "), "the newest log lines");
        assertTrue(entries.get("health.json").contains("\"calendar\""), entries.get("health.json"));
        assertTrue(entries.get("version.json").contains("\"device\": \"room-1\""), entries.get("version.json"));
        entries.forEach((name, text) -> assertFalse(text.contains("hunter2"), name + " holds the MQTT password"));
    }

    @Test
    void deviceRebootWaitsWhileInACallAndHappensWhenItEnds() {
        room1.room.call = "connected";
        JsonObject r = op.call("room-1", "device.reboot", signed(ecSigner, "device.reboot", "room-1", new JsonObject()));
        assertOk(r);
        assertEquals("scheduled", r.getAsJsonObject("result").get("state").getAsString());
        assertTrue(r.getAsJsonObject("result").get("waitingFor").getAsString().contains("call"));
        time.advance(Duration.ofMinutes(10));
        assertEquals(List.of(), room1.room.reboots, "no reboot during the call");
        room1.room.call = "idle";
        time.advance(Duration.ofSeconds(35));
        assertEquals(1, room1.room.reboots.size());
    }

    @Test
    void deviceRebootWaitsForTheMaintenanceWindowWhenOneIsSet() {
        time.advance(Duration.ofSeconds(5));
        java.time.LocalTime now = java.time.LocalTime.ofInstant(time.now(), java.time.ZoneOffset.UTC);
        String window = String.format("%02d:%02d-%02d:%02d", now.plusMinutes(10).getHour(), now.plusMinutes(10).getMinute(),
                now.plusMinutes(40).getHour(), now.plusMinutes(40).getMinute());
        assertOk(op.call("room-2", "config.set", "{\"mqtt.maintenance-window\":\"" + window + "\"}"));
        time.advance(Duration.ofSeconds(5));
        room2.room.reboots.clear();
        JsonObject r = op.call("room-2", "device.reboot", "{}");
        assertOk(r);
        assertTrue(r.getAsJsonObject("result").get("waitingFor").getAsString().contains(window), r::toString);
        time.advance(Duration.ofMinutes(8));
        assertEquals(List.of(), room2.room.reboots, "not before the window");
        time.advance(Duration.ofMinutes(3));
        assertEquals(1, room2.room.reboots.size(), "inside the window");
        time.advance(Duration.ofSeconds(5));
        assertOk(op.call("room-2", "config.set", "{\"mqtt.maintenance-window\":\"\"}"));
    }

    @Test
    void deviceRebootWithForceRebootsDuringACall() {
        room1.room.call = "connected";
        JsonObject a = new JsonObject();
        a.addProperty("force", true);
        JsonObject r = op.call("room-1", "device.reboot", signed(ecSigner, "device.reboot", "room-1", a));
        assertOk(r);
        assertEquals("rebooting", r.getAsJsonObject("result").get("state").getAsString());
        time.advance(Duration.ofSeconds(3));
        assertEquals(List.of("operator (forced)"), room1.room.reboots);
        JsonObject bad = new JsonObject();
        bad.addProperty("force", "please");
        assertError(op.call("room-1", "device.reboot", signed(ecSigner, "device.reboot", "room-1", bad)), "bad_request", "force");
    }

    @Test
    void selftestAnswersAndAFailingHandlerIsInternalWhileTheAgentKeepsRunning() {
        assertOk(op.call("room-1", "selftest", signed(ecSigner, "selftest", "room-1", new JsonObject())));
        assertError(op.call("room-1", "selftest", "{}"), "forbidden", "must be signed");
        room1.room.failSelftest = true;
        try {
            assertError(op.call("room-1", "selftest", signed(ecSigner, "selftest", "room-1", new JsonObject())),
                    "internal", "camera driver crashed");
        } finally {
            room1.room.failSelftest = false;
        }
        assertOk(op.call("room-1", "status.get", "{}"));
    }

    @Test
    void mosquittoRequestResponseClientGetsAReply() throws Exception {
        SimPki.Issued opId = pki.issueClient("operator", Duration.ofDays(1));
        Path cert = SimPki.writePem(dir.resolve("rr/op.pem"), opId.certificatePem(), false);
        Path key = SimPki.writePem(dir.resolve("rr/op.key"), TestPem.key(opId), true);
        time.advance(Duration.ofSeconds(1));
        Process p = new ProcessBuilder("mosquitto_rr", "-V", "mqttv5", "-h", "127.0.0.1", "-p",
                broker.url().substring(broker.url().lastIndexOf(':') + 1), "--cafile", broker.caFile().toString(),
                "--cert", cert.toString(), "--key", key.toString(), "-t", "roomwire/v1/room-1/cmd/obtp.explain",
                "-e", "roomwire/v1/reply/rr/1", "-m", signed(ecSigner, "obtp.explain", "room-1", args("meeting", "m-1")).toString(),
                "-W", "10")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(15, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        JsonObject r = parse(out.strip());
        assertOk(r);
        assertTrue(r.getAsJsonObject("result").get("reason").getAsString().contains("button shown"));
    }

    @Test
    void unknownCommandIsAnsweredWithTheKnownOnes() {
        assertError(op.call("room-1", "coffee.make", "{}"), "unknown_command", "status.get");
    }

    @Test
    void malformedPayloadsAreBadRequestsAndTheAgentKeepsRunning() {
        assertError(op.call("room-1", "status.get", "this is not json"), "bad_request", "payload");
        assertError(op.call("room-1", "status.get", "[1,2,3]"), "bad_request", "payload");
        assertError(op.call("room-1", "status.get", "{\"a\":"), "bad_request", "payload");
        assertError(op.call("room-1", "status.get", "[".repeat(50_000)), "bad_request", "payload");
        byte[] overLimit = new byte[65536 + 1];
        java.util.Arrays.fill(overLimit, (byte) '{');
        JsonObject big = Operator.await(op.send(ManagementService.commandTopic("room-1", "status.get"), overLimit));
        assertError(big, "bad_request", "mqtt.max-payload");
        assertError(op.call("room-1", "obtp.explain", signed(ecSigner, "obtp.explain", "room-1", parse("{\"meeting\":[\"m-1\"]}"))),
                "bad_request", "meeting");
        assertOk(op.call("room-1", "status.get", "{}"));
        assertTrue(room1.transport.isConnected());
    }

    @Test
    void wrongSignaturesExpiredAndReplayedCommandsAreForbidden() {
        assertError(op.call("room-1", "call.hangup", signed(strangerSigner, "call.hangup", "room-1", new JsonObject())),
                "forbidden", "does not verify");
        JsonObject expired = ecSigner.sign("call.hangup", "room-1", new JsonObject(), time.now().minusSeconds(120),
                CommandSigner.newNonce());
        assertError(op.call("room-1", "call.hangup", expired), "forbidden", "expired");
        JsonObject tooLong = ecSigner.sign("call.hangup", "room-1", new JsonObject(), time.now().plus(Duration.ofDays(30)),
                CommandSigner.newNonce());
        assertError(op.call("room-1", "call.hangup", tooLong), "forbidden", "mqtt.signature-max-lifetime");
        JsonObject once = signed(ecSigner, "call.hangup", "room-1", new JsonObject());
        assertOk(op.call("room-1", "call.hangup", once));
        assertError(op.call("room-1", "call.hangup", once), "forbidden", "replayed");
        assertError(op.call("room-1", "call.hangup", signed(ecSigner, "call.hangup", "room-2", new JsonObject())),
                "forbidden", "room-2");
        assertError(op.call("room-1", "call.hangup", signed(ecSigner, "device.reboot", "room-1", new JsonObject())),
                "forbidden", "device.reboot");
        JsonObject tampered = signed(ecSigner, "call.dial", "room-1", args("target", "sip:ok@example.com"));
        String inner = new String(java.util.Base64.getUrlDecoder().decode(tampered.get("signed").getAsString()),
                StandardCharsets.UTF_8).replace("sip:ok@example.com", "sip:evil@example.com");
        tampered.addProperty("signed", java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(inner.getBytes(StandardCharsets.UTF_8)));
        assertError(op.call("room-1", "call.dial", tampered), "forbidden", "does not verify");
        assertError(op.call("room-1", "call.hangup", parse("{\"signed\":\"!!!\",\"sig\":\"x\"}")), "bad_request", "signed");
        assertFalse(room1.room.inCall());
        assertOk(op.call("room-1", "call.hangup", signed(edSigner, "call.hangup", "room-1", new JsonObject())));
    }

    @Test
    void withoutOperatorKeysCommandsRunUnsignedAndHealthSaysSo() {
        assertEquals(Health.degraded("commands unsigned (mqtt.allow-unsigned)"), room2.service.health());
        time.advance(Duration.ofSeconds(5));
        assertOk(op.call("room-2", "config.set", "{\"mqtt.telemetry-interval\":\"2m\"}"));
    }

    @Test
    void tooManyCommandsAreRateLimited() {
        time.advance(Duration.ofSeconds(5));
        List<JsonObject> replies = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            replies.add(op.call("room-2", "status.get", "{}"));
        }
        assertOk(replies.get(0));
        assertError(replies.get(3), "rate_limited", "mqtt.command-rate");
        time.advance(Duration.ofSeconds(5));
        assertOk(op.call("room-2", "status.get", "{}"));
    }

    @Test
    void fleetCommandsAreAnsweredByEveryDevice() {
        time.advance(Duration.ofSeconds(5));
        String corrTopic = op.replyTopic;
        List<JsonObject> got = new java.util.concurrent.CopyOnWriteArrayList<>();
        op.subscribe(corrTopic + "/fleet", m -> got.add(JsonParser.parseString(m.payloadText()).getAsJsonObject()));
        op.transport.publish(ManagementService.FLEET_CMD + "status.get", "{}".getBytes(StandardCharsets.UTF_8), 1, false,
                MessageProperties.request(corrTopic + "/fleet", "fleet-1".getBytes(StandardCharsets.UTF_8)));
        Await.until("two fleet replies", () -> got.size() >= 2);
        assertEquals(java.util.Set.of("room-1", "room-2"),
                java.util.Set.copyOf(got.stream().map(o -> o.get("device").getAsString()).toList()));
        got.clear();
        JsonObject signedFleet = signed(ecSigner, "device.reboot", "*", parse("{\"force\":false}"));
        room1.room.call = "connected";
        op.transport.publish(ManagementService.FLEET_CMD + "device.reboot", signedFleet.toString().getBytes(StandardCharsets.UTF_8),
                1, false, MessageProperties.request(corrTopic + "/fleet", "fleet-2".getBytes(StandardCharsets.UTF_8)));
        Await.until("two fleet reboot replies", () -> got.size() >= 2);
        JsonObject r1 = got.stream().filter(o -> o.get("device").getAsString().equals("room-1")).findFirst().orElseThrow();
        JsonObject r2 = got.stream().filter(o -> o.get("device").getAsString().equals("room-2")).findFirst().orElseThrow();
        assertOk(r1);
        assertEquals("scheduled", r1.getAsJsonObject("result").get("state").getAsString());
        assertError(r2, "forbidden", "no operator keys");
        assertError(op.call("room-1", "device.reboot", signed(ecSigner, "device.reboot", "*", new JsonObject())),
                "forbidden", "signed for device '*'");
    }

    @Test
    void telemetryIsPublishedEveryIntervalWithCpuMemoryAndRoomFigures() {
        op.watch(ManagementService.telemetryTopic("room-1"));
        room1.room.call = "connected";
        time.advance(Duration.ofSeconds(61));
        // an idle tick of an earlier test (no "call") may still be on its way: take the first one of this call
        java.util.function.Supplier<java.util.Optional<JsonObject>> inCall = () -> op.seenJson(
                ManagementService.telemetryTopic("room-1")).stream().filter(m -> m.has("call")).findFirst();
        Await.until("telemetry during the call", () -> inCall.get().isPresent());
        JsonObject t = inCall.get().orElseThrow();
        assertTrue(t.getAsJsonObject("memory").get("heapUsedBytes").getAsLong() > 0);
        assertTrue(t.has("cpu"));
        assertEquals(42, t.get("calendarSyncAgeSeconds").getAsInt());
        assertEquals(1800, t.getAsJsonObject("call").get("bitrateKbps").getAsInt());
        assertTrue(t.has("peripherals"));
    }

    @Test
    void eventsArePublishedInOrderWithTheirNumbers() {
        op.watch(ManagementService.eventsTopic("room-1"));
        for (int i = 0; i < 20; i++) {
            room1.service.events().emit(DeviceEvent.of("button.shown", time.now(), "meeting", "m-" + i));
        }
        time.advance(Duration.ZERO); // the service writes its queue on its scheduler, then sends what is written
        Await.until("20 events", () -> op.seenJson(ManagementService.eventsTopic("room-1")).stream()
                .filter(e -> e.get("type").getAsString().equals("button.shown")).count() >= 20);
        List<JsonObject> ev = op.seenJson(ManagementService.eventsTopic("room-1")).stream()
                .filter(e -> e.get("type").getAsString().equals("button.shown")).toList();
        for (int i = 0; i < 20; i++) {
            assertEquals("m-" + i, ev.get(i).getAsJsonObject("attributes").get("meeting").getAsString());
            if (i > 0) {
                assertTrue(ev.get(i).get("seq").getAsLong() > ev.get(i - 1).get("seq").getAsLong());
            }
        }
    }

    static JsonObject parse(String s) {
        return JsonParser.parseString(s).getAsJsonObject();
    }
}
