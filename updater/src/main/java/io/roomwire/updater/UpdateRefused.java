package io.roomwire.updater;

/** An update that was turned down before anything on the device changed; {@link #reason()} says why. */
public final class UpdateRefused extends Exception {

    /** Why an update was refused; {@link #wire()} is the reason in events and command errors. */
    public enum Reason {
        BAD_FORMAT("bad_format"),
        BAD_SIGNATURE("bad_signature"),
        UNKNOWN_KEY("unknown_key"),
        REVOKED_KEY("revoked_key"),
        EXPIRED("expired"),
        ROOT_EXPIRED("root_expired"),
        WRONG_MODEL("wrong_model"),
        WRONG_ARCH("wrong_arch"),
        LOWER_VERSION("lower_version"),
        BELOW_MINIMUM("below_minimum_version"),
        SIZE_MISMATCH("size_mismatch"),
        HASH_MISMATCH("hash_mismatch"),
        NO_SPACE("no_space"),
        ROOT_ROLLBACK("root_rollback"),
        NOT_NOW("not_now"),
        DOWNLOAD_FAILED("download_failed");

        private final String wire;

        Reason(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }
    }

    private final Reason reason;

    public UpdateRefused(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public UpdateRefused(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
