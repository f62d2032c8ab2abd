package io.roomwire.agent.mgmt;

import static io.roomwire.agent.mgmt.ManagementCommandsTest.assertOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.roomwire.agent.config.Config;
import io.roomwire.core.log.ScrubbingWriter;
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
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MQTT entry point under hostile input, through Mosquitto: malformed and huge payloads, bad
 * signatures, unknown and unprintable command names, response-topic tricks, retained commands.
 * Afterwards the device is still connected on its first connection, did nothing to the room,
 * published only to its own topics and under the reply prefix, logged no control characters, and
 * answers its operator.
 */
class ManagementHostileInputTest {

    static final String ID = "hostile-1";

    @TempDir
    static Path dir;
    static SimPki pki;
    static MosquittoBroker broker;
    static SystemScheduler net;
    static VirtualScheduler time;
    static Operator op;
    static CommandSigner signer;
    static CommandSigner stranger;
    static MgmtFixture.Device device;

    @BeforeAll
    static void start() throws Exception {
        pki = new SimPki("mgmt-hostile-test");
        broker = new MosquittoBroker(dir.resolve("broker"), pki).start();
        net = new SystemScheduler(2);
        time = new VirtualScheduler(Instant.parse("2026-01-05T10:00:00Z"));
        KeyPair ec = SimPki.ecKeyPair();
        signer = CommandSigner.fromPem(TestPem.key(ec.getPrivate()), "operator key");
        stranger = CommandSigner.fromPem(TestPem.key(SimPki.ecKeyPair().getPrivate()), "stranger key");
        List<PublicKey> keys = OperatorSignatures.parseKeys(SimPki.pem(ec.getPublic()), "op.pub");
        device = new MgmtFixture.Device(ID, broker, pki, pki.issueClient(ID, Duration.ofDays(1)), net, time,
                dir.resolve(ID), "mqtt.command-rate = 1000000\n", keys, null, Duration.ofMinutes(5)).start();
        op = new Operator(broker, pki, net, "op-hostile");
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {op, device, broker, net}) {
            if (c != null) {
                c.close();
            }
        }
    }

    /** One hostile publish: topic, payload, response topic (null: none), retained. */
    record Input(String topic, byte[] payload, String responseTopic, boolean retained) { }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String cmd(String name) {
        return ManagementService.commandTopic(ID, name);
    }

    static List<Input> inputs(String reply) {
        List<Input> in = new ArrayList<>();
        List<byte[]> payloads = new ArrayList<>();
        for (String p : new String[] {"", " ", "null", "0", "\"x\"", "[]", "{", "}", "{\"a\":", "{\"a\":1,}", "{'a':1}",
                "{\"a\":1e999999}", "{\"a\":-0}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\u0000\"}", "\uFEFF{}", "{\"a\":1}{\"b\":2}",
                "{\"target\":\"sip:x@attacker.example\"}", "{\"digits\":\"1;reboot\"}", "{\"lines\":1e10}",
                "{\"force\":\"true\"}", "{\"mqtt.telemetry-interval\":\"1s\\nmqtt.allow-unsigned = true\"}",
                "{\"entra.authority\":\"https://attacker.example\"}", "{\"signed\":1,\"sig\":2}", "{\"signed\":\"\",\"sig\":\"\"}",
                "{\"signed\":\"!!!!\",\"sig\":\"????\"}", "{\"sig\":\"AAAA\"}", "{\"signed\":\"e30\",\"sig\":\"" + "A".repeat(4000) + "\"}",
                "[".repeat(60_000), "{\"a\":".repeat(10_000), "\"" + "x".repeat(65_000) + "\""}) {
            payloads.add(b(p));
        }
        Random r = new Random(7);
        for (int i = 0; i < 40; i++) {
            byte[] junk = new byte[r.nextInt(2048)];
            r.nextBytes(junk);
            payloads.add(junk);
        }
        for (String name : List.of("status.get", "config.set", "call.dial", "device.reboot", "call.dtmf", "logs.get")) {
            for (byte[] p : payloads) {
                in.add(new Input(cmd(name), p, reply, false));
            }
        }
        // bad signatures: another key, another device or command, expired, far future, bad nonces, tampering
        Instant soon = time.now().plusSeconds(60);
        JsonObject target = new JsonObject();
        target.addProperty("target", "sip:camera@attacker.example");
        List<JsonObject> envelopes = new ArrayList<>(List.of(
                stranger.sign("call.dial", ID, target, soon, CommandSigner.newNonce()),
                signer.sign("call.dial", "other-room", target, soon, CommandSigner.newNonce()),
                signer.sign("call.hangup", ID, target, soon, CommandSigner.newNonce()),
                signer.sign("call.dial", "*", target, soon, CommandSigner.newNonce()),
                signer.sign("call.dial", ID, target, time.now().minusSeconds(3600), CommandSigner.newNonce()),
                signer.sign("call.dial", ID, target, time.now().plus(Duration.ofDays(365)), CommandSigner.newNonce()),
                signer.sign("call.dial", ID, target, soon, "short"),
                signer.sign("call.dial", ID, target, soon, "nonce with spaces"),
                signer.sign("call.dial", ID, target, soon, "nonce-1\n999999999 x"),
                signer.sign("call.dial", ID, target, soon, "x".repeat(500))));
        JsonObject tampered = signer.sign("call.dial", ID, target, soon, CommandSigner.newNonce());
        String inner = new String(Base64.getUrlDecoder().decode(tampered.get("signed").getAsString()), StandardCharsets.UTF_8);
        tampered.addProperty("signed", Base64.getUrlEncoder().withoutPadding().encodeToString(
                b(inner.replace("attacker", "attacker2"))));
        envelopes.add(tampered);
        JsonObject swapped = signer.sign("call.dial", ID, target, soon, CommandSigner.newNonce());
        swapped.addProperty("sig", stranger.sign("call.dial", ID, target, soon, "nonce-swapped").get("sig").getAsString());
        envelopes.add(swapped);
        for (JsonObject e : envelopes) {
            in.add(new Input(cmd("call.dial"), b(e.toString()), reply, false));
        }
        // unknown and unprintable names, topic tricks
        for (String name : List.of("coffee.make", "STATUS.GET", "status.get.", ".status.get", "status..get", "status get",
                "status.get\u007f", "status.get\u0085", "status.get\u2028x", "\u202Eteg.sutats", "x".repeat(2000),
                "status.get%00", "../status.get", "stätus.get", "status.get\u001b[2J", "status.get\u0007")) {
            in.add(new Input(cmd(name), b("{}"), reply, false));
            in.add(new Input(ManagementService.FLEET_CMD + name, b("{}"), reply, false));
        }
        in.add(new Input("roomwire/v1/" + ID + "/cmd/", b("{}"), reply, false));
        in.add(new Input("roomwire/v1/" + ID + "/cmd/a/b", b("{}"), reply, false));
        // response topics the device must not publish to
        for (String t : List.of("roomwire/v1/other-room/cmd/device.reboot", "roomwire/v1/fleet/cmd/device.reboot",
                "roomwire/v1/" + ID + "/status", "roomwire/v1/" + ID + "/events", "roomwire/v1/reply", "roomwire/v1/reply/",
                "roomwire/v1/replyx/a", "$SYS/x", "other/app", "roomwire/v1/reply/a\u0001b", "roomwire/v1/reply/" + "y".repeat(400))) {
            in.add(new Input(cmd("status.get"), b("{}"), t, false));
        }
        // retained commands are ignored (and cleared again below)
        in.add(new Input(cmd("device.reboot"), b("{\"force\":true}"), reply, true));
        // just over mqtt.max-payload: answered bad_request without parsing
        in.add(new Input(cmd("status.get"), new byte[65_537], reply, false));
        return in;
    }

    /** Publishes once the operator is connected again (a refused topic earlier may still be taking it down). */
    static void publishReliably(String topic, byte[] payload, boolean retained) throws Exception {
        Exception last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            Await.until("operator connected", Duration.ofSeconds(20), op.transport::isConnected);
            long connects = op.transport.stats().connects();
            try {
                op.transport.publish(topic, payload, 1, retained, MessageProperties.none()).get(10, TimeUnit.SECONDS);
                return;
            } catch (Exception e) {
                last = e;
                Await.until("operator reconnected", Duration.ofSeconds(20),
                        () -> op.transport.stats().connects() > connects && op.transport.isConnected());
            }
        }
        throw new AssertionError("operator cannot publish: " + last, last);
    }

    @Test
    void theDeviceSurvivesEveryHostileInputAndDoesNothingItWasNotAskedToBySignature() throws Exception {
        int threadsBefore = Thread.activeCount();
        long connectsBefore = device.transport.stats().connects();
        List<Input> all = inputs(op.replyTopic + "/hostile");
        int delivered = 0;
        int refusedByClientOrBroker = 0;
        for (Input i : all) {
            // Paho drops its own connection on a topic with control characters: wait until it is back
            Await.until("operator connected", Duration.ofSeconds(20), op.transport::isConnected);
            try {
                MessageProperties p = i.responseTopic() == null ? MessageProperties.none()
                        : MessageProperties.request(i.responseTopic(), b("h")).withExpiry(60);
                op.transport.publish(i.topic(), i.payload(), 1, i.retained(), p).get(10, TimeUnit.SECONDS);
                delivered++;
            } catch (Exception e) {
                refusedByClientOrBroker++;
            }
        }
        // clears the retained command again
        publishReliably(cmd("device.reboot"), new byte[0], true);
        publishReliably(op.replyTopic + "/sync", new byte[0], false);
        // 10 MB is over the device's Maximum Packet Size: the broker drops it (MQTT 5, 3.1.2.11.4)
        byte[] tenMb = new byte[10 * 1024 * 1024];
        java.util.Arrays.fill(tenMb, (byte) '{');
        SimPki.Issued id = pki.issueClient("operator", Duration.ofDays(1));
        MqttTransport big = new io.roomwire.agent.mgmt.paho.PahoMqttTransport(MqttTransportOptions.builder(
                java.net.URI.create(broker.url()), "big-publisher")
                .tls(TlsMaterial.ofPem(pki.caPem(), id.certificatePem(), TestPem.key(id)))
                .maxPacketSize(64L * 1024 * 1024).build(), net);
        String hugeReply = ManagementService.REPLY_PREFIX + "huge";
        try {
            big.connect();
            Await.until("big publisher connected", big::isConnected);
            big.publish(cmd("status.get"), tenMb, 1, false, MessageProperties.request(hugeReply, b("huge")).withExpiry(60))
                    .get(30, TimeUnit.SECONDS);
            delivered++;
        } finally {
            big.disconnect();
        }

        // commands are handled in order: once this is answered, every input before it has been
        JsonObject alive = op.call(ID, "call.hangup", signer.sign("call.hangup", ID, new JsonObject(),
                time.now().plusSeconds(60), CommandSigner.newNonce()));
        assertOk(alive);
        assertFalse(device.published.contains(hugeReply), "the 10 MB command never reached the device");
        assertOk(op.call(ID, "status.get", "{}"));

        System.out.println("ManagementHostileInputTest: " + (all.size() + 1) + " inputs, " + delivered
                + " delivered by the broker, " + refusedByClientOrBroker + " refused by the client or broker");
        assertTrue(all.size() > 400, "inputs tried: " + all.size());
        assertTrue(device.transport.isConnected());
        assertEquals(connectsBefore, device.transport.stats().connects(), "the device never had to reconnect");
        assertEquals(List.of(), device.room.reboots);
        assertEquals(List.of(), device.room.applied);
        assertEquals(List.of(), device.room.dtmfSent);
        assertFalse(device.room.inCall());
        for (String t : device.published) {
            assertTrue(t.startsWith(ManagementService.REPLY_PREFIX) && ManagementService.replyTopicAllowed(t)
                    || t.equals("roomwire/v1/" + ID + "/status") || t.equals("roomwire/v1/" + ID + "/telemetry")
                    || t.equals("roomwire/v1/" + ID + "/events"), "published to " + Config.printable(t));
        }
        for (String line : ScrubbingWriter.recent(2000)) {
            if (line.contains("ommand")) {
                assertTrue(Config.controlCharacter(line.replace("\n", "").replace("\t", "").replace("\r", "")).isEmpty(),
                        "a log line holds a raw control character: " + Config.printable(line));
            }
        }
        assertTrue(Thread.activeCount() <= threadsBefore + 4, "threads " + threadsBefore + " -> " + Thread.activeCount());
    }
}
