package io.roomwire.webrtc.signal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.sim.cloud.webrtc.SimWebRtcGateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** WHIP (RFC 9725) against the simulated gateway: the exchange, and every way it can go wrong. */
class WhipSignallingTest {

    static final String OFFER = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
            + "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdef012345\r\na=mid:0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\n";

    private final ScriptedFarEnd farEnd = new ScriptedFarEnd();
    private final HttpClient http = HttpClient.newHttpClient();
    private SimWebRtcGateway gateway;

    @BeforeEach
    void up() throws Exception {
        gateway = new SimWebRtcGateway(farEnd, Optional.of("t0ken"), Clock.systemUTC(), Duration.ofSeconds(120));
    }

    @AfterEach
    void down() {
        gateway.close();
    }

    private WhipSignalling whip(Optional<String> token, Duration timeout) {
        return new WhipSignalling(http, URI.create(gateway.whipUrl().replace("{meeting}", "m1")), token, timeout);
    }

    @Test
    void postsTheOfferWithTheBearerTokenTricklesAndDeletesTheSession() throws Exception {
        Signalling.Session s = whip(Optional.of("t0ken"), Duration.ofSeconds(10)).open(OFFER);
        assertTrue(s.answerSdp().startsWith("v=0") && s.answerSdp().contains("m=video"));
        assertEquals(OFFER, farEnd.offers.get(0));
        s.trickle("1", 1, "candidate:1 1 udp 2122260223 127.0.0.2 40000 typ host");
        assertEquals("1 candidate:1 1 udp 2122260223 127.0.0.2 40000 typ host", farEnd.candidates.get(0));
        var patch = gateway.seen().stream().filter(x -> x.method().equals("PATCH")).findFirst().orElseThrow();
        assertTrue(patch.body().contains("a=ice-ufrag:abcd"), patch.body());
        assertEquals(1, gateway.openSessions());
        s.close();
        assertEquals(0, gateway.openSessions());
        assertEquals(1, farEnd.closed.size());
        assertTrue(gateway.seen().stream().allMatch(x -> x.auth().equals("Bearer t0ken")));
    }

    @Test
    void restartsIceWithIfMatchStarAndReadsTheNewCredentials() throws Exception {
        Signalling.Session s = whip(Optional.of("t0ken"), Duration.ofSeconds(10)).open(OFFER);
        String frag = s.restartIce(OFFER.replace("abcd", "efgh"));
        // RFC 9725 §4.3.2: the far end got the room's new credentials and answered with new ones of its own.
        assertEquals(List.of("efgh 0123456789efghef012345"), farEnd.restarts);
        assertEquals("far1", Sdp.attribute(frag, "ice-ufrag").orElseThrow(), frag);
        assertTrue(frag.contains("a=mid:0\r\na=candidate:1 1 udp 2122260223 127.0.0.2 41000 typ host"), frag);
        assertTrue(gateway.seen().stream().anyMatch(x -> x.method().equals("PATCH") && x.body().contains("efgh")));
        assertEquals(1, gateway.iceRestarts().size());
    }

    @Test
    void anIceRestartWithTheOldCredentialsIsRefused() throws Exception {
        Signalling.Session s = whip(Optional.of("t0ken"), Duration.ofSeconds(10)).open(OFFER);
        SignallingException e = assertThrows(SignallingException.class, () -> s.restartIce(OFFER));
        assertEquals(400, e.status(), e.getMessage());
        assertTrue(farEnd.restarts.isEmpty());
    }

    @Test
    void aWrongTokenIsUnauthorizedWithTheNextStep() {
        SignallingException e = assertThrows(SignallingException.class,
                () -> whip(Optional.of("stale"), Duration.ofSeconds(10)).open(OFFER));
        assertEquals(SignallingException.Kind.UNAUTHORIZED, e.kind());
        assertEquals(401, e.status());
        assertTrue(e.getMessage().contains("webrtc.gateway-token"), e.getMessage());
    }

    @Test
    void serverErrorsAndRejectionsAreTold() {
        gateway.failWith(503);
        SignallingException e = assertThrows(SignallingException.class, () -> whip(Optional.of("t0ken"), Duration.ofSeconds(10)).open(OFFER));
        assertEquals(SignallingException.Kind.UNAVAILABLE, e.kind());
        gateway.failWith(404);
        e = assertThrows(SignallingException.class, () -> whip(Optional.of("t0ken"), Duration.ofSeconds(10)).open(OFFER));
        assertEquals(SignallingException.Kind.REJECTED, e.kind());
    }

    @Test
    void aSilentGatewayTimesOut() {
        gateway.goSilent(true);
        SignallingException e = assertThrows(SignallingException.class,
                () -> whip(Optional.of("t0ken"), Duration.ofMillis(300)).open(OFFER));
        assertEquals(SignallingException.Kind.TIMEOUT, e.kind());
        gateway.goSilent(false);
    }

    @Test
    void malformedAnswersAreRefusedBeforeTheNativeStackSeesThem() {
        for (String bad : new String[] {"<html>hello</html>", "v=0\r\ns=-\r\n", "v=0\r\ns=-\r\nm=audio 9 RTP/AVP 0\r\n"}) {
            gateway.answerWith(bad);
            SignallingException e = assertThrows(SignallingException.class,
                    () -> whip(Optional.of("t0ken"), Duration.ofSeconds(10)).open(OFFER));
            assertEquals(SignallingException.Kind.MALFORMED, e.kind(), bad);
        }
    }

    @Test
    void aRefusedConnectionIsUnavailable() {
        gateway.close();
        SignallingException e = assertThrows(SignallingException.class,
                () -> whip(Optional.of("t0ken"), Duration.ofSeconds(10)).open(OFFER));
        assertEquals(SignallingException.Kind.UNAVAILABLE, e.kind());
    }
}
