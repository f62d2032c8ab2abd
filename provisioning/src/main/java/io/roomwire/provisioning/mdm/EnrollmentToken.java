package io.roomwire.provisioning.mdm;

import java.util.Optional;

/**
 * Source of the Entra access token presented to the MDM enrollment service (the agent wires it to
 * the Entra token manager). Empty while the device is not signed in.
 */
@FunctionalInterface
public interface EnrollmentToken {

    Optional<String> accessToken();
}
