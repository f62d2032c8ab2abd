package io.roomwire.sim.room.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.agent.mgmt.InboundMessage;
import io.roomwire.agent.mgmt.ManagementService;
import io.roomwire.agent.mgmt.MessageProperties;
import io.roomwire.agent.mgmt.MqttTransport;
import io.roomwire.agent.mgmt.MqttTransportOptions;
import io.roomwire.agent.mgmt.TlsMaterial;
import io.roomwire.agent.mgmt.ctl.MgmtCtl;
import io.roomwire.agent.mgmt.paho.PahoMqttTransport;
import io.roomwire.core.time.SystemScheduler;
import io.roomwire.sim.cloud.SimPki;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The simulated room's HiveMQ CE broker: MQTT 5 with mutual TLS on loopback, usable by roomwire ctl. */
class EmbeddedBrokerTest {

    @TempDir
    Path dir;

    static void await(String what, BooleanSupplier c) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            LockSupport.parkNanos(5_000_000);
        }
    }

    @Test
    void servesMqtt5WithClientCertificatesAndThePrintedCtlLineWorks() throws Exception {
        SimPki pki = new SimPki("sim-room");
        try (EmbeddedBroker broker = EmbeddedBroker.start(dir.resolve("broker"), pki);
             SystemScheduler net = new SystemScheduler(2)) {
            assertTrue(broker.url().startsWith("ssl://127.0.0.1:"));
            assertTrue(Files.exists(dir.resolve("broker/data")) && Files.exists(dir.resolve("broker/extensions")));
            assertTrue(Files.readString(dir.resolve("broker/conf/config.xml"))
                    .contains("<anonymous-usage-statistics>\n    <enabled>false</enabled>"));
            Path cert = broker.issueDevice("sim-1");
            MqttTransport device = new PahoMqttTransport(MqttTransportOptions.builder(URI.create(broker.url()), "sim-1")
                    .tls(TlsMaterial.fromFiles(broker.caFile(), cert, cert.resolveSibling("sim-1.key")))
                    .reconnect(Duration.ofMillis(50), Duration.ofMillis(500))
                    .will(ManagementService.lastWill("sim-1")).build(), net);
            List<InboundMessage> requests = new CopyOnWriteArrayList<>();
            device.subscribe("roomwire/v1/sim-1/cmd/+", 1, m -> {
                requests.add(m);
                device.publish(m.properties().responseTopic().orElseThrow(),
                        "{\"ok\":true,\"result\":{\"pong\":true},\"device\":\"sim-1\"}".getBytes(StandardCharsets.UTF_8), 1, false,
                        MessageProperties.reply(m.properties().correlationData()));
            });
            device.connect();
            await("device connected", device::isConnected);
            device.publish(ManagementService.statusTopic("sim-1"),
                    "{\"online\":true,\"deviceId\":\"sim-1\",\"version\":\"9.9\",\"call\":{\"state\":\"idle\"}}"
                            .getBytes(StandardCharsets.UTF_8), 1, true, MessageProperties.json()).get(10, TimeUnit.SECONDS);

            assertTrue(Files.readString(broker.operatorPublicKeyFile()).contains("BEGIN PUBLIC KEY"));
            assertTrue(broker.ctlLine("sim-1").contains("--sign-key " + broker.operatorSigningKeyFile()));
            List<String> line = new ArrayList<>(Arrays.asList(broker.ctlLine("sim-1", null).split(" ")));
            assertEquals(List.of("roomwire", "ctl"), line.subList(0, 2));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int code = new MgmtCtl().run(line.subList(2, line.size()), new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            assertEquals(0, code, out::toString);
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("\"pong\": true"));
            assertEquals(1, requests.size());

            List<String> fleet = new ArrayList<>(line.subList(2, line.size() - 3));
            // fleet cannot know how many devices to expect, so it always waits this long: generous for a
            // busy in-process broker
            fleet.addAll(List.of("--wait", "5s", "fleet"));
            ByteArrayOutputStream table = new ByteArrayOutputStream();
            assertEquals(0, new MgmtCtl().run(fleet, new PrintStream(table, true, StandardCharsets.UTF_8), System.err));
            assertTrue(table.toString(StandardCharsets.UTF_8).lines().anyMatch(l -> l.startsWith("sim-1") && l.contains("9.9")),
                    table::toString);

            PahoMqttTransport stranger = new PahoMqttTransport(MqttTransportOptions.builder(URI.create(broker.url()), "x")
                    .tls(TlsMaterial.ofPem(pki.caPem(), null, null))
                    .reconnect(Duration.ofMillis(50), Duration.ofMillis(200)).build(), net);
            stranger.connect();
            await("refused without a client certificate", () -> stranger.stats().failedAttempts() >= 1);
            assertEquals(0, stranger.stats().connects());
            stranger.disconnect();
            device.disconnect();
        }
    }
}
