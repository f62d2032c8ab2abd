package io.roomwire.hal;

/** Identity and security state of the device, as MDM and the status API report it. */
public interface DeviceInfo {

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
}
