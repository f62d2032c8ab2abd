package io.roomwire.provisioning.identity;

/**
 * The device identity cannot be used: a half is missing, a file is corrupt, or the key and
 * certificate do not belong together. The message names the file and the next step; the device
 * is never re-keyed silently (re-keying is an explicit command, {@link DeviceIdentity#rekey}).
 */
public final class IdentityException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why the identity could not be loaded or created. */
    public enum Reason { MISSING_KEY, MISSING_CERTIFICATE, CORRUPT, MISMATCH, IO }

    private final Reason reason;

    public IdentityException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public IdentityException(Reason reason, String message) {
        this(reason, message, null);
    }

    public Reason reason() {
        return reason;
    }
}
