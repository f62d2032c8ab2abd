package io.roomwire.hal.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.Device;
import io.roomwire.hal.DeviceInfo;
import io.roomwire.hal.PeripheralStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Reads this machine's real /proc and /sys: whatever it is, every fact is a value or a reason. */
class LinuxHostSmokeTest {

    @Test
    void readsThisMachineWithoutCrashingAndExplainsEveryGap() {
        VirtualScheduler scheduler = new VirtualScheduler();
        List<DeviceEvent> events = new CopyOnWriteArrayList<>();
        Device d = LinuxDevice.create(Path.of("/"), scheduler, events::add, LinuxDevice.Options.defaults());
        LinuxDeviceInfo info = (LinuxDeviceInfo) d.info();
        StringBuilder report = new StringBuilder("This machine as the Linux hardware layer reads it:\n");
        info.facts().forEach((k, f) -> report.append(String.format("  %-16s %s  [%s]%n", k, f.value(), f.note())));
        for (PeripheralStatus p : d.peripherals().status()) {
            report.append(String.format("  %-16s %s  %s%n", p.name(), p.state(), p.detail()));
        }
        ((LinuxPeripherals) d.peripherals()).absentReasons()
                .forEach((k, why) -> report.append(String.format("  %-16s none: %s%n", k, why)));
        System.out.print(report);

        info.facts().forEach((k, f) -> assertFalse(f.note().isBlank(), k + " has no source or reason"));
        assertTrue(info.facts().get("osEdition").known(), report.toString());
        assertTrue(info.facts().get("firmwareVersion").known(), report.toString());
        assertTrue(info.facts().get("cpu").known(), report.toString());
        assertTrue(info.serialNumber().equals(DeviceInfo.UNKNOWN) || info.serialNumber().matches("[\\x21-\\x7e]{1,64}"));
        assertTrue(info.macAddress().equals(DeviceInfo.UNKNOWN) || info.macAddress().matches("([0-9a-f]{2}:){5}[0-9a-f]{2}"));
        assertEquals(List.of("camera", "microphone", "speaker", "display"),
                d.peripherals().status().stream().map(PeripheralStatus::name).limit(4).toList());
        for (PeripheralStatus p : d.peripherals().status()) {
            assertFalse(p.detail().isBlank(), p.name() + " has no detail");
        }
        assertEquals(d.camera().healthy(), d.peripherals().status().get(0).state() == PeripheralStatus.State.OK);
        scheduler.advance(Duration.ofSeconds(5));
        assertEquals(List.of(), events, "nothing was plugged in between two looks a moment apart: " + events);
    }
}
