package io.roomwire.agent.mgmt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.roomwire.agent.mgmt.paho.PahoMqttTransport;
import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.time.SystemScheduler;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.sim.cloud.SimPki;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The session with a real broker: Last Will, retained status, offline queue, session expiry, TLS refusal. */
class ManagementSessionTest {

    @TempDir
    static Path dir;
    static SimPki pki;
    static MosquittoBroker broker;
    static SystemScheduler net;
    static final VirtualScheduler time = new VirtualScheduler();
    static SimPki.Issued room3Cert;
    Operator op;
    MgmtFixture.Device device;
    static int run;

    @BeforeAll
    static void startBroker() {
        pki = new SimPki("mgmt-session");
        broker = new MosquittoBroker(dir.resolve("broker"), pki).start();
        net = new SystemScheduler(2);
        room3Cert = pki.issueClient("room-3", Duration.ofDays(1));
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
        net.close();
    }

    @BeforeEach
    void operator() throws Exception {
        run++;
        op = new Operator(broker, pki, net, "op-session-" + run);
    }

    @AfterEach
    void close() throws Exception {
        if (device != null) {
            device.close();
        }
        op.close();
    }

    MgmtFixture.Device device(Path state, Duration sessionExpiry) throws Exception {
        return new MgmtFixture.Device("room-3", broker, pki, room3Cert, net, time, state, "", List.of(), null,
                sessionExpiry);
    }

    List<JsonObject> statuses() {
        return op.seenJson(ManagementService.statusTopic("room-3"));
    }

    @Test
    void lastWillMarksTheDeviceOfflineOnAbruptLossAndItComesBackOnline() throws Exception {
        device = device(dir.resolve("s-will"), Duration.ofMinutes(5)).start();
        op.watch(ManagementService.statusTopic("room-3"));
        Await.until("online status", () -> statuses().stream().anyMatch(s -> s.get("online").getAsBoolean()));
        int before = statuses().size();
        device.transport.dropConnection();
        Await.until("Last Will", () -> statuses().stream().skip(before)
                .anyMatch(s -> !s.get("online").getAsBoolean() && s.get("reason").getAsString().equals("connection lost")));
        Await.until("online again", () -> {
            List<JsonObject> s = statuses();
            return s.get(s.size() - 1).get("online").getAsBoolean();
        });
    }

    @Test
    void retainedStatusIsThereAfterABrokerRestartAndSaysStoppedAfterAGracefulStop() throws Exception {
        device = device(dir.resolve("s-retained"), Duration.ofMinutes(5)).start();
        broker.restart();
        Await.until("device back", () -> device.transport.isConnected());
        try (Operator late = new Operator(broker, pki, net, "op-late-" + run)) {
            List<InboundMessage> got = new CopyOnWriteArrayList<>();
            late.subscribe(ManagementService.statusTopic("room-3"), got::add);
            Await.until("retained online status", () -> got.stream().anyMatch(m -> m.retained()
                    && m.payloadText().contains("\"online\":true")));
        }
        device.close();
        device = null;
        try (Operator later = new Operator(broker, pki, net, "op-later-" + run)) {
            List<InboundMessage> got = new CopyOnWriteArrayList<>();
            later.subscribe(ManagementService.statusTopic("room-3"), got::add);
            Await.until("retained offline status", () -> got.stream().anyMatch(m -> m.retained()
                    && m.payloadText().contains("\"online\":false") && m.payloadText().contains("stopped")));
        }
    }

    List<Long> eventSeqs(String type) {
        return op.seenJson(ManagementService.eventsTopic("room-3")).stream()
                .filter(e -> e.get("type").getAsString().equals(type))
                .map(e -> e.getAsJsonObject("attributes").get("n").getAsLong()).toList();
    }

    @Test
    void eventsRaisedWhileTheBrokerIsDownArriveOnceAndInOrderAfterItReturns() throws Exception {
        device = device(dir.resolve("s-broker-restart"), Duration.ofMinutes(5)).start();
        op.watch(ManagementService.eventsTopic("room-3"));
        broker.stop();
        Await.until("device notices", () -> !device.transport.isConnected());
        for (int i = 0; i < 50; i++) {
            device.service.events().emit(DeviceEvent.of("call.ended", time.now(), "n", i, "reason", "far end hung up"));
        }
        time.advance(Duration.ZERO); // the service writes its queue on its scheduler, then sends what is written
        broker.start();
        Await.until("50 events", Duration.ofSeconds(20), () -> eventSeqs("call.ended").size() >= 50);
        assertEquals(java.util.stream.LongStream.range(0, 50).boxed().toList(), eventSeqs("call.ended"));
    }

    @Test
    void eventsQueuedOnDiskSurviveAnAgentRestartAndArriveOnceInOrder() throws Exception {
        Path state = dir.resolve("s-agent-restart");
        device = device(state, Duration.ofMinutes(5)).start();
        op.watch(ManagementService.eventsTopic("room-3"));
        broker.stop();
        Await.until("device notices", () -> !device.transport.isConnected());
        for (int i = 0; i < 30; i++) {
            device.service.events().emit(DeviceEvent.of("button.shown", time.now(), "n", i));
        }
        device.close();
        device = null;
        broker.start();
        Await.until("operator back", () -> op.transport.isConnected());
        assertEquals(List.of(), eventSeqs("button.shown"), "nothing can be sent while the agent is down");
        device = device(state, Duration.ofMinutes(5)).start();
        Await.until("30 events", Duration.ofSeconds(20), () -> eventSeqs("button.shown").size() >= 30);
        device.service.events().emit(DeviceEvent.of("button.shown", time.now(), "n", 30));
        time.advance(Duration.ZERO);
        Await.until("31 events", () -> eventSeqs("button.shown").size() >= 31);
        assertEquals(java.util.stream.LongStream.range(0, 31).boxed().toList(), eventSeqs("button.shown"));
    }

    @Test
    void aCommandSentWhileTheDeviceIsOfflineArrivesWhenItReturnsWithinTheSessionExpiry() throws Exception {
        Path state = dir.resolve("s-session");
        device = device(state, Duration.ofMinutes(5)).start();
        device.close();
        device = null;
        var reply = op.send(ManagementService.commandTopic("room-3", "status.get"), "{}".getBytes());
        device = device(state, Duration.ofMinutes(5));
        List<Boolean> sessions = new CopyOnWriteArrayList<>();
        device.transport.addConnectionListener(listener(sessions));
        device.start();
        JsonObject r = Operator.await(reply);
        assertTrue(r.get("ok").getAsBoolean(), r::toString);
        // the broker delivers the kept command right after CONNACK: it can be answered before our
        // SUBACKs are in and the transport reports connected
        Await.until("connected", () -> !sessions.isEmpty());
        assertEquals(List.of(true), sessions, "the broker kept the session");
    }

    @Test
    void afterTheSessionExpiryTheBrokerStartsANewSession() throws Exception {
        Path state = dir.resolve("s-expiry");
        device = device(state, Duration.ofSeconds(1)).start();
        device.close();
        device = null;
        Await.brokerTime(Duration.ofMillis(2500));
        device = device(state, Duration.ofSeconds(1));
        List<Boolean> sessions = new CopyOnWriteArrayList<>();
        device.transport.addConnectionListener(listener(sessions));
        device.start();
        Await.until("connected", () -> !sessions.isEmpty());
        assertEquals(List.of(false), sessions, "session expired at the broker");
        assertTrue(op.call("room-3", "status.get", "{}").get("ok").getAsBoolean(), "subscriptions renewed");
    }

    static MqttTransport.ConnectionListener listener(List<Boolean> sessions) {
        return new MqttTransport.ConnectionListener() {
            @Override
            public void connected(boolean sessionPresent) {
                sessions.add(sessionPresent);
            }

            @Override
            public void connectionLost(String reason) {
            }
        };
    }

    @Test
    void tlsWithoutAClientCertificateIsRefusedAndRetried() throws Exception {
        PahoMqttTransport t = new PahoMqttTransport(MqttTransportOptions.builder(URI.create(broker.url()), "no-cert")
                .tls(TlsMaterial.ofPem(pki.caPem(), null, null))
                .reconnect(Duration.ofMillis(20), Duration.ofMillis(100)).build(), net);
        try {
            t.connect();
            Await.until("two refused attempts", () -> t.stats().failedAttempts() >= 2);
            assertFalse(t.isConnected());
            assertEquals(0, t.stats().connects());
            assertFalse(t.stats().lastError().isEmpty());
        } finally {
            t.disconnect();
        }
    }

    @Test
    void aBrokerWithAnUntrustedCertificateIsRefused() throws Exception {
        SimPki other = new SimPki("someone-else");
        SimPki.Issued id = pki.issueClient("room-3", Duration.ofDays(1));
        PahoMqttTransport t = new PahoMqttTransport(MqttTransportOptions.builder(URI.create(broker.url()), "wrong-ca")
                .tls(TlsMaterial.ofPem(other.caPem(), id.certificatePem(), TestPem.key(id)))
                .reconnect(Duration.ofMillis(20), Duration.ofMillis(100)).build(), net);
        try {
            t.connect();
            Await.until("refused attempts", () -> t.stats().failedAttempts() >= 2);
            assertEquals(0, t.stats().connects());
        } finally {
            t.disconnect();
        }
    }
}
