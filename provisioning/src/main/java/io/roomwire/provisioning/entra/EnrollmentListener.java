package io.roomwire.provisioning.entra;

import io.roomwire.provisioning.Account;
import java.time.Duration;

/**
 * Follows a device-code enrollment (touch panel, terminal, events). Called on scheduler
 * threads; implementations must not block.
 */
public interface EnrollmentListener {

    /** A (new) code to show: the first one, or one replacing an expired/declined/revoked one. */
    default void codeShown(DeviceCodePrompt prompt) {
    }

    /** The person declined the sign-in; a new code is requested only when asked for. */
    default void declined(String reason) {
    }

    /** Sign-in finished. */
    default void enrolled(Account account) {
    }

    /** A transient problem (network, 429, 5xx): the same code stays valid and is retried after {@code delay}. */
    default void retrying(String reason, Duration delay) {
    }

    /** Enrollment stopped: the failure names the config key to fix. */
    default void failed(EnrollmentFailure failure) {
    }
}
