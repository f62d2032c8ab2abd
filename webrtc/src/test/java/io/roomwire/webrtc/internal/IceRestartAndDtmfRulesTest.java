package io.roomwire.webrtc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The call's rules without a peer connection: the gateway's restarted description, the DTMF digits, the restart bound. */
class IceRestartAndDtmfRulesTest {

    private static final String ANSWER = String.join("\r\n",
            "v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE 0 1",
            "m=audio 9 UDP/TLS/RTP/SAVPF 111", "c=IN IP4 0.0.0.0", "a=ice-ufrag:old1", "a=ice-pwd:oldpasswordoldpassword01",
            "a=mid:0", "a=candidate:1 1 udp 2122260223 127.0.0.2 40000 typ host", "a=end-of-candidates",
            "m=video 9 UDP/TLS/RTP/SAVPF 96", "c=IN IP4 0.0.0.0", "a=ice-ufrag:old1", "a=ice-pwd:oldpasswordoldpassword01",
            "a=mid:1", "a=candidate:1 1 udp 2122260223 127.0.0.2 40000 typ host", "") ;

    @Test
    void aRestartAnswerFragmentReplacesTheCredentialsAndTheOldGenerationsCandidates() {
        String frag = "a=ice-ufrag:new2\r\na=ice-pwd:newpasswordnewpassword02\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n"
                + "a=candidate:2 1 udp 2122260223 127.0.0.2 41000 typ host\r\n";
        String sdp = WebRtcCall.withIceCredentials(ANSWER, frag);
        assertTrue(!sdp.contains("old1") && !sdp.contains("oldpassword") && !sdp.contains("40000"), sdp);
        assertEquals(2, sdp.split("a=ice-ufrag:new2", -1).length - 1, sdp);
        assertEquals(2, sdp.split("a=ice-pwd:newpasswordnewpassword02", -1).length - 1, sdp);
        // The new candidate goes under the section the fragment names, right after its a=mid.
        assertTrue(sdp.contains("a=mid:0\r\na=candidate:2 1 udp 2122260223 127.0.0.2 41000 typ host\r\n"), sdp);
        assertTrue(sdp.contains("a=mid:1\r\n") && sdp.indexOf("41000") == sdp.lastIndexOf("41000"), sdp);
    }

    @Test
    void aFragmentWithoutCandidatesLeavesTheGatewaysNewCandidatesToBeLearnt() {
        String sdp = WebRtcCall.withIceCredentials(ANSWER, "a=ice-ufrag:new2\r\na=ice-pwd:newpasswordnewpassword02\r\n");
        assertTrue(sdp.contains("a=ice-ufrag:new2") && !sdp.contains("a=candidate") && !sdp.contains("end-of-candidates"), sdp);
    }

    @Test
    void dtmfDigitsAreTheKeypadsAndCommasAndAnythingElseIsRefusedWithWhereItIs() {
        assertEquals("0123456789*#ABCD,ABCD", WebRtcCall.dtmfTones("0123456789*#ABCD,abcd"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WebRtcCall.dtmfTones("12 4"));
        assertTrue(e.getMessage().startsWith("' ' at position 3 is not a DTMF digit"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> WebRtcCall.dtmfTones("1\n"));
        assertTrue(e.getMessage().startsWith("'\\u000a' at position 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> WebRtcCall.dtmfTones("E"));
        assertThrows(IllegalArgumentException.class, () -> WebRtcCall.dtmfTones(""));
        assertThrows(IllegalArgumentException.class, () -> WebRtcCall.dtmfTones(null));
    }

    @Test
    void iceRestartsAfterTwoSecondsDisconnectedOrSoonerWhenTheLossBoundIsShort() {
        assertEquals(Duration.ofSeconds(2), WebRtcCall.restartAfterDisconnect(Duration.ofSeconds(20)));
        assertEquals(Duration.ofMillis(1500), WebRtcCall.restartAfterDisconnect(Duration.ofSeconds(3)));
    }
}
