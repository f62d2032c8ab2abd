package io.roomwire.hal;

import java.util.Objects;

/** Everything the agent needs from the hardware, bundled. */
public record Device(DeviceInfo info, Camera camera, Codec codec, TouchPanel panel, Peripherals peripherals) {
    public Device {
        Objects.requireNonNull(info, "info");
        Objects.requireNonNull(camera, "camera");
        Objects.requireNonNull(codec, "codec");
        Objects.requireNonNull(panel, "panel");
        Objects.requireNonNull(peripherals, "peripherals");
    }
}
