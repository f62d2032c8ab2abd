package io.roomwire.provisioning.mdm;

import java.time.Duration;
import java.util.Optional;

/**
 * An enrollment or check-in failed. {@link #kind()} says whether trying again can help;
 * the message names the cause and the next step.
 */
public final class MdmException extends Exception {

    private static final long serialVersionUID = 1L;

    /** What went wrong, roughly in the words of the MS-MDE2 SOAP faults. */
    public enum Kind {
        /** The server did not accept the credentials ({@code s:authentication}). */
        AUTHENTICATION,
        /** The user or device may not enroll ({@code s:authorization}). */
        AUTHORIZATION,
        /** The server could not read our message ({@code s:messageformat}) or we could not read its. */
        MESSAGE_FORMAT,
        /** HTTP 429: try after {@link #retryAfter()}. */
        THROTTLED,
        /** HTTP 5xx or another SOAP fault: try again later. */
        SERVER,
        /** No connection, TLS failure, timeout. */
        TRANSPORT,
        /** Local configuration is missing or wrong; retrying will not help until it is fixed. */
        CONFIGURATION,
        /** The device is not enrolled. */
        NOT_ENROLLED
    }

    private final Kind kind;
    private final transient Optional<Duration> retryAfter;

    public MdmException(Kind kind, String message) {
        this(kind, message, null, Optional.empty());
    }

    public MdmException(Kind kind, String message, Throwable cause) {
        this(kind, message, cause, Optional.empty());
    }

    public MdmException(Kind kind, String message, Throwable cause, Optional<Duration> retryAfter) {
        super(message, cause);
        this.kind = kind;
        this.retryAfter = retryAfter == null ? Optional.empty() : retryAfter;
    }

    public Kind kind() {
        return kind;
    }

    /** The server's {@code Retry-After}, when it sent one. */
    public Optional<Duration> retryAfter() {
        return retryAfter == null ? Optional.empty() : retryAfter;
    }

    /** Whether the same request may succeed later without any change on the device. */
    public boolean retryable() {
        return kind == Kind.THROTTLED || kind == Kind.SERVER || kind == Kind.TRANSPORT;
    }
}
