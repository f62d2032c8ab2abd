package io.roomwire.sip.sdp;

/** Whether a call may carry media without SRTP. */
public enum SrtpPolicy {
    /** Offer RTP/SAVP only and refuse a call whose answer has no usable a=crypto. The default on TLS. */
    REQUIRED,
    /** Offer RTP/SAVP, but accept a plain RTP/AVP answer or offer (media then flows unencrypted). */
    BEST_EFFORT
}
