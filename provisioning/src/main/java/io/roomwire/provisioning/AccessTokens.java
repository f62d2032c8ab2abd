package io.roomwire.provisioning;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * What the rest of the agent (Graph calendar, MDM) needs from the Entra sign-in: a current
 * access token, a way to ask for a fresh one after a 401, the signed-in account, and the
 * enrollment state. Implemented by {@code io.roomwire.provisioning.entra.TokenManager}.
 */
public interface AccessTokens {

    /** The current access token, if enrolled and it has not expired. Never log it. */
    Optional<String> accessToken();

    /**
     * After the resource server answered 401: refresh now (concurrent calls share one refresh).
     * Completes with the new token, or empty when no token could be obtained (see {@link #enrollment()}).
     */
    CompletableFuture<Optional<String>> refreshAfterUnauthorized();

    /** The signed-in account, once enrolled. */
    Optional<Account> account();

    /** Current enrollment state and reason. */
    EnrollmentStatus enrollment();

    /** Called (on a scheduler thread, must not block) whenever the enrollment status changes. */
    void onEnrollmentChange(Consumer<EnrollmentStatus> listener);
}
