package io.roomwire.updater;

/** What a bundle must match: the device's model and architecture, and the version it runs. */
public record DeviceIdentity(String model, String arch, String version) { }
