package io.roomwire.provisioning.mdm;

import java.time.Instant;
import java.util.Optional;

/**
 * The outcome of one OMA-DM session: how it ended, what it cost on the wire (HTTP bodies), how
 * many server commands were processed, and the compliance the device reported.
 */
public record CheckInResult(Outcome outcome, String message, int roundTrips, long bytesSent, long bytesReceived,
                            int commands, Optional<ComplianceReport> compliance, Instant at) {

    public enum Outcome {
        /** The session completed. */
        OK,
        /** The server unenrolled the device during the session (or the device unenrolled itself). */
        UNENROLLED,
        /** The session failed; a retry is scheduled when it can help. */
        FAILED,
        /** There is no enrollment to check in with. */
        NOT_ENROLLED
    }

    public boolean ok() {
        return outcome == Outcome.OK;
    }
}
