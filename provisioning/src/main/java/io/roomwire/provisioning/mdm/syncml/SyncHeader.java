package io.roomwire.provisioning.mdm.syncml;

import java.util.Objects;

/** The {@code SyncHdr} of a DM/1.2 message: session, message number, and both ends' LocURIs. */
public record SyncHeader(String sessionId, int msgId, String target, String source) {

    public SyncHeader {
        Objects.requireNonNull(sessionId, "sessionId");
        target = Objects.requireNonNullElse(target, "");
        source = Objects.requireNonNullElse(source, "");
    }
}
