package io.roomwire.sim.cloud.webrtc;

/**
 * What answers the room's offer behind {@link SimWebRtcGateway}: a webrtc-java peer
 * ({@link WebRtcFarEnd}), a browser, or a test's scripted answerer.
 */
public interface FarEnd {

    /** Answers an offer for a new session; the answer carries the far end's candidates gathered so far. */
    String answer(String sessionId, String offerSdp) throws Exception;

    /** A trickled candidate from the room ({@code candidate:...}, no {@code a=}). */
    void addCandidate(String sessionId, String mid, String candidate);

    /**
     * The room restarts ICE with new credentials (RFC 8445 §9); returns the far end's new local description,
     * whose own credentials are new too. A far end that cannot restart ICE throws UnsupportedOperationException.
     */
    default String restartIce(String sessionId, String ufrag, String pwd) throws Exception {
        throw new UnsupportedOperationException("this far end cannot restart ICE");
    }

    /** The room ended the session (WHIP DELETE, Pexip disconnect). */
    void close(String sessionId);
}
