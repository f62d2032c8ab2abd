package io.roomwire.sip;

/** Where a call is in its life; a call only moves forward, except CONNECTED and ON_HOLD alternating. */
public enum CallState {
    /** Outgoing: the request is on its way (INVITE sent, nothing or only 100 back). */
    DIALING,
    /** Incoming: the far end is calling and the room has not answered yet. */
    INCOMING,
    /** The far end is ringing (180). */
    RINGING,
    /** The far end plays announcements or ringback before answering (183 with SDP). */
    EARLY_MEDIA,
    /** Answered; media flows. */
    CONNECTED,
    /** The far end put the call on hold. */
    ON_HOLD,
    /** Over; see {@link Call#end()}. */
    ENDED;

    public boolean isLive() {
        return this == CONNECTED || this == ON_HOLD;
    }
}
