package io.roomwire.webrtc.signal;

/**
 * How the room hands its SDP offer to a WebRTC gateway and gets the answer back. Small on purpose:
 * WHIP (RFC 9725) and the Pexip Infinity client REST API are the two adapters.
 */
public interface Signalling {

    /**
     * Sends the offer; returns once the gateway answered.
     *
     * @throws SignallingException with the gateway's status and the next step for the room
     */
    Session open(String offerSdp) throws SignallingException;

    /** One negotiated session at the gateway, until {@link #close()}. */
    interface Session {

        /** The gateway's SDP answer, already checked to be an answer with media sections. */
        String answerSdp();

        /** Sends one local candidate ({@code candidate:...} without {@code a=}) for the m-line {@code mid}. */
        void trickle(String mid, int mLineIndex, String candidate) throws SignallingException;

        /**
         * Renegotiates ICE after a network change with the new offer's credentials and returns the
         * gateway's answer credentials as an SDP fragment (RFC 8840), or the full answer.
         */
        String restartIce(String offerSdp) throws SignallingException;

        /** Tears the session down at the gateway (WHIP DELETE, Pexip disconnect). Never throws. */
        void close();
    }
}
