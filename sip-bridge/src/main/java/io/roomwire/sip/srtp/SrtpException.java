package io.roomwire.sip.srtp;

/** A packet or key that SRTP refuses: authentication failure, replay, truncation, bad key material. */
public final class SrtpException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why a packet was refused; the relay counts drops per reason. */
    public enum Reason { TOO_SHORT, AUTH_FAILED, REPLAYED, BAD_KEY }

    private final Reason reason;

    public SrtpException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
