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

    /** The room ended the session (WHIP DELETE, Pexip disconnect). */
    void close(String sessionId);
}
