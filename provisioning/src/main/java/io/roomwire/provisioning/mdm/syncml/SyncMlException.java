package io.roomwire.provisioning.mdm.syncml;

/** A SyncML message that is not well-formed or breaks the DM/1.2 rules; the message says where. */
public final class SyncMlException extends Exception {

    private static final long serialVersionUID = 1L;

    public SyncMlException(String message) {
        super(message);
    }

    public SyncMlException(String message, Throwable cause) {
        super(message, cause);
    }
}
