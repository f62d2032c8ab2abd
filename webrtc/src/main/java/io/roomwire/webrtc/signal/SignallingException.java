package io.roomwire.webrtc.signal;

/** A gateway refused, failed or did not answer; {@link #getMessage()} is for the room's panel and logs. */
public final class SignallingException extends Exception {

    private static final long serialVersionUID = 1L;

    /** What went wrong, so the caller can choose: another target, a new token, or give up. */
    public enum Kind {
        /** 401/403: the token is missing, wrong or expired. */
        UNAUTHORIZED,
        /** Another 4xx: the gateway does not accept this meeting or this offer. */
        REJECTED,
        /** 5xx or a connection refused: the gateway is down or overloaded. */
        UNAVAILABLE,
        /** No answer within the bound. */
        TIMEOUT,
        /** An answer came but is not a usable SDP answer (or JSON). */
        MALFORMED
    }

    private final Kind kind;
    private final int status;

    public SignallingException(Kind kind, int status, String message) {
        super(message);
        this.kind = kind;
        this.status = status;
    }

    public SignallingException(Kind kind, int status, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.status = status;
    }

    public Kind kind() {
        return kind;
    }

    /** The HTTP status, 0 when there was none. */
    public int status() {
        return status;
    }

    static SignallingException forStatus(int status, String what, String body) {
        String shortBody = body == null ? "" : body.strip();
        if (shortBody.length() > 200) {
            shortBody = shortBody.substring(0, 200) + "...";
        }
        String said = shortBody.isEmpty() ? "" : " (" + shortBody + ")";
        if (status == 401 || status == 403) {
            return new SignallingException(Kind.UNAUTHORIZED, status, what + " was refused with " + status + said
                    + ": check webrtc.gateway-token, or the gateway's token has expired");
        }
        if (status >= 500) {
            return new SignallingException(Kind.UNAVAILABLE, status, what + " failed with " + status + said
                    + ": the gateway is down or overloaded; try again or join over SIP");
        }
        return new SignallingException(Kind.REJECTED, status, what + " was rejected with " + status + said
                + ": the gateway does not accept this meeting or the room's offer");
    }
}
