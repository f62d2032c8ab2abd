package io.roomwire.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.device.DeviceFactory;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.health.Health;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.Device;
import io.roomwire.hal.linux.LinuxDeviceInfo;
import io.roomwire.hal.sim.SimDeviceInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** device.hal=linux: the agent's device service, status and settings over a host tree without peripherals. */
class LinuxHardwareTest {

    @TempDir
    Path root;

    private final VirtualScheduler scheduler = new VirtualScheduler();

    private Device linux(Map<String, String> more) throws Exception {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/os-release"), "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nVERSION_ID=\"12\"\n");
        Files.writeString(root.resolve("etc/machine-id"), "4f0c6a8e2d3b4c5d9e8f7a6b5c4d3e2f\n");
        Map<String, String> settings = new java.util.HashMap<>(Map.of("device.hal", "linux", "linux.root", root.toString()));
        settings.putAll(more);
        return DeviceFactory.create(Config.defaults(Map.of()).with(settings), scheduler, EventSink.none());
    }

    @Test
    void deviceHalLinuxReadsTheHostAndSimStaysTheDefault() throws Exception {
        assertTrue(linux(Map.of()).info() instanceof LinuxDeviceInfo);
        assertTrue(DeviceFactory.create(Config.defaults(Map.of()), scheduler, EventSink.none()).info()
                instanceof SimDeviceInfo);
    }

    @Test
    void noCameraDegradesTheDeviceServiceWithTheReason() throws Exception {
        DeviceService s = new DeviceService(linux(Map.of()));
        s.start();
        Health h = s.health();
        assertEquals(Health.State.DEGRADED, h.state());
        assertTrue(h.reason().startsWith("camera absent (/sys/class/video4linux is missing: no camera driver has"
                + " registered a video device), microphone absent (/proc/asound/cards is missing"), h.reason());
    }

    @Test
    void statusCarriesTheHardwareFactsAndWhySomeAreUnknown() throws Exception {
        JsonObject h = AgentRoomControl.hardware(linux(Map.of()).info());
        assertTrue(h.get("serial").getAsString().matches("LNX-[0-9A-F]{16}"), h.toString());
        assertEquals("12", h.get("firmware").getAsString());
        assertEquals("Debian GNU/Linux 12 (bookworm)", h.get("os").getAsString());
        assertEquals("unknown", h.get("model").getAsString());
        assertTrue(h.getAsJsonObject("unknown").get("model").getAsString().startsWith("no SMBIOS tables"), h.toString());
        assertEquals("/proc/cmdline is missing", h.getAsJsonObject("unknown").get("debugEnabled").getAsString());
        assertEquals(true, h.get("debug").getAsBoolean(), "an unreadable debug state is reported as on");
    }

    @Test
    void debugLoggingCountsAsDebugModeAndAZeroPollIntervalIsRefused() throws Exception {
        Files.createDirectories(root.resolve("proc"));
        Files.writeString(root.resolve("proc/cmdline"), "root=/dev/sda1 ro quiet\n");
        assertEquals(false, linux(Map.of()).info().debugEnabled());
        assertEquals(true, linux(Map.of("agent.log-level", "trace")).info().debugEnabled());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> linux(Map.of("linux.poll-interval", "0s")));
        assertEquals("linux.poll-interval must be longer than 0s (it is PT0S): set it to e.g. 5s", e.getMessage());
    }

    @Test
    void aPcWithoutSerialOrMachineIdMustBeNamedByDeviceId() throws Exception {
        linux(Map.of());
        Files.delete(root.resolve("etc/machine-id"));
        Config c = Config.defaults(Map.of()).with(Map.of("device.hal", "linux", "linux.root", root.toString()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DeviceFactory.create(c, scheduler, EventSink.none()));
        assertTrue(e.getMessage().startsWith("This PC has no readable serial number (/sys/class/dmi/id/product_serial is missing;"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("/etc/machine-id is missing): set device.id to name the room"), e.getMessage());
        Device named = DeviceFactory.create(c.with(Map.of("device.id", "room-13")), scheduler, EventSink.none());
        assertEquals("unknown", named.info().serialNumber());
    }
}
