package io.roomwire.webrtc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.log.ScrubbingWriter;
import io.roomwire.sip.CallEnd;
import io.roomwire.sip.CallEvent;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sim.cloud.webrtc.SimWebRtcGateway;
import io.roomwire.sim.cloud.webrtc.WebRtcFarEnd;
import io.roomwire.webrtc.internal.IceCandidates;
import io.roomwire.webrtc.internal.WebRtcCall;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The room behind a real NAT ({@link NatNetwork}: namespaces, veth pairs, an nftables masquerade): its only address
 * is a private one, a real coturn on the public side answers its STUN binding requests, and the simulated gateway's
 * webrtc-java far end sits on the public side too, with no route to the room's address. The room learns the NAT's
 * address as a server-reflexive candidate (RFC 8445 §5.1.1.2) and the call connects through the NAT. Then the room's
 * address really moves mid-call: the old pair dies, the room's {@link NetworkWatch} (reading the real interfaces)
 * restarts ICE over WHIP (a PATCH, RFC 9725 §4.3.2), and media comes back on the new address; an address lost with
 * none in its place ends the call with the reason, within the loss bound. Behind a firewall that lets the room reach
 * only the TURN server, the call connects over the relay without being told to use it.
 */
class WebRtcBehindNatTest {

    private static final Duration BOUND = Duration.ofSeconds(60);
    /** How long media may be lost before the call ends (webrtc.media-loss-timeout). */
    private static final Duration MEDIA_LOSS = Duration.ofSeconds(15);
    private static final JoinTarget MEETING = new JoinTarget(JoinTarget.Kind.WEBRTC,
            "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NAT%40thread.v2/0", "teams", Optional.empty(), "test");

    @RegisterExtension
    @Order(1)
    static final NatNetwork net = new NatNetwork();
    @RegisterExtension
    @Order(2)
    static final SimGatewayFixture sim = new SimGatewayFixture(net::publicSide);
    private static Coturn stun;

    @BeforeAll
    static void up() throws Exception {
        stun = Coturn.startIn(net.publicSide(), NatNetwork.PUBLIC_HOST,
                Path.of(System.getProperty("java.io.tmpdir"), "coturn-nat-" + UUID.randomUUID()), Duration.ofMinutes(10));
    }

    @AfterAll
    static void down() {
        if (stun != null) {
            stun.close();
        }
    }

    @BeforeEach
    void roomOnItsFirstAddress() throws Exception {
        net.giveRoom(NatNetwork.ROOM_ADDRESS);
        net.openFirewall();
    }

    /** The room's path as the agent builds it: its addresses read from the namespace's real interfaces. */
    private static WebRtcJoinPath path() {
        return path(WebRtcSettings.GatewayKind.WHIP);
    }

    /** As above, signalling through a WHIP endpoint (with its bearer token) or a Pexip Conferencing Node. */
    private static WebRtcJoinPath path(WebRtcSettings.GatewayKind kind) {
        return path(kind, stun.stunSpec());
    }

    /** As above, with {@code iceServer} (as webrtc.ice-servers writes it) and the default ICE policy. */
    private static WebRtcJoinPath path(WebRtcSettings.GatewayKind kind, String iceServer) {
        Optional<String> token = kind == WebRtcSettings.GatewayKind.WHIP ? Optional.of("whip-secret") : Optional.empty();
        WebRtcSettings s = WebRtcSettings.of(kind, sim.signallingUrl(kind), token, "Room 7")
                .withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(20), MEDIA_LOSS)
                .withIceServers(List.of(IceServer.parse(iceServer)));
        assertEquals(WebRtcSettings.IcePolicy.ALL, s.icePolicy());
        return new WebRtcJoinPath(s, sim.scheduler(), new NativeWebRtc(), new TestPatternMedia(320, 180, 15, 440));
    }

    /** A call the room dialled that connected, its session at the far end and how long connecting took. */
    private record Joined(WebRtcCall call, String session, long connectedMs) { }

    /** Dials, waits for the call to connect and for both ends to decode the other's pictures and the far end to hear the room. */
    private static Joined joinedWithMediaBothWays(WebRtcJoinPath path) {
        long t0 = System.nanoTime();
        WebRtcCall call = connected(path);
        long connectedMs = (System.nanoTime() - t0) / 1_000_000;
        String session = lastSession();
        Await.until(BOUND, () -> call.framesDecoded() > 10 && report(session).framesDecoded() > 10
                        && report(session).audioPacketsReceived() > 50,
                () -> "room decoded " + call.framesDecoded() + " frames; far end: " + report(session));
        return new Joined(call, session, connectedMs);
    }

    /** Over either signalling: the srflx candidate must reach the far end through WHIP's PATCH or Pexip's candidate calls. */
    @ParameterizedTest(name = "signalling {0}")
    @EnumSource(WebRtcSettings.GatewayKind.class)
    void theRoomLearnsTheNatsPublicAddressAsSrflxAndTheCallConnectsThroughTheNat(WebRtcSettings.GatewayKind kind) throws Exception {
        WebRtcJoinPath path = path(kind);
        long[] before = net.forwardedBytes(); // the NAT's counters run over the whole class
        path.start();
        try {
            Joined joined = joinedWithMediaBothWays(path);
            WebRtcCall call = joined.call();
            String session = joined.session();

            IceCandidates ice = call.iceCandidates();
            // Only the private address is the room's own; the NAT's comes back from coturn as server-reflexive.
            assertTrue(ice.local().stream().filter(c -> c.type().equals("host"))
                    .allMatch(c -> c.address().equals(NatNetwork.ROOM_ADDRESS)), ice.toString());
            IceCandidates.Candidate srflx = ice.local().stream().filter(c -> c.type().equals("srflx")).findFirst()
                    .orElseThrow(() -> new AssertionError("no server-reflexive candidate: " + ice + "\ncoturn: " + stun.log()));
            assertEquals(NatNetwork.NAT_PUBLIC, srflx.address(), ice.toString());
            assertTrue(ice.local().stream().noneMatch(c -> c.type().equals("srflx") && c.address().equals(NatNetwork.ROOM_ADDRESS)),
                    ice.toString());
            // coturn answered a binding request that came from the NAT's address, not the room's private one.
            assertTrue(stun.log().contains("remote addr " + NatNetwork.NAT_PUBLIC + ":"), stun.log());
            assertFalse(stun.log().contains("remote addr " + NatNetwork.ROOM_ADDRESS), stun.log());

            // The selected pair: the far end's public host candidate, and on the room's side its private host socket or
            // the NAT's mapping of it (srflx, or prflx when the far end's check found a new mapping first). The far end
            // sees the room at the NAT's address: it has no route to the private one.
            IceCandidates.Candidate local = ice.selectedLocal().orElseThrow(() -> new AssertionError("no selected pair: " + ice));
            IceCandidates.Candidate remote = ice.selectedRemote().orElseThrow();
            assertTrue(onTheRoomsSide(local, NatNetwork.ROOM_ADDRESS), ice.toString());
            assertEquals(NatNetwork.PUBLIC_HOST, remote.address(), ice.toString());
            String farEndSees = sim.farEnd().selectedRemoteCandidate(session);
            assertTrue(farEndSeesTheNat(farEndSees, local), "far end's selected remote candidate: " + farEndSees + "; room's: " + ice);
            // And the media really crossed the NAT, both ways (its forward counters).
            long[] forwarded = since(before);
            assertTrue(forwarded[0] > 10_000 && forwarded[1] > 10_000, "bytes through the NAT: out " + forwarded[0] + ", in " + forwarded[1]);
            System.out.printf("WebRtcBehindNatTest: " + kind + ": connected through the NAT in %d ms; room's pair %s -> %s; far end sees %s;"
                    + " NAT forwarded %d B out, %d B in; gathered %s%n",
                    joined.connectedMs(), local, remote, farEndSees, forwarded[0], forwarded[1], ice.local());
            call.hangUp();
            Await.until(BOUND, () -> path.calls().isEmpty(), () -> "call still open: " + path.calls());
        } finally {
            path.stop();
        }
    }

    /**
     * A locked-down office network: the NAT lets the room out to the TURN server's ports and nowhere else. Nothing
     * in the settings says "relay only" (webrtc.ice-policy is the default, all): the room gathers its host, srflx and
     * relay candidates, its checks straight to the far end are dropped, and ICE settles on the relay through the NAT.
     */
    @Test
    void behindAFirewallThatOnlyLetsTheTurnServerThroughTheCallGoesOverTheRelay() throws Exception {
        net.allowRoomOutOnlyTo(NatNetwork.PUBLIC_HOST, Coturn.STANDARD_PORT, Coturn.STANDARD_TLS_PORT);
        WebRtcJoinPath path = path(WebRtcSettings.GatewayKind.WHIP, stun.turnSpec(stun.password));
        long[] before = net.forwardedBytes();
        path.start();
        try {
            Joined joined = joinedWithMediaBothWays(path);
            WebRtcCall call = joined.call();
            String session = joined.session();

            IceCandidates ice = call.iceCandidates();
            // Every kind was gathered (the firewall lets coturn's answers back): the room did not know it needed the relay.
            assertTrue(ice.local().stream().anyMatch(c -> c.type().equals("host") && c.address().equals(NatNetwork.ROOM_ADDRESS)), ice.toString());
            assertTrue(ice.local().stream().anyMatch(c -> c.type().equals("srflx") && c.address().equals(NatNetwork.NAT_PUBLIC)), ice.toString());
            IceCandidates.Candidate relay = ice.selectedLocal().orElseThrow(() -> new AssertionError("no selected pair: " + ice));
            assertEquals("relay", relay.type(), ice.toString());
            assertEquals("udp", relay.relayProtocol(), ice.toString());
            assertEquals(NatNetwork.PUBLIC_HOST, relay.address(), ice.toString());
            int relayPort = relay.port();
            assertTrue(relayPort >= Coturn.RELAY_MIN && relayPort <= Coturn.RELAY_MAX, "not a coturn relay port: " + ice);
            assertEquals(NatNetwork.PUBLIC_HOST, ice.selectedRemote().orElseThrow().address(), ice.toString());
            // The far end sends to the relay's address (trickled, or found by its checks first).
            String farEndSees = sim.farEnd().selectedRemoteCandidate(session);
            assertTrue((farEndSees.startsWith("relay " + NatNetwork.PUBLIC_HOST + ":") && farEndSees.endsWith(":" + relayPort))
                    || farEndSees.startsWith("prflx "), "far end's selected remote candidate: " + farEndSees + "; room's: " + ice);
            // The room's direct checks to the far end really were tried and dropped; what crossed the NAT went to coturn.
            long dropped = net.droppedByFirewall();
            assertTrue(dropped > 0, "the firewall dropped nothing: the direct path was never tried");
            long[] forwarded = since(before);
            assertTrue(forwarded[0] > 10_000 && forwarded[1] > 10_000, "bytes through the NAT: out " + forwarded[0] + ", in " + forwarded[1]);
            System.out.printf("WebRtcBehindNatTest: firewall open to TURN only; connected over the relay in %d ms; room's pair %s -> %s;"
                    + " far end sees %s; %d direct packets dropped; gathered %s%n",
                    joined.connectedMs(), relay, ice.selectedRemote().orElseThrow(), farEndSees, dropped, ice.local());
            call.hangUp();
            Await.until(BOUND, () -> path.calls().isEmpty(), () -> "call still open: " + path.calls());
            // coturn saw the allocation come from the NAT's address (not the room's private one) and closed it at hang-up.
            Await.until(BOUND, () -> stun.sessionOf(relayPort).stream().anyMatch(l -> l.contains("closed (2nd stage)")),
                    () -> "coturn did not close the allocation of relay port " + relayPort + ": " + stun.sessionOf(relayPort));
            String closed = stun.sessionOf(relayPort).stream().filter(l -> l.contains("closed (2nd stage)")).findFirst().orElseThrow();
            assertTrue(closed.contains("remote " + NatNetwork.NAT_PUBLIC + ":"), closed);
        } finally {
            path.stop();
            net.openFirewall();
        }
    }

    @Test
    void theRoomsAddressMovingMidCallRestartsIceOverWhipAndMediaComesBackOnTheNewAddress() throws Exception {
        WebRtcJoinPath path = path();
        List<CallEvent> events = new CopyOnWriteArrayList<>();
        path.addListener(events::add);
        int restartsBefore = sim.gateway().iceRestarts().size();
        path.start();
        try {
            WebRtcCall call = connected(path);
            String session = lastSession();
            Await.until(BOUND, () -> call.framesDecoded() > 10 && report(session).framesDecoded() > 10,
                    () -> "room decoded " + call.framesDecoded() + " frames; far end: " + report(session));
            IceCandidates before = call.iceCandidates();
            assertTrue(onTheRoomsSide(before.selectedLocal().orElseThrow(), NatNetwork.ROOM_ADDRESS), before.toString());
            String farEndSawBefore = sim.farEnd().selectedRemoteCandidate(session);

            long moved = System.nanoTime();
            net.giveRoom(NatNetwork.ROOM_ADDRESS_MOVED);
            long[] forwardedAtMove = net.forwardedBytes();
            long framesAtMove = call.framesDecoded();

            // The address watch (poll 2 s, settle 3 s) sees the change and restarts ICE on this call.
            String byWatch = "Call " + call.id() + ": restarting ICE: the room's network addresses changed";
            Await.until(BOUND, () -> logged(byWatch) || call.state() == CallState.ENDED,
                    () -> "no restart from the network watch; log: " + ScrubbingWriter.recent(50));
            assertTrue(logged(byWatch), () -> "ended: " + call.end());
            Await.until(BOUND, () -> sim.gateway().iceRestarts().size() > restartsBefore,
                    () -> "no ICE restart reached the gateway: " + sim.gateway().seen());
            SimWebRtcGateway.IceRestart r = sim.gateway().iceRestarts().get(sim.gateway().iceRestarts().size() - 1);
            assertEquals(session, r.session());
            assertNotEquals(r.roomUfragBefore(), r.roomUfrag(), "RFC 8445 §9: new credentials");
            assertTrue(sim.gateway().seen().stream().anyMatch(s -> s.method().equals("PATCH")
                    && s.body().contains("a=ice-ufrag:" + r.roomUfrag())
                    && s.auth().equals("Bearer whip-secret")), sim.gateway().seen().toString());

            // Media both ways again, now from the new address (through the NAT), on the same call and session: the far
            // end receives over the room's new ICE generation, which only the new address has.
            long farFrames = report(session).framesDecoded();
            Await.until(BOUND, () -> call.framesDecoded() > framesAtMove + 30 && report(session).framesDecoded() > farFrames + 30
                            && sim.farEnd().packetsReceivedOver(session, r.roomUfrag()) > 100
                            && call.iceCandidates().selectedLocal().filter(c -> onTheRoomsSide(c, NatNetwork.ROOM_ADDRESS_MOVED)).isPresent(),
                    () -> "after the move the room decoded " + (call.framesDecoded() - framesAtMove) + " frames, the far end "
                            + (report(session).framesDecoded() - farFrames) + "; " + call.state() + " " + call.iceCandidates());
            long recoveredMs = (System.nanoTime() - moved) / 1_000_000;
            assertEquals(CallState.CONNECTED, call.state());
            IceCandidates after = call.iceCandidates();
            assertTrue(after.local().stream().anyMatch(c -> c.type().equals("host") && c.address().equals(NatNetwork.ROOM_ADDRESS_MOVED)),
                    after.toString());
            String farEndSees = sim.farEnd().selectedRemoteCandidate(session);
            assertTrue(farEndSeesTheNat(farEndSees, after.selectedLocal().orElseThrow()), farEndSees + "; room's: " + after);
            assertNotEquals(farEndSawBefore, farEndSees, "the far end still receives on the old mapping");
            long[] forwarded = net.forwardedBytes();
            assertTrue(forwarded[0] - forwardedAtMove[0] > 50_000 && forwarded[1] - forwardedAtMove[1] > 50_000,
                    "bytes through the NAT since the move: out " + (forwarded[0] - forwardedAtMove[0])
                            + ", in " + (forwarded[1] - forwardedAtMove[1]));
            assertFalse(events.stream().anyMatch(e -> e instanceof CallEvent.Ended), events.toString());
            // The old pair is dead: while the new generation carries more, nothing more arrives over the first one.
            String firstUfrag = sim.gateway().iceRestarts().get(restartsBefore).roomUfragBefore();
            long oldGeneration = sim.farEnd().packetsReceivedOver(session, firstUfrag);
            long newGeneration = sim.farEnd().packetsReceivedOver(session, r.roomUfrag());
            Await.until(BOUND, () -> sim.farEnd().packetsReceivedOver(session, r.roomUfrag()) > newGeneration + 100,
                    () -> "the new generation stopped: " + sim.farEnd().packetsReceivedOver(session, r.roomUfrag()));
            assertTrue(sim.farEnd().packetsReceivedOver(session, firstUfrag) <= oldGeneration,
                    "media still arrives over the old address's pair: the address did not really go");
            System.out.printf("WebRtcBehindNatTest: address moved %s -> %s; media back in %d ms after %d ICE restart(s) (%s); pair %s -> %s%n",
                    NatNetwork.ROOM_ADDRESS, NatNetwork.ROOM_ADDRESS_MOVED, recoveredMs, call.iceRestarts(),
                    ScrubbingWriter.recent(400).stream().filter(l -> l.contains("Call " + call.id() + ": restarting ICE"))
                            .map(l -> l.substring(l.indexOf(": restarting") + 2)).toList(),
                    after.selectedLocal().orElseThrow(), farEndSees);
            call.hangUp();
            Await.until(BOUND, () -> path.calls().isEmpty(), () -> "call still open: " + path.calls());
        } finally {
            path.stop();
        }
    }

    @Test
    void theRoomsAddressGoneWithNoneInItsPlaceEndsTheCallWithTheReasonWithinTheLossBound() throws Exception {
        WebRtcJoinPath path = path();
        path.start();
        try {
            WebRtcCall call = connected(path);
            String session = lastSession();
            Await.until(BOUND, () -> call.framesDecoded() > 10, () -> "room decoded " + call.framesDecoded() + " frames");

            long lost = System.nanoTime();
            net.takeRoomAddressAway();
            // The watch sees it and tries: a restart with nothing to gather from cannot bring media back ...
            String byWatch = "Call " + call.id() + ": restarting ICE: the room's network addresses changed";
            // ... and the call ends with the reason, not later than the loss bound after the last media (plus polling).
            Await.until(MEDIA_LOSS.plus(Duration.ofSeconds(30)), () -> call.state() == CallState.ENDED,
                    () -> "still " + call.state() + " " + call.iceCandidates());
            long endedMs = (System.nanoTime() - lost) / 1_000_000;
            CallEnd end = call.end().orElseThrow();
            assertEquals(CallEnd.EndedBy.NETWORK, end.by(), end.toString());
            assertEquals("The meeting's media stopped", end.message(), end.toString());
            assertTrue(end.detail().startsWith("ICE consent lost for " + MEDIA_LOSS.toSeconds() + " s")
                            || end.detail().startsWith("ICE failed after"),
                    end.detail());
            assertTrue(logged(byWatch), "the network watch did not react: " + ScrubbingWriter.recent(50));
            // The room said goodbye to the gateway (its signalling is on loopback, which the address loss leaves).
            Await.until(BOUND, () -> !sim.farEnd().sessions().contains(session), () -> "the session was left at the gateway");
            System.out.printf("WebRtcBehindNatTest: address gone; call ended after %d ms: %s (%s)%n", endedMs, end.message(), end.detail());
        } finally {
            path.stop();
        }
    }

    /** A local candidate the room's media can leave from when its address is {@code address}: the host one, or the NAT's mapping of it. */
    private static boolean onTheRoomsSide(IceCandidates.Candidate c, String address) {
        return c.type().equals("host") ? c.address().equals(address)
                : (c.type().equals("srflx") || c.type().equals("prflx")) && c.address().equals(NatNetwork.NAT_PUBLIC);
    }

    /**
     * The far end's selected remote candidate is the NAT's mapping of the room's socket: the room's srflx candidate
     * (trickled), or the mapping the far end's checks found (prflx; libwebrtc's stats leave its address out), never a
     * host candidate (the public side has no route to the room's private address).
     */
    private static boolean farEndSeesTheNat(String seen, IceCandidates.Candidate roomsLocal) {
        boolean samePort = roomsLocal.type().equals("host") || seen.endsWith(":" + roomsLocal.port());
        return samePort && (seen.startsWith("srflx " + NatNetwork.NAT_PUBLIC + ":") || seen.startsWith("prflx "));
    }

    /** What the NAT forwarded each way since {@code before} (an earlier {@link NatNetwork#forwardedBytes()}). */
    private static long[] since(long[] before) throws java.io.IOException {
        long[] now = net.forwardedBytes();
        return new long[] {now[0] - before[0], now[1] - before[1]};
    }

    private static WebRtcCall connected(WebRtcJoinPath path) {
        WebRtcCall call = (WebRtcCall) path.dial(MEETING);
        Await.until(BOUND, () -> call.state() == CallState.CONNECTED || call.state() == CallState.ENDED, () -> call.state() + " " + call.end());
        assertEquals(CallState.CONNECTED, call.state(), () -> "ended: " + call.end() + "\n" + call.iceCandidates() + "\ncoturn: " + stun.log());
        return call;
    }

    private static String lastSession() {
        List<String> sessions = sim.farEnd().sessions();
        assertEquals(1, sessions.size(), sessions.toString());
        return sessions.get(0);
    }

    private static boolean logged(String text) {
        return ScrubbingWriter.recent(2000).stream().anyMatch(l -> l.contains(text));
    }

    private static WebRtcFarEnd.Report report(String session) {
        try {
            return sim.farEnd().report(session);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
