package io.roomwire.sip.sdp;

/** Offer and answer have nothing usable in common: the call is answered 488 or ended. */
public final class NegotiationException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why, in terms a SIP status and a person understand. */
    public enum Reason { NO_COMMON_CODEC, SRTP_REQUIRED, BAD_CRYPTO, MALFORMED }

    private final Reason reason;

    public NegotiationException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
