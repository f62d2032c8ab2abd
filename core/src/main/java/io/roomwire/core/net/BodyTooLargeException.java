package io.roomwire.core.net;

import java.io.IOException;

/** A peer sent (or announced) a body larger than the limit; reading stopped at the limit. */
public final class BodyTooLargeException extends IOException {
    private static final long serialVersionUID = 1L;
    private final long limit;

    public BodyTooLargeException(String what, long limit) {
        super(what + " is larger than the " + limit + "-byte limit; stopped reading "
                + "(a misbehaving or hostile server, or a proxy answering in its place)");
        this.limit = limit;
    }

    public long limit() {
        return limit;
    }
}
