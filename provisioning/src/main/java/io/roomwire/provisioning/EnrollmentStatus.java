package io.roomwire.provisioning;

import java.util.Objects;

/** An {@link EnrollmentState} with a human-readable reason ("" when there is nothing to add). */
public record EnrollmentStatus(EnrollmentState state, String reason) {

    public EnrollmentStatus {
        Objects.requireNonNull(state, "state");
        reason = reason == null ? "" : reason;
    }

    public static EnrollmentStatus of(EnrollmentState state) {
        return new EnrollmentStatus(state, "");
    }

    @Override
    public String toString() {
        return reason.isEmpty() ? state.name() : state + " (" + reason + ")";
    }
}
