package io.roomwire.agent.mgmt;

import static io.roomwire.agent.mgmt.ManagementCommandsTest.args;
import static io.roomwire.agent.mgmt.ManagementCommandsTest.assertError;
import static io.roomwire.agent.mgmt.ManagementCommandsTest.assertOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.roomwire.agent.config.Setting;
import io.roomwire.agent.config.Settings;
import io.roomwire.core.time.SystemScheduler;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.sim.cloud.SimPki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may do what over MQTT (issue 12): without operator keys only reads are answered, acting
 * commands need a signature (or mqtt.allow-unsigned with a fresh message), config.set never touches
 * endpoints, trust anchors or secrets, replies go only under the reply prefix, unsigned publishers
 * cannot spend the operator's budget, and titles can be kept out of status. Through Mosquitto.
 */
class ManagementSecurityTest {

    @TempDir
    static Path dir;
    static SimPki pki;
    static MosquittoBroker broker;
    static SystemScheduler net;
    static VirtualScheduler time;
    static Operator op;
    static CommandSigner signer;
    static CommandSigner stranger;
    static MgmtFixture.Device closed;
    static MgmtFixture.Device open;
    static MgmtFixture.Device keyed;
    static MgmtFixture.Device slow;

    @BeforeAll
    static void start() throws Exception {
        pki = new SimPki("mgmt-sec-test");
        broker = new MosquittoBroker(dir.resolve("broker"), pki).start();
        net = new SystemScheduler(2);
        time = new VirtualScheduler(Instant.parse("2026-01-05T10:00:00Z"));
        KeyPair ec = SimPki.ecKeyPair();
        signer = CommandSigner.fromPem(TestPem.key(ec.getPrivate()), "operator key");
        stranger = CommandSigner.fromPem(TestPem.key(SimPki.ecKeyPair().getPrivate()), "stranger key");
        List<PublicKey> keys = OperatorSignatures.parseKeys(SimPki.pem(ec.getPublic()), "op.pub");
        closed = device("sec-closed", "mqtt.command-rate = 1000\n", List.of());
        open = device("sec-open", "mqtt.command-rate = 1000\nmqtt.allow-unsigned = true\n", List.of());
        keyed = device("sec-keyed", "mqtt.command-rate = 1000\nmqtt.hide-meeting-titles = true\n", keys);
        slow = device("sec-slow", "mqtt.command-rate = 1\n", keys);
        op = new Operator(broker, pki, net, "op-sec");
    }

    static MgmtFixture.Device device(String id, String config, List<PublicKey> keys) throws Exception {
        return new MgmtFixture.Device(id, broker, pki, pki.issueClient(id, Duration.ofDays(1)), net, time,
                dir.resolve(id), config, keys, null, Duration.ofMinutes(5)).start();
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {op, closed, open, keyed, slow, broker, net}) {
            if (c != null) {
                c.close();
            }
        }
    }

    static JsonObject signed(CommandSigner s, String cmd, String device, JsonObject a) {
        return s.sign(cmd, device, a, time.now().plusSeconds(60), CommandSigner.newNonce());
    }

    @Test
    void withoutOperatorKeysOnlyReadCommandsAreAnsweredAndHealthSaysWhy() {
        assertOk(op.call("sec-closed", "status.get", "{}"));
        assertOk(op.call("sec-closed", "obtp.list", "{}"));
        for (String cmd : List.of("config.set", "call.dial", "call.hangup", "device.reboot", "enroll.start", "selftest",
                "calendar.sync", "logs.get", "obtp.explain")) {
            assertError(op.call("sec-closed", cmd, "{\"target\":\"sip:x@example.com\",\"mqtt.telemetry-interval\":\"1s\"}"),
                    "forbidden", "mqtt.operator-keys");
        }
        assertEquals(List.of(), closed.room.applied);
        assertEquals(List.of(), closed.room.reboots);
        assertFalse(closed.room.inCall());
        assertTrue(closed.service.health().reason().contains("no operator keys"), closed.service.health()::toString);
    }

    @Test
    void allowUnsignedStillNeedsAFreshMessageAndDialsOnlyAScheduledMeeting() {
        byte[] set = "{\"mqtt.telemetry-interval\":\"2m\"}".getBytes(StandardCharsets.UTF_8);
        String topic = ManagementService.commandTopic("sec-open", "config.set");
        assertError(Operator.await(op.send(topic, set, 0)), "forbidden", "message expiry");
        assertError(Operator.await(op.send(topic, set, 3600)), "forbidden", "mqtt.unsigned-max-age");
        assertOk(Operator.await(op.send(topic, set, 30)));

        assertError(op.call("sec-open", "call.dial", args("target", "sip:camera-feed@attacker.example")),
                "forbidden", "obtp.list");
        assertFalse(open.room.inCall());
        assertOk(op.call("sec-open", "call.dial", args("target", "m-1")));
        assertTrue(open.room.inCall());
        assertOk(op.call("sec-open", "call.hangup", "{}"));
        assertEquals(io.roomwire.core.health.Health.degraded("commands unsigned (mqtt.allow-unsigned)"),
                open.service.health());
    }

    @Test
    void configSetNeverChangesEndpointsTrustAnchorsKeysOrSecretsEvenWhenSigned() {
        for (String key : List.of("entra.authority", "calendar.graph-url", "mdm.discovery-url", "mqtt.broker-url",
                "mqtt.ca-file", "entra.ca-file", "mdm.trust-ca-file", "sip.tls.trust-file", "mqtt.operator-keys",
                "mqtt.allow-unsigned", "mqtt.client-key", "mqtt.password", "sip.password", "sip.registrar",
                "sip.outbound-proxy", "obtp.template.generic.direct", "sip.auto-answer", "mqtt.signature-max-lifetime")) {
            JsonObject r = op.call("sec-keyed", "config.set", signed(signer, "config.set", "sec-keyed",
                    args(key, "https://attacker.example/")));
            assertError(r, "forbidden", "only be changed on the device");
        }
        assertEquals(List.of(), keyed.room.applied);
    }

    @Test
    void everyRemotelyChangeableSettingExistsAndNoneIsSecretOrAnEndpoint() {
        List<String> keys = Settings.all().stream().map(Setting::key).toList();
        for (String k : MgmtSettings.REMOTELY_CHANGEABLE) {
            assertTrue(keys.contains(k), k + " is not a setting");
            Setting<?> s = Settings.all().stream().filter(x -> x.key().equals(k)).findFirst().orElseThrow();
            assertFalse(s.secret(), k);
            assertFalse(k.matches(".*(authority|url|ca-file|trust|key|cert|password|registrar|proxy|template|domain"
                    + "|target|transport|srtp|auto-answer|allow-unsigned|operator|state-dir|signature|mailbox|tenant"
                    + "|client-id|user).*"), k + " looks security-relevant");
        }
    }

    @Test
    void aLineBreakInAConfigSetValueAddsNoKey() {
        JsonObject r = op.call("sec-keyed", "config.set", signed(signer, "config.set", "sec-keyed",
                args("mqtt.telemetry-interval", "30s\nmqtt.allow-unsigned = true")));
        assertError(r, "bad_request", "control character");
        assertEquals(List.of(), keyed.room.applied);
        assertFalse(keyed.room.config.get(MgmtSettings.ALLOW_UNSIGNED));
    }

    @Test
    void repliesGoOnlyUnderTheReplyPrefix() {
        int before = keyed.published.size();
        for (String target : List.of("roomwire/v1/sec-open/cmd/device.reboot", "roomwire/v1/fleet/cmd/device.reboot",
                "roomwire/v1/sec-keyed/status", "roomwire/v1/reply", "roomwire/v1/reply/", "other/app/topic",
                "roomwire/v1/reply/" + "x".repeat(300))) {
            op.transport.publish(ManagementService.commandTopic("sec-keyed", "status.get"), new byte[0], 1, false,
                    MessageProperties.request(target, "t".getBytes(StandardCharsets.UTF_8)).withExpiry(60));
        }
        // the commands above are handled in order before this one (one publisher, one topic, QoS 1)
        assertOk(op.call("sec-keyed", "status.get", "{}"));
        List<String> since = keyed.published.subList(before, keyed.published.size());
        assertEquals(List.of(op.replyTopic), since.stream().filter(t -> !t.endsWith("/status")
                && !t.endsWith("/telemetry") && !t.endsWith("/events")).toList(), since::toString);
    }

    @Test
    void unsignedAndBadlySignedPublishersCannotSpendTheOperatorsBudget() {
        time.advance(Duration.ofSeconds(10));
        List<CompletableFuture<JsonObject>> flood = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            flood.add(op.send(ManagementService.commandTopic("sec-slow", "status.get"), new byte[0]));
            flood.add(op.send(ManagementService.commandTopic("sec-slow", "call.hangup"),
                    signed(stranger, "call.hangup", "sec-slow", new JsonObject()).toString().getBytes(StandardCharsets.UTF_8)));
        }
        long limited = flood.stream().map(Operator::await).filter(r -> !r.get("ok").getAsBoolean()
                && r.getAsJsonObject("error").get("code").getAsString().equals("rate_limited")).count();
        assertTrue(limited >= 8, "the flood is limited: " + limited);
        assertOk(op.call("sec-slow", "call.hangup", signed(signer, "call.hangup", "sec-slow", new JsonObject())));
    }

    @Test
    void hiddenTitlesStayOutOfStatusAndUnsignedMeetingLists() throws Exception {
        JsonObject st = op.call("sec-keyed", "status.get", "{}").getAsJsonObject("result");
        assertEquals(ManagementService.HIDDEN, st.getAsJsonObject("nextMeeting").get("subject").getAsString());
        List<JsonObject> retained = new java.util.concurrent.CopyOnWriteArrayList<>();
        op.subscribe(ManagementService.statusTopic("sec-keyed"),
                m -> retained.add(JsonParser.parseString(m.payloadText()).getAsJsonObject()));
        Await.until("retained status", () -> !retained.isEmpty());
        assertFalse(retained.get(0).toString().contains("Weekly sync"), retained.get(0)::toString);

        JsonObject unsigned = op.call("sec-keyed", "obtp.list", "{}");
        assertFalse(unsigned.toString().contains("Weekly sync"), unsigned::toString);
        JsonObject withSignature = op.call("sec-keyed", "obtp.list", signed(signer, "obtp.list", "sec-keyed", new JsonObject()));
        assertTrue(withSignature.toString().contains("Weekly sync"), withSignature::toString);
    }
}
