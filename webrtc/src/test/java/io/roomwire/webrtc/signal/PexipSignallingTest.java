package io.roomwire.webrtc.signal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.sim.cloud.webrtc.SimWebRtcGateway;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Pexip client REST API against the simulated node: token, calls, ack, candidates, refresh, teardown. */
class PexipSignallingTest {

    private final ScriptedFarEnd farEnd = new ScriptedFarEnd();
    private final VirtualScheduler scheduler = new VirtualScheduler(Instant.parse("2026-12-04T10:00:00Z"));
    private SimWebRtcGateway node;

    @BeforeEach
    void up() throws Exception {
        node = new SimWebRtcGateway(farEnd, Optional.empty(), scheduler.clock(), Duration.ofSeconds(120));
    }

    @AfterEach
    void down() {
        node.close();
    }

    private PexipSignalling pexip() {
        return new PexipSignalling(HttpClient.newHttpClient(), node.pexipNode(), "meet.alice@example.com", "Room 7",
                Optional.of("1234"), Duration.ofSeconds(10), scheduler);
    }

    private List<String> verbs() {
        return node.seen().stream().map(s -> s.path().substring(s.path().lastIndexOf('/') + 1)).toList();
    }

    @Test
    void requestsATokenCallsWithTheOfferAcksAndDisconnects() throws Exception {
        Signalling.Session s = pexip().open(WhipSignallingTest.OFFER);
        assertTrue(s.answerSdp().contains("a=fingerprint:"));
        s.trickle("0", 0, "candidate:1 1 udp 1 127.0.0.2 40000 typ host");
        assertEquals("0 candidate:1 1 udp 1 127.0.0.2 40000 typ host", farEnd.candidates.get(0));
        s.close();
        assertEquals(List.of("request_token", "calls", "ack", "new_candidate", "disconnect", "release_token"), verbs());
        assertEquals(0, node.openSessions());
        assertTrue(node.seen().get(0).path().contains("/conferences/meet.alice@example.com/"), node.seen().get(0).path());
    }

    @Test
    void refreshesTheTokenBeforeItExpiresSoTheCallKeepsWorking() throws Exception {
        Signalling.Session s = pexip().open(WhipSignallingTest.OFFER);
        for (int i = 0; i < 5; i++) {
            scheduler.advance(Duration.ofSeconds(60));
        }
        assertEquals(5, verbs().stream().filter("refresh_token"::equals).count());
        s.trickle("0", 0, "candidate:2 1 udp 1 127.0.0.2 40002 typ host"); // accepted with the refreshed token
        s.close();
    }

    @Test
    void anExpiredTokenIsUnauthorized() throws Exception {
        Signalling.Session s = pexip().open(WhipSignallingTest.OFFER);
        node.expireTokens();
        SignallingException e = assertThrows(SignallingException.class,
                () -> s.trickle("0", 0, "candidate:3 1 udp 1 127.0.0.2 40004 typ host"));
        assertEquals(SignallingException.Kind.UNAUTHORIZED, e.kind());
        assertEquals(403, e.status());
        s.close();
    }

    @Test
    void aMalformedAnswerEndsTheCallAtTheNode() {
        node.answerWith("not sdp");
        SignallingException e = assertThrows(SignallingException.class, () -> pexip().open(WhipSignallingTest.OFFER));
        assertEquals(SignallingException.Kind.MALFORMED, e.kind());
        assertTrue(verbs().contains("release_token"), verbs().toString());
    }

    @Test
    void aNodeThatIsNotPexipIsToldApart() {
        node.failWith(502);
        SignallingException e = assertThrows(SignallingException.class, () -> pexip().open(WhipSignallingTest.OFFER));
        assertEquals(SignallingException.Kind.UNAVAILABLE, e.kind());
    }
}
