package io.roomwire.sip;

import java.time.Instant;
import java.util.Optional;

/**
 * A handle to one call, outgoing or incoming. Methods return at once; what happens next arrives
 * as {@link CallEvent}s. Safe to call from any thread.
 */
public interface Call {

    /** Stable id for logs and events (not the SIP Call-ID). */
    String id();

    boolean incoming();

    /** What was dialled, or for an incoming call, who called (kind SIP, source {@code incoming}). */
    JoinTarget target();

    /** The far end's display name or URI, for the panel. */
    String remoteName();

    CallState state();

    Instant startedAt();

    /** Present once the call is {@link CallState#ENDED}. */
    Optional<CallEnd> end();

    MediaStats stats();

    /** Ends the call: CANCEL while it rings, BYE once connected, decline (603) while incoming. */
    void hangUp();

    /**
     * Sends digits as RFC 4733 events (0-9, *, #, A-D); ignored unless connected. SIP logs and drops digits
     * with other characters; WebRTC refuses them with IllegalArgumentException and also takes ',' (a 2 s pause).
     */
    void sendDtmf(String digits);

    /** Answers an incoming call; no effect otherwise. */
    void answer();

    /** Declines an incoming call (603 Decline); no effect otherwise. */
    void decline();

    /**
     * The microphone and camera as the room's panel sets them, for a call that carries media of its own
     * (WebRTC: muted audio is sent as silence, a camera that is off as black frames). A SIP call's media
     * is the device codec's, which the panel sets directly ({@code Codec.setControls}); it ignores this.
     */
    default void setMediaControls(boolean microphoneMuted, boolean cameraOff) {
    }
}
