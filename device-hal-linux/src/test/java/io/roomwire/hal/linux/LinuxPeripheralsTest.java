package io.roomwire.hal.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.Camera;
import io.roomwire.hal.Device;
import io.roomwire.hal.PeripheralStatus;
import io.roomwire.hal.PeripheralStatus.State;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinuxPeripheralsTest {

    @TempDir
    Path dir;

    private final VirtualScheduler scheduler = new VirtualScheduler();
    private final List<DeviceEvent> events = new CopyOnWriteArrayList<>();

    private Device device(Path root) {
        return LinuxDevice.create(root, scheduler, events::add, new LinuxDevice.Options(Duration.ofSeconds(5), true, false));
    }

    private static Map<String, PeripheralStatus> byName(Device d) {
        return d.peripherals().status().stream().collect(Collectors.toMap(PeripheralStatus::name, p -> p));
    }

    @Test
    void theRoomPcHasItsUsbCameraSpeakerphoneHdmiDisplayAndTemperature() {
        Device d = device(HostTrees.ROOM_PC);
        Map<String, PeripheralStatus> p = byName(d);
        assertEquals(new PeripheralStatus("camera", "camera", State.OK,
                "Logitech BRIO (video0, uvcvideo, USB 046d:085e, capture)"), p.get("camera"), "video1 is BRIO's metadata node");
        assertEquals("Logitech BRIO (card 1, USB-Audio, capture); Jabra SPEAK 510 USB (card 2, USB-Audio, capture, playback)",
                p.get("microphone").detail());
        assertEquals("HDA Intel PCH (card 0, HDA-Intel, playback); Jabra SPEAK 510 USB (card 2, USB-Audio, capture, playback)",
                p.get("speaker").detail());
        assertEquals(new PeripheralStatus("display", "display", State.OK, "DELL P2422H (HDMI-A-1, DEL)"), p.get("display"));
        assertEquals(new PeripheralStatus("temperature", "temperature", State.OK,
                "52.0 °C (x86_pkg_temp, thermal_zone1; warns at 85.0 °C)"), p.get("temperature"), "a 0 trip point is unset");
        assertEquals("Logitech BRIO (046d:085e, bus port 3-1, 5000 Mbit/s)", p.get("usb 3-1").detail());
        assertEquals("GN Netcom A/S Jabra SPEAK 510 USB (0b0e:0422, bus port 3-2, 12 Mbit/s)", p.get("usb 3-2").detail());
        assertFalse(p.containsKey("usb 3-3"), "hubs are not peripherals");
        assertEquals(7, p.size(), p.toString());
        assertTrue(d.camera().healthy());
    }

    @Test
    void theArmBoardsCodecNodesAreNotCamerasAndItHasNoMicrophone() {
        Device d = device(HostTrees.ARM_BOARD);
        Map<String, PeripheralStatus> p = byName(d);
        assertEquals(new PeripheralStatus("camera", "camera", State.ABSENT, "no capture device in /sys/class/video4linux"
                + " (video10 (capture,video_output), video11 (no capture or output), video19 (video_output))"), p.get("camera"));
        assertEquals(new PeripheralStatus("microphone", "audio-in", State.ABSENT,
                "no sound card can capture (2 card(s), playback only)"), p.get("microphone"));
        assertEquals(State.OK, p.get("speaker").state());
        assertEquals("HP E24 G4 (HDMI-A-1, HWP)", p.get("display").detail());
        assertEquals(new PeripheralStatus("temperature", "temperature", State.WARNING,
                "81.5 °C (cpu-thermal, thermal_zone0; warns at 80.0 °C, critical at 110.0 °C)"), p.get("temperature"));
        assertEquals("Logitech USB Receiver (046d:c52b, bus port 1-1.3, 12 Mbit/s)", p.get("usb 1-1.3").detail());
        assertFalse(d.camera().healthy());
    }

    @Test
    void unpluggingAndReplugTheCameraIsReportedAsEventsOnThePoll() {
        Path root = HostTrees.copy(HostTrees.ROOM_PC, dir);
        Device d = device(root);
        assertEquals(List.of(), events, "the first look is the baseline, not a hot-plug");
        HostTrees.delete(root, "/sys/class/video4linux/video0");
        HostTrees.delete(root, "/sys/class/video4linux/video1");
        HostTrees.delete(root, "/sys/bus/usb/devices/3-1");
        HostTrees.write(root, "/sys/class/drm/card0-HDMI-A-1/status", "disconnected\n");
        scheduler.advance(Duration.ofSeconds(4));
        assertEquals(List.of(), events, "nothing is read before the poll interval");
        assertTrue(d.camera().healthy());
        scheduler.advance(Duration.ofSeconds(1));
        assertEquals(List.of("peripheral.removed camera video0 Logitech BRIO", "peripheral.removed display card0-HDMI-A-1 DELL P2422H",
                "peripheral.removed usb 3-1 Logitech BRIO"), summary());
        assertFalse(d.camera().healthy());
        assertEquals(new PeripheralStatus("camera", "camera", State.ABSENT, "no video device in /sys/class/video4linux"),
                byName(d).get("camera"));
        assertEquals("no display connected (card0-DP-1 disconnected, card0-HDMI-A-1 disconnected)",
                byName(d).get("display").detail());

        events.clear();
        HostTrees.copy(HostTrees.ROOM_PC.resolve("sys/class/video4linux"), root.resolve("sys/class/video4linux"));
        scheduler.advance(Duration.ofSeconds(5));
        assertEquals(List.of("peripheral.added camera video0 Logitech BRIO"), summary());
        assertEquals("Logitech BRIO (video0, uvcvideo, USB 046d:085e, capture)", events.get(0).attributes().get("detail"));
        assertEquals(scheduler.now(), events.get(0).time());
        assertTrue(d.camera().healthy());
    }

    @Test
    void anEmptyRootHasNoPeripheralsAndSaysWhy() {
        Device d = device(dir);
        Map<String, PeripheralStatus> p = byName(d);
        assertEquals("/sys/class/video4linux is missing: no camera driver has registered a video device",
                p.get("camera").detail());
        assertEquals("/proc/asound/cards is missing: no ALSA sound driver is loaded", p.get("microphone").detail());
        assertEquals("/proc/asound/cards is missing: no ALSA sound driver is loaded", p.get("speaker").detail());
        assertEquals("/sys/class/drm is missing: no graphics (DRM) driver is loaded", p.get("display").detail());
        assertEquals(List.of("camera", "microphone", "speaker", "display"),
                d.peripherals().status().stream().map(PeripheralStatus::name).toList());
        assertTrue(d.peripherals().status().stream().allMatch(s -> s.state() == State.ABSENT));
        LinuxPeripherals lp = (LinuxPeripherals) d.peripherals();
        assertEquals("/sys/class/thermal is missing", lp.absentReasons().get("temperature"));
        assertEquals("/sys/bus/usb/devices is missing: no USB controller", lp.absentReasons().get("usb"));
    }

    @Test
    void garbageInSysfsIsAReasonNotACrash() {
        Path root = HostTrees.copy(HostTrees.ROOM_PC, dir);
        byte[] edid = new byte[128];
        System.arraycopy(new byte[] {0, -1, -1, -1, -1, -1, -1, 0}, 0, edid, 0, 8);
        edid[127] = 7;
        HostTrees.write(root, "/sys/class/drm/card0-HDMI-A-1/edid", edid);
        HostTrees.write(root, "/sys/class/thermal/thermal_zone1/temp", "hot\n");
        HostTrees.write(root, "/sys/class/thermal/thermal_zone0/temp", "\0\0\0");
        HostTrees.write(root, "/proc/asound/cards", "--- no soundcards ---\n");
        HostTrees.write(root, "/sys/class/video4linux/video0/dev", "garbage\n");
        HostTrees.write(root, "/sys/bus/usb/devices/3-2/idVendor", "zzzz\n");
        Map<String, PeripheralStatus> p = byName(device(root));
        assertEquals("HDMI-A-1 display (HDMI-A-1, EDID base block checksum is wrong)", p.get("display").detail());
        assertEquals(State.OK, p.get("display").state(), "a connected display with a bad EDID still shows the room");
        assertEquals("no sound card in /proc/asound/cards", p.get("microphone").detail());
        assertFalse(p.containsKey("temperature"));
        assertEquals("Logitech BRIO (video0, uvcvideo, USB 046d:085e, capture (assumed from index 0; no udev data))",
                p.get("camera").detail());
        assertEquals("GN Netcom A/S Jabra SPEAK 510 USB (ids unreadable, bus port 3-2, 12 Mbit/s)", p.get("usb 3-2").detail());
    }

    @Test
    void aFixedCameraHasOneViewAndRefusesToMoveWithTheReason() {
        Camera c = device(HostTrees.ROOM_PC).camera();
        assertEquals(1, c.presets().size());
        c.recallPreset(1);
        assertThrows(IllegalArgumentException.class, () -> c.recallPreset(2));
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> c.moveTo(new Camera.Position(0.5, 0, 0)));
        assertTrue(e.getMessage().contains("Logitech BRIO (video0)"), e.getMessage());
        assertEquals(new Camera.Position(0, 0, 0), c.position());
    }

    @Test
    void theEdidMonitorNameAndMakerAreParsedFromTheDescriptors() throws Exception {
        byte[] b = java.nio.file.Files.readAllBytes(HostTrees.ROOM_PC.resolve("sys/class/drm/card0-HDMI-A-1/edid"));
        Edid e = Edid.parse(b);
        assertEquals("DEL", e.manufacturer());
        assertEquals("DELL P2422H", e.monitorName().orElseThrow());
        assertEquals("CN0ABC123", e.serialText().orElseThrow());
        assertEquals("EDID is 5 bytes, shorter than the 128-byte base block",
                assertThrows(IllegalArgumentException.class, () -> Edid.parse(new byte[5])).getMessage());
        b[0] = 1;
        assertEquals("EDID has no 00 FF FF FF FF FF FF 00 header",
                assertThrows(IllegalArgumentException.class, () -> Edid.parse(b)).getMessage());
    }

    private List<String> summary() {
        List<String> s = new ArrayList<>();
        for (DeviceEvent e : events) {
            s.add(e.type() + " " + e.attributes().get("kind") + " " + e.attributes().get("id") + " " + e.attributes().get("name"));
        }
        return s;
    }
}
