package io.roomwire.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.agent.call.Calls;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.config.Settings;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.health.Health;
import io.roomwire.core.health.Service;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.sim.cloud.SimPki;
import io.roomwire.sip.Call;
import io.roomwire.sip.CallListener;
import io.roomwire.sip.JoinPath;
import io.roomwire.sip.JoinTarget;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When the {@code mqtt} service waits for the device identity, and that it does not when it has a certificate of its own. */
class RemoteManagementTest {

    @TempDir
    Path dir;

    private final VirtualScheduler time = new VirtualScheduler(Instant.parse("2026-01-05T09:00:00Z"));

    private Service mqtt(String extra) throws Exception {
        String text = "agent.state-dir = " + dir.resolve("state") + "\ndevice.id = room-7\n" + extra;
        Path file = dir.resolve("roomwire.properties");
        Files.writeString(file, text);
        Config config = Config.parse(file.toString(), text, Map.of(), Settings.all());
        RoomControlFixture room = RoomControlFixture.build(config, file, dir.resolve("state"), time,
                device -> new Calls(new NoCalls(), List.of(), time, EventSink.none()));
        // no sign-in at all: a service that asked it for the identity would fail
        List<Service> services = new RemoteManagement(config, "room-7", time, room.store(), new EventSink.Hub(), null,
                room.control(), r -> { }).services();
        assertEquals(1, services.size());
        return services.get(0);
    }

    /** Remote management needs a call path to report; this room never calls. */
    private static final class NoCalls implements JoinPath {
        @Override public void start() { }
        @Override public void stop() { }
        @Override public boolean supports(JoinTarget target) { return false; }
        @Override public Call dial(JoinTarget target) { throw new UnsupportedOperationException("no calls here"); }
        @Override public List<Call> calls() { return List.of(); }
        @Override public void addListener(CallListener l) { }
        @Override public void removeListener(CallListener l) { }
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void theDeviceIdentityIsWaitedForOnlyWhenItIsTheCertificate() throws Exception {
        String broker = "mqtt.broker-url = ssl://127.0.0.1:" + closedPort() + "\n";
        assertEquals(List.of("identity"), mqtt(broker).dependsOn());
        assertEquals(List.of("identity"), mqtt(broker + "mqtt.client-cert = " + dir.resolve("only-a-cert.pem") + "\n").dependsOn(),
                "half a pair is the identity's case (and start says to set both)");

        SimPki pki = new SimPki("fleet");
        SimPki.Issued cert = pki.issueClient("room-7", java.time.Duration.ofDays(30));
        Path certFile = SimPki.writePem(dir.resolve("room-7.pem"), cert.certificatePem(), false);
        Path keyFile = SimPki.writePem(dir.resolve("room-7.key"), cert.keyPem(), true);
        Path caFile = pki.writeCaPem(dir.resolve("ca.pem"));
        Service own = mqtt(broker + "mqtt.client-cert = " + certFile + "\nmqtt.client-key = " + keyFile + "\nmqtt.ca-file = "
                + caFile + "\n");
        assertEquals(List.of(), own.dependsOn());
        own.start();
        try {
            Health h = own.health();
            assertEquals(Health.State.DEGRADED, h.state(), h.toString());
            assertTrue(h.reason().startsWith("broker not connected"), h.reason());
        } finally {
            own.stop();
        }
    }
}
