package io.roomwire.webrtc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.log.ScrubbingWriter;
import io.roomwire.sip.CallEnd;
import io.roomwire.sip.CallEvent;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sim.cloud.webrtc.WebRtcFarEnd;
import io.roomwire.webrtc.internal.IceCandidates;
import io.roomwire.webrtc.internal.WebRtcCall;
import java.net.DatagramSocket;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * ICE servers and ports from the settings, against a real coturn in the test's network namespace: TURN with
 * long-term credentials and relay-only ICE, STUN binding, and the local port range.
 */
class WebRtcIceServersTest {

    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final JoinTarget MEETING = new JoinTarget(JoinTarget.Kind.WEBRTC,
            "https://teams.microsoft.com/l/meetup-join/19%3ameeting_Y%40thread.v2/0", "teams", Optional.empty(), "test");

    @RegisterExtension
    static final SimGatewayFixture sim = new SimGatewayFixture();
    private static Coturn coturn;

    @BeforeAll
    static void up() throws Exception {
        coturn = Coturn.start(Path.of(System.getProperty("java.io.tmpdir"), "coturn-" + UUID.randomUUID()), Duration.ofMinutes(10));
    }

    @AfterAll
    static void down() {
        if (coturn != null) {
            coturn.close();
        }
    }

    private static WebRtcSettings settings() {
        return WebRtcSettings.of(WebRtcSettings.GatewayKind.WHIP, sim.gateway().whipUrl(), Optional.of("whip-secret"), "Room 7")
                .withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(5));
    }

    private static WebRtcJoinPath path(WebRtcSettings s) {
        return new WebRtcJoinPath(s, sim.scheduler(), new NativeWebRtc(), new TestPatternMedia(320, 180, 15, 440));
    }

    @ParameterizedTest(name = "TURN over {0}")
    @EnumSource(Coturn.Transport.class)
    void relayPolicyCarriesTheCallThroughTheTurnServerWithTheConfiguredCredentials(Coturn.Transport transport) {
        // As in webrtc.ice-servers: user:password@turn:host:port?transport=udp|tcp, user:password@turns:host:port?transport=tcp
        IceServer server = IceServer.parse(coturn.turnSpec(coturn.password, transport));
        if (transport == Coturn.Transport.TLS) {
            // The test CA is in no root list libwebrtc has built in: with the default check the room refuses this server
            // (turnsServerWhoseCertificateNoKnownCaIssuedIsRefusedByDefault). Here: what TLS carries, not who signed it.
            server = server.withoutCertificateCheck();
        }
        WebRtcSettings s = settings().withIceServers(List.of(server)).withIcePolicy(WebRtcSettings.IcePolicy.RELAY);
        WebRtcJoinPath path = path(s);
        path.start();
        try {
            WebRtcCall call = (WebRtcCall) path.dial(MEETING);
            Await.until(BOUND, () -> call.state() == CallState.CONNECTED || call.state() == CallState.ENDED, () -> call.state() + " " + call.end());
            assertEquals(CallState.CONNECTED, call.state(), () -> "ended: " + call.end() + "\nturnserver: " + coturn.log());
            Await.until(BOUND, () -> call.framesDecoded() > 10, () -> "room decoded " + call.framesDecoded() + " frames");
            String session = sim.farEnd().sessions().get(sim.farEnd().sessions().size() - 1);
            Await.until(BOUND, () -> report(session).framesDecoded() > 10 && report(session).audioPacketsReceived() > 50,
                    () -> "far end: " + report(session));

            IceCandidates ice = call.iceCandidates();
            IceCandidates.Candidate relay = ice.selectedLocal().orElseThrow(() -> new AssertionError("no selected pair: " + ice));
            assertEquals("relay", relay.type(), ice.toString());
            assertEquals(transport.name().toLowerCase(java.util.Locale.ROOT), relay.relayProtocol(), ice.toString());
            assertFalse(ice.local().isEmpty(), ice.toString());
            assertTrue(ice.local().stream().allMatch(c -> c.type().equals("relay")), "relay policy, yet: " + ice);
            int relayPort = relay.port();
            assertTrue(relayPort >= Coturn.RELAY_MIN && relayPort <= Coturn.RELAY_MAX, "not a coturn relay port: " + ice);
            // coturn's side: this user's allocation, on the listener and with the transport of the URL
            String log = coturn.log();
            assertTrue(log.contains("user <" + coturn.user + ">: incoming packet ALLOCATE processed, success"), log);
            assertTrue(log.contains("Local relay addr: " + Coturn.ADDRESS + ":" + relayPort), log);
            assertNotLogged(coturn.password);
            call.hangUp();
            Await.until(BOUND, () -> path.calls().isEmpty(), () -> "call still open: " + path.calls());
            // coturn names the listener (local address) and how the session ended when it closes the allocation.
            Await.until(BOUND, () -> coturn.sessionOf(relayPort).stream().anyMatch(l -> l.contains("closed (2nd stage)")),
                    () -> "coturn did not close the allocation of relay port " + relayPort + ": " + coturn.sessionOf(relayPort));
            List<String> lines = coturn.sessionOf(relayPort);
            String opened = lines.stream().filter(l -> l.contains(": new, realm=")).findFirst().orElseThrow();
            String closed = lines.stream().filter(l -> l.contains("closed (2nd stage)")).findFirst().orElseThrow();
            assertTrue(opened.contains("username=<" + coturn.user + ">"), opened);
            int listener = transport == Coturn.Transport.TLS ? coturn.tlsPort : coturn.port;
            assertTrue(closed.contains("local " + Coturn.ADDRESS + ":" + listener + ","), "not on port " + listener + ": " + closed);
            switch (transport) {
                case UDP -> {
                    assertFalse(opened.contains("cipher="), opened);
                    assertTrue(lines.stream().noneMatch(l -> l.contains("TCP")), "a UDP allocation, yet: " + lines);
                }
                case TCP -> {
                    assertFalse(opened.contains("cipher="), "plain TCP, yet: " + opened);
                    // "TCP connection closed by client" or "TCP socket buffer operation error": a plain TCP socket (TLS says "TLS/TCP")
                    assertTrue(closed.contains("reason: TCP "), closed);
                }
                case TLS -> assertTrue(opened.matches(".*cipher=\\S+, method=TLSv1\\.[23]$"), "not over TLS 1.2/1.3: " + opened);
            }
        } finally {
            path.stop();
        }
    }

    @Test
    void turnsServerWhoseCertificateNoKnownCaIssuedIsRefusedByDefault() {
        // A certificate for the right name from a CA the room does not know: the default check refuses the server.
        IceServer server = IceServer.parse(coturn.turnSpec(coturn.password, Coturn.Transport.TLS));
        assertEquals(IceServer.TlsCheck.VERIFY, server.tlsCheck());
        long tlsSessionsBefore = coturn.log().lines().filter(l -> l.contains(", method=TLSv1.")).count();
        int connectionsBefore = tlsConnections();
        WebRtcJoinPath path = path(settings().withIceServers(List.of(server)).withIcePolicy(WebRtcSettings.IcePolicy.RELAY));
        path.start();
        try {
            var call = path.dial(MEETING);
            Await.until(BOUND, () -> call.state() == CallState.ENDED, () -> call.state() + " " + call.end());
            CallEnd end = call.end().orElseThrow();
            assertEquals("The meeting's media could not connect", end.message());
            assertTrue(end.detail().contains(coturn.url(Coturn.Transport.TLS) + " answered 701")
                    && end.detail().contains("its certificate does not chain to a public root CA"), end.detail());
            assertFalse(end.detail().contains(coturn.password), end.detail());
            // The room did reach the TLS listener and hung up in the handshake: no TURN session came of it.
            Await.until(BOUND, () -> tlsConnections() > connectionsBefore, () -> "no TLS connection reached coturn: " + coturn.log());
            assertEquals(tlsSessionsBefore, coturn.log().lines().filter(l -> l.contains(", method=TLSv1.")).count(), coturn.log());
            Await.until(BOUND, () -> sim.gateway().openSessions() == 0, () -> "the failed session was left at the gateway");
        } finally {
            path.stop();
        }
    }

    /** Connections coturn closed on its TLS listener with nothing of TURN read ("user <>"). */
    private static int tlsConnections() {
        return (int) coturn.log().lines().filter(l -> l.contains("closed (2nd stage), user <>")
                && l.contains("local " + Coturn.ADDRESS + ":" + coturn.tlsPort + ",")).count();
    }

    @Test
    void wrongTurnCredentialsEndTheJoinWithTheReasonAndAreNeverLogged() {
        String wrong = "wrong" + UUID.randomUUID().toString().replace("-", "");
        WebRtcSettings s = settings().withIceServers(List.of(IceServer.parse(coturn.turnSpec(wrong))))
                .withIcePolicy(WebRtcSettings.IcePolicy.RELAY);
        WebRtcJoinPath path = path(s);
        List<CallEvent> events = new CopyOnWriteArrayList<>();
        path.addListener(events::add);
        path.start();
        try {
            var call = path.dial(MEETING);
            Await.until(BOUND, () -> call.state() == CallState.ENDED, () -> call.state() + " " + call.end());
            CallEnd end = call.end().orElseThrow();
            assertEquals(CallEnd.EndedBy.NETWORK, end.by());
            assertEquals("The meeting's media could not connect", end.message());
            // Not the 20 s connect bound's "ICE did not connect": the TURN server's refusal, named.
            assertTrue(end.detail().contains("the TURN server refused the room's credentials")
                    && end.detail().contains("answered 401"), end.detail());
            assertFalse(end.detail().contains(wrong), end.detail());
            assertFalse(events.stream().anyMatch(e -> e instanceof CallEvent.StateChanged sc && sc.state() == CallState.CONNECTED),
                    events.toString());
            assertTrue(coturn.log().contains("error 401"), coturn.log());
            Await.until(BOUND, () -> sim.gateway().openSessions() == 0, () -> "the failed session was left at the gateway");
            Await.until(BOUND, () -> ScrubbingWriter.recent(2000).stream().anyMatch(l -> l.contains(call.id() + " to")
                    && l.contains("refused the room's credentials")), () -> "no log line for the failed join");
            assertNotLogged(wrong);
            assertNotLogged(coturn.password);
        } finally {
            path.stop();
        }
    }

    @Test
    void theStunServerAnswersTheBindingRequestsFromTheRoomsHostCandidate() {
        WebRtcSettings s = settings().withIceServers(List.of(IceServer.parse(coturn.stunSpec())));
        WebRtcJoinPath path = path(s);
        path.start();
        try {
            WebRtcCall call = (WebRtcCall) path.dial(MEETING);
            Await.until(BOUND, () -> call.state() == CallState.CONNECTED || call.state() == CallState.ENDED, () -> call.state() + " " + call.end());
            assertEquals(CallState.CONNECTED, call.state(), () -> "ended: " + call.end());
            IceCandidates ice = call.iceCandidates();
            IceCandidates.Candidate host = ice.local().stream()
                    .filter(c -> c.type().equals("host") && c.protocol().equals("udp") && c.address().equals(Coturn.ADDRESS))
                    .findFirst().orElseThrow(() -> new AssertionError("no UDP host candidate on 127.0.0.2: " + ice));
            // The room's host socket asked coturn for its address, and coturn answered.
            String binding = "remote addr " + Coturn.ADDRESS + ":" + host.port();
            Await.until(BOUND, () -> coturn.log().contains(binding), () -> "no binding request from " + host + ": " + coturn.log());
            assertTrue(coturn.log().contains("incoming packet BINDING processed, success"), coturn.log());
            // In the namespace there is no NAT: the server-reflexive address is the host one, and libwebrtc (its UDP
            // socket is shared by host and srflx) keeps no srflx candidate equal to its own address.
            assertTrue(ice.local().stream().noneMatch(c -> c.type().equals("srflx")), ice.toString());
            call.hangUp();
            Await.until(BOUND, () -> path.calls().isEmpty(), () -> "call still open: " + path.calls());
        } finally {
            path.stop();
        }
    }

    @Test
    void everyLocalCandidateUsesAPortInTheConfiguredRange() {
        int min = 42000;
        int max = 42009;
        WebRtcJoinPath path = path(settings().withPorts(min, max));
        path.start();
        try {
            WebRtcCall call = (WebRtcCall) path.dial(MEETING);
            Await.until(BOUND, () -> call.state() == CallState.CONNECTED || call.state() == CallState.ENDED, () -> call.state() + " " + call.end());
            assertEquals(CallState.CONNECTED, call.state(), () -> "ended: " + call.end());
            Await.until(BOUND, () -> call.framesDecoded() > 5, () -> "room decoded " + call.framesDecoded() + " frames");
            IceCandidates ice = call.iceCandidates();
            assertFalse(ice.local().isEmpty(), ice.toString());
            assertTrue(ice.local().stream().allMatch(c -> c.port() >= min && c.port() <= max), "outside " + min + "-" + max + ": " + ice);
            int selected = ice.selectedLocal().orElseThrow(() -> new AssertionError("no selected pair: " + ice)).port();
            assertTrue(selected >= min && selected <= max, ice.toString());
            call.hangUp();
            Await.until(BOUND, () -> path.calls().isEmpty(), () -> "call still open: " + path.calls());
        } finally {
            path.stop();
        }
    }

    @Test
    void aPortRangeWithNoFreePortEndsTheJoinWithTheReason() throws Exception {
        // A one-port range whose port another program holds (UDP and TCP, every address): nothing is left for the call.
        try (DatagramSocket udp = new DatagramSocket(0); ServerSocket tcp = new ServerSocket(udp.getLocalPort())) {
            int p = udp.getLocalPort();
            WebRtcJoinPath path = path(settings().withPorts(p, p));
            path.start();
            try {
                var call = path.dial(MEETING);
                // Well before the 20 s connect bound: gathering ends with no candidate.
                Await.until(Duration.ofSeconds(15), () -> call.state() == CallState.ENDED,
                        () -> call.state() + " " + ((WebRtcCall) call).iceCandidates());
                CallEnd end = call.end().orElseThrow();
                assertEquals("The meeting's media could not connect", end.message());
                assertTrue(end.detail().contains("no local ICE candidate could be gathered")
                        && end.detail().contains("limited to " + p + "-" + p + " (webrtc.port-min/port-max)"), end.detail());
                Await.until(BOUND, () -> sim.gateway().openSessions() == 0, () -> "the failed session was left at the gateway");
            } finally {
                path.stop();
            }
        }
    }

    private static void assertNotLogged(String secret) {
        List<String> lines = ScrubbingWriter.recent(2000);
        assertFalse(lines.isEmpty(), "no log lines recorded: the check would prove nothing");
        assertTrue(lines.stream().noneMatch(l -> l.contains(secret)), "a TURN credential was logged");
    }

    private static WebRtcFarEnd.Report report(String session) {
        try {
            return sim.farEnd().report(session);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
