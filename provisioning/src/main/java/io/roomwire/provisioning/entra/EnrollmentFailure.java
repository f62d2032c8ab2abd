package io.roomwire.provisioning.entra;

import java.util.Optional;

/**
 * Enrollment cannot go on without an operator. {@code configKey} names the setting to fix
 * ({@code entra.client-id}, {@code entra.tenant}, {@code entra.scopes}, {@code entra.authority});
 * {@code message} says what Entra answered and what to do.
 */
public record EnrollmentFailure(Optional<String> configKey, String message) {

    @Override
    public String toString() {
        return message;
    }
}
