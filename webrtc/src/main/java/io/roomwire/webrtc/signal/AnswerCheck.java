package io.roomwire.webrtc.signal;

/** The few checks that keep an unusable answer from reaching the native stack. */
final class AnswerCheck {

    private AnswerCheck() {
    }

    /** Returns the answer when it is an SDP session with at least one media section (RFC 8866 §5). */
    static String sdpAnswer(String sdp, String from) throws SignallingException {
        if (sdp == null || !sdp.startsWith("v=0")) {
            throw new SignallingException(SignallingException.Kind.MALFORMED, 0,
                    from + " did not return an SDP answer (no v=0 line): the gateway is not a WHIP/Pexip endpoint or is misconfigured");
        }
        if (!sdp.contains("\nm=")) {
            throw new SignallingException(SignallingException.Kind.MALFORMED, 0,
                    from + " returned an SDP answer without media sections: the gateway accepted nothing the room offered");
        }
        if (!sdp.contains("a=fingerprint:")) {
            // RFC 8827 §6.5: WebRTC media is DTLS-SRTP only; an answer without a fingerprint cannot be secured.
            throw new SignallingException(SignallingException.Kind.MALFORMED, 0,
                    from + " returned an SDP answer without a DTLS fingerprint: the gateway offers no DTLS-SRTP");
        }
        return sdp.replace("\r\n", "\n").replace("\n", "\r\n");
    }
}
