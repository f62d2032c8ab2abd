package io.roomwire.hal.sim;

import io.roomwire.hal.DeviceInfo;

/**
 * Device facts from configuration, changeable at run time so that scenarios can "update the
 * firmware" or "turn on debug mode" and watch compliance follow.
 */
public final class SimDeviceInfo implements DeviceInfo {

    private final String serial;
    private final String model;
    private final String mac;
    private volatile String firmware;
    private volatile boolean encrypted;
    private volatile boolean debug;

    public SimDeviceInfo(String serial, String model, String firmware, String mac,
                         boolean encrypted, boolean debug) {
        this.serial = serial;
        this.model = model;
        this.firmware = firmware;
        this.mac = mac.toLowerCase(java.util.Locale.ROOT);
        this.encrypted = encrypted;
        this.debug = debug;
    }

    @Override public String serialNumber() { return serial; }
    @Override public String manufacturer() { return "Roomwire"; }
    @Override public String model() { return model; }
    @Override public String firmwareVersion() { return firmware; }
    @Override public String hardwareVersion() { return "sim-1"; }
    @Override public String macAddress() { return mac; }
    @Override public String osEdition() { return "Roomwire Linux"; }
    @Override public boolean storageEncrypted() { return encrypted; }
    @Override public boolean debugEnabled() { return debug; }
    @Override public boolean secureBoot() { return true; }

    public void setFirmwareVersion(String version) { this.firmware = version; }
    public void setStorageEncrypted(boolean value) { this.encrypted = value; }
    public void setDebugEnabled(boolean value) { this.debug = value; }
}
