package io.roomwire.agent;

import io.roomwire.core.health.Health;
import io.roomwire.core.health.Service;
import io.roomwire.hal.Device;
import io.roomwire.hal.PeripheralStatus;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.tinylog.Logger;

/** The hardware as a service: UP when every peripheral is OK, DEGRADED naming the ones that are not and why. */
final class DeviceService implements Service {

    private final Device device;

    DeviceService(Device device) {
        this.device = device;
    }

    @Override
    public String name() {
        return "device";
    }

    @Override
    public void start() {
        // Reading the identity proves the HAL answers; a broken HAL fails here and is retried.
        String serial = device.info().serialNumber();
        if (serial == null || serial.isBlank()) {
            throw new IllegalStateException("the hardware reports no serial number");
        }
        device.info().unknownReasons().forEach((fact, why) -> Logger.info("Device {} is unknown: {}", fact, why));
    }

    @Override
    public void stop() {
        // Nothing to release: the HAL outlives the agent's services.
    }

    @Override
    public Health health() {
        List<PeripheralStatus> bad = device.peripherals().status().stream()
                .filter(p -> p.state() != PeripheralStatus.State.OK).toList();
        if (bad.isEmpty()) {
            return Health.up();
        }
        return Health.degraded(bad.stream().map(p -> p.name() + " " + p.state().name().toLowerCase(Locale.ROOT)
                        + (p.detail().isBlank() ? "" : " (" + p.detail() + ")"))
                .collect(Collectors.joining(", ")));
    }
}
