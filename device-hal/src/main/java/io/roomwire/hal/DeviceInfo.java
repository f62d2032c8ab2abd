package io.roomwire.hal;

import java.util.Map;

/**
 * Identity and security state of the device, as MDM and the status API report it.
 *
 * <p>A fact the hardware layer could not read is {@link #UNKNOWN} (strings) or the answer that
 * fails compliance (booleans: not encrypted, no Secure Boot, debug on), and {@link #unknownReasons()}
 * says why.
 */
public interface DeviceInfo {

    /** The value of a string fact that could not be read. */
    String UNKNOWN = "unknown";

    String serialNumber();

    String manufacturer();

    String model();

    String firmwareVersion();

    String hardwareVersion();

    /** Primary network interface MAC, lower-case, colon-separated. */
    String macAddress();

    String osEdition();

    boolean storageEncrypted();

    boolean debugEnabled();

    boolean secureBoot();

    /** Each fact that could not be read (by accessor name, e.g. {@code serialNumber}), with why. */
    default Map<String, String> unknownReasons() {
        return Map.of();
    }
}
