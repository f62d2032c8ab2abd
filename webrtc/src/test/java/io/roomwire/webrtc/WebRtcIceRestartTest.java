package io.roomwire.webrtc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.sip.CallEvent;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sim.cloud.webrtc.SimWebRtcGateway;
import io.roomwire.sim.cloud.webrtc.WebRtcFarEnd;
import io.roomwire.webrtc.internal.WebRtcCall;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * ICE restart on a network change (RFC 8445 §9): the room's address watch reports a change, the call restarts
 * ICE with new credentials through the signalling (WHIP: a PATCH, RFC 9725 §4.3.2; Pexip: calls/update), the
 * simulated gateway's far end restarts too and answers with its own new credentials, and the call goes on with
 * media in both directions, now over the new ICE generation.
 */
class WebRtcIceRestartTest {

    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final JoinTarget MEETING = new JoinTarget(JoinTarget.Kind.WEBRTC,
            "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NET%40thread.v2/0", "teams", Optional.empty(), "test");

    @RegisterExtension
    static final SimGatewayFixture sim = new SimGatewayFixture();

    @ParameterizedTest
    @EnumSource(WebRtcSettings.GatewayKind.class)
    void aNetworkChangeRestartsIceAndMediaKeepsFlowing(WebRtcSettings.GatewayKind kind) throws Exception {
        // The room's addresses as the watch reads them; the test changes them as a replugged cable would.
        AtomicReference<Set<InetAddress>> addresses = new AtomicReference<>(Set.of(InetAddress.getByName("127.0.0.2")));
        AtomicInteger reads = new AtomicInteger();
        boolean whip = kind == WebRtcSettings.GatewayKind.WHIP;
        int restartsBefore = sim.gateway().iceRestarts().size();
        WebRtcJoinPath path = new WebRtcJoinPath(WebRtcSettings.of(kind, sim.signallingUrl(kind),
                whip ? Optional.of("whip-secret") : Optional.empty(), "Room 7"), sim.scheduler(), new NativeWebRtc(), new TestPatternMedia(320, 180, 15, 440),
                null, null, () -> {
                    reads.incrementAndGet();
                    return addresses.get();
                });
        List<CallEvent> events = new CopyOnWriteArrayList<>();
        path.addListener(events::add);
        path.start();
        try {
            WebRtcCall call = (WebRtcCall) path.dial(MEETING);
            Await.until(BOUND, () -> call.framesDecoded() > 10 || call.state() == CallState.ENDED, call::toString);
            assertEquals(CallState.CONNECTED, call.state(), () -> "ended: " + call.end());
            String session = sim.farEnd().sessions().get(0);
            List<SimWebRtcGateway.Seen> seenBefore = sim.gateway().seen();
            // Polls during the call with the same addresses: nothing restarts while the network stays as it is.
            int readsConnected = reads.get();
            Await.until(BOUND, () -> report(session).framesDecoded() > 10 && reads.get() >= readsConnected + 2,
                    () -> "far end: " + report(session) + ", address reads " + reads.get());
            assertEquals(restartsBefore, sim.gateway().iceRestarts().size(), sim.gateway().iceRestarts().toString());
            String offeredUfrag = ufrag(seenBefore.stream().filter(s -> s.method().equals("POST") && s.body().contains("a=ice-ufrag:"))
                    .reduce((a, b) -> b).orElseThrow().body());

            addresses.set(Set.of(InetAddress.getByName("127.0.0.2"), InetAddress.getByName("192.0.2.44")));

            // Polled every 2 s, settled 3 s later: the PATCH comes within seconds, not at once.
            Await.until(BOUND, () -> call.iceRestarts() == 1 || call.state() == CallState.ENDED,
                    () -> "restarts at the gateway: " + sim.gateway().iceRestarts());
            assertEquals(restartsBefore + 1, sim.gateway().iceRestarts().size(), sim.gateway().iceRestarts().toString());
            SimWebRtcGateway.IceRestart r = sim.gateway().iceRestarts().get(restartsBefore);
            assertEquals(session, r.session());
            assertEquals(offeredUfrag, r.roomUfragBefore());
            assertNotEquals(r.roomUfragBefore(), r.roomUfrag(), "RFC 8445 §9: the room restarts with new credentials");
            assertNotEquals(r.farEndUfragBefore(), r.farEndUfrag(), "the far end answers with new credentials of its own");
            if (whip) {
                // The PATCH as RFC 9725 §4.3.2 has it: an sdpfrag with the new ufrag and pwd, and no candidates.
                assertTrue(sim.gateway().seen().stream().anyMatch(s -> s.method().equals("PATCH") && r.roomUfrag().equals(ufrag(s.body()))
                        && s.body().contains("a=ice-pwd:") && !s.body().contains("a=candidate") && s.auth().equals("Bearer whip-secret")),
                        sim.gateway().seen().toString());
            } else {
                assertTrue(sim.gateway().seen().stream().anyMatch(s -> s.method().equals("POST") && s.path().endsWith("/update")),
                        sim.gateway().seen().toString());
            }

            // Media keeps flowing both ways after the restart, on the same call.
            long roomFrames = call.framesDecoded();
            long farFrames = report(session).framesDecoded();
            Await.until(BOUND, () -> call.framesDecoded() > roomFrames + 30 && report(session).framesDecoded() > farFrames + 30,
                    () -> "after the restart the room decoded " + (call.framesDecoded() - roomFrames) + " frames, the far end "
                            + (report(session).framesDecoded() - farFrames) + "; " + call.state());
            assertEquals(CallState.CONNECTED, call.state());
            assertEquals(List.of(session), sim.farEnd().sessions(), "the same session at the gateway");
            assertFalse(events.stream().anyMatch(e -> e instanceof CallEvent.Ended), events.toString());
            // The far end's ICE agent restarted with the credentials the gateway answered (a gateway that only made
            // up new credentials, as the simulator once did, fails here) ...
            Await.until(BOUND, () -> r.farEndUfrag().equals(sim.farEnd().localIceUfrag(session)),
                    () -> "far end's transport uses ufrag " + sim.farEnd().localIceUfrag(session) + ", the gateway answered " + r.farEndUfrag());
            // ... and the room's media now runs over its new ICE generation: the far end receives it on pairs whose
            // remote candidate carries the room's new username fragment. (Both ends share one namespace and the old
            // ports stay open, so libwebrtc may keep a pair to the far end's old port: the old generation is not made
            // unusable here, as a real address loss would make it.)
            Await.until(BOUND, () -> sim.farEnd().packetsReceivedOver(session, r.roomUfrag()) > 100,
                    () -> "far end received " + sim.farEnd().packetsReceivedOver(session, r.roomUfrag()) + " packets over the new generation");
            assertEquals(restartsBefore + 1, sim.gateway().iceRestarts().size(), "one change, one restart");
        } finally {
            path.stop();
        }
    }

    /** The first ice-ufrag in an SDP, an sdpfrag or a JSON body carrying one (Pexip). */
    private static String ufrag(String body) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("a=ice-ufrag:([^\\s\\\\\"]+)").matcher(body);
        return m.find() ? m.group(1) : "";
    }

    private static WebRtcFarEnd.Report report(String session) {
        try {
            return sim.farEnd().report(session);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
