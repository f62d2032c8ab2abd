package io.roomwire.provisioning.mdm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.DeviceInfo;
import io.roomwire.hal.linux.LinuxDevice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Compliance of hardware whose facts could not all be read. */
class ComplianceEvaluatorTest {

    @TempDir
    Path root;

    @Test
    void anUnknownFirmwareFailsAMinimumAndUnknownPostureFailsItsRules() throws Exception {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/machine-id"), "4f0c6a8e2d3b4c5d9e8f7a6b5c4d3e2f\n");
        VirtualScheduler scheduler = new VirtualScheduler();
        DeviceInfo info = LinuxDevice.create(root, scheduler, e -> { }, LinuxDevice.Options.defaults()).info();
        assertEquals(DeviceInfo.UNKNOWN, info.firmwareVersion());
        ComplianceReport r = new ComplianceEvaluator(info, () -> Optional.of(Duration.ZERO), scheduler.clock())
                .evaluate(new CompliancePolicy(Optional.of("1.4.0"), true, true, Optional.empty()));
        assertTrue(r.reasons().contains("firmware version is unknown (neither /etc/os-release nor /usr/lib/os-release"
                + " could be read; /proc/sys/kernel/osrelease is missing)"), r.reasons());
        assertTrue(r.reasons().contains("storage is not encrypted"), r.reasons());
        assertTrue(r.reasons().contains("debug mode is enabled"), r.reasons());
        assertEquals(3, r.violations().size(), r.reasons());
    }
}
