package io.roomwire.agent.calendar.internal;

import java.time.Duration;
import java.util.Optional;

/** A Graph request that failed, classified by what the calendar must do about it. */
public final class GraphException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What went wrong, in the terms that decide the next step. */
    public enum Kind {
        /** 429, 503, 504: wait (Retry-After or back-off) and continue where we were. */
        THROTTLED,
        /** 410 / SyncStateNotFound: the delta or skip token expired; start a new round. */
        SYNC_STATE_GONE,
        /** 401 even after one fresh token, or no token at all. */
        UNAUTHORIZED,
        /** 403: permission or application access policy. */
        ACCESS_DENIED,
        /** 404. */
        NOT_FOUND,
        /** No answer: connection refused, reset, timeout. */
        NETWORK,
        /** Anything else (500, a malformed answer...). */
        OTHER
    }

    private final Kind kind;
    private final int status;
    private final String code;
    private final transient Optional<Duration> retryAfter;

    public GraphException(Kind kind, int status, String code, String message, Optional<Duration> retryAfter,
                         Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.status = status;
        this.code = code;
        this.retryAfter = retryAfter;
    }

    public Kind kind() {
        return kind;
    }

    /** HTTP status, 0 when there was no answer. */
    public int status() {
        return status;
    }

    /** Graph's error code ({@code ErrorAccessDenied}, {@code SyncStateNotFound}...), or "". */
    public String code() {
        return code;
    }

    public Optional<Duration> retryAfter() {
        return retryAfter;
    }
}
