package io.roomwire.provisioning.mdm;

import java.time.Duration;
import java.util.Optional;

/**
 * The compliance settings the MDM gave this device (nodes under {@code ./Vendor/Roomwire/Policy}).
 * An empty optional or {@code false} means "not enforced".
 */
public record CompliancePolicy(Optional<String> minimumFirmware, boolean requireEncryption, boolean blockDebugMode,
                               Optional<Duration> maxCalendarStaleness) {

    /** Node names under {@code ./Vendor/Roomwire/Policy}; also the {@code setting} of a violation. */
    public static final String MINIMUM_FIRMWARE = "MinimumFirmware";
    public static final String REQUIRE_ENCRYPTION = "RequireEncryption";
    public static final String BLOCK_DEBUG_MODE = "BlockDebugMode";
    public static final String MAX_CALENDAR_STALENESS = "MaxCalendarStalenessMinutes";

    public static CompliancePolicy none() {
        return new CompliancePolicy(Optional.empty(), false, false, Optional.empty());
    }
}
