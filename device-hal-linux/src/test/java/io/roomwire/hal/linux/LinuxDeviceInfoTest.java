package io.roomwire.hal.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.hal.DeviceInfo;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinuxDeviceInfoTest {

    @TempDir
    Path dir;

    private static LinuxDeviceInfo info(Path root) {
        return new LinuxDeviceInfo(new HostFiles(root), true, false);
    }

    @Test
    void readsTheRoomPcFromSmbiosOsReleaseAndSysfs() {
        LinuxDeviceInfo i = info(HostTrees.ROOM_PC);
        assertEquals("G6WS2340012A", i.serialNumber());
        assertEquals("Intel(R) Client Systems", i.manufacturer());
        assertEquals("NUC12WSKi5", i.model());
        assertEquals("M46425-302", i.hardwareVersion());
        assertEquals("2.3.1", i.firmwareVersion(), "IMAGE_VERSION is the room image's version");
        assertEquals("Roomwire OS 2.3.1 (Debian 12 \"bookworm\")", i.osEdition());
        assertEquals("48:21:0b:5a:3c:7e", i.macAddress(), "the default route's interface, lower-case");
        assertEquals("12th Gen Intel(R) Core(TM) i5-1240P x4", i.cpu());
        assertTrue(i.storageEncrypted(), i.facts().toString());
        assertTrue(i.facts().get("storageEncrypted").note().contains("dm-0 (nvme0n1p3_crypt)"), i.facts().toString());
        assertTrue(i.secureBoot());
        assertFalse(i.debugEnabled(), i.facts().get("debugEnabled").note());
        assertEquals(Map.of(), i.unknownReasons());
    }

    @Test
    void readsTheArmBoardFromTheDeviceTreeAndCpuinfo() {
        LinuxDeviceInfo i = info(HostTrees.ARM_BOARD);
        assertEquals("10000000a1b2c3d4", i.serialNumber());
        assertEquals("raspberrypi", i.manufacturer());
        assertEquals("Raspberry Pi 4 Model B Rev 1.4", i.model());
        assertEquals("c03114", i.hardwareVersion(), "the board revision code from /proc/cpuinfo");
        assertEquals("12", i.firmwareVersion());
        assertEquals("Debian GNU/Linux 12 (bookworm)", i.osEdition());
        assertEquals("dc:a6:32:01:02:04", i.macAddress(), "wlan0 carries the default route");
        assertEquals("BCM2835 x4", i.cpu());
        assertFalse(i.storageEncrypted());
        assertEquals("root filesystem ext4 on mmcblk0p2, no dm-crypt layer", i.facts().get("storageEncrypted").note());
        assertFalse(i.secureBoot());
        assertTrue(i.facts().get("secureBoot").note().contains("without UEFI"));
        assertTrue(i.debugEnabled());
        assertEquals("SSH server enabled (ssh.service); SSH server running (pid 612)", i.facts().get("debugEnabled").note());
        assertEquals(Map.of(), i.unknownReasons());
    }

    @Test
    void sshCountsAsDebugOnlyWhenTheOwnerSaysSo() {
        LinuxDeviceInfo i = new LinuxDeviceInfo(new HostFiles(HostTrees.ARM_BOARD), false, false);
        assertFalse(i.debugEnabled(), i.facts().get("debugEnabled").note());
        assertTrue(new LinuxDeviceInfo(new HostFiles(HostTrees.ROOM_PC), true, true).debugEnabled());
    }

    @Test
    void debugKernelArgumentsAndTheDebugShellCountAsDebug() {
        Path root = HostTrees.copy(HostTrees.ROOM_PC, dir);
        HostTrees.write(root, "/proc/cmdline", "BOOT_IMAGE=/vmlinuz root=/dev/mapper/vg-root ro init=/bin/sh -- single\n");
        HostTrees.write(root, "/etc/systemd/system/sysinit.target.wants/debug-shell.service", "");
        LinuxDeviceInfo i = info(root);
        assertTrue(i.debugEnabled());
        assertEquals("kernel command line has init=/bin/sh; debug-shell.service is enabled (root shell on tty9)",
                i.facts().get("debugEnabled").note(), "arguments after -- belong to init");
    }

    @Test
    void postureIsReadAgainOnRefresh() {
        Path root = HostTrees.copy(HostTrees.ROOM_PC, dir);
        LinuxDeviceInfo i = info(root);
        assertTrue(i.secureBoot());
        HostTrees.write(root, LinuxDeviceInfo.SECURE_BOOT_VAR, new byte[] {6, 0, 0, 0, 0});
        HostTrees.write(root, "/proc/cmdline", "root=/dev/mapper/vg-root rd.break\n");
        i.refresh();
        assertFalse(i.secureBoot());
        assertTrue(i.debugEnabled());
    }

    @Test
    void anEmptyRootIsUnknownWithReasonsAndFailsClosed() {
        LinuxDeviceInfo i = info(dir);
        for (String s : new String[] {i.serialNumber(), i.manufacturer(), i.model(), i.hardwareVersion(),
            i.firmwareVersion(), i.osEdition(), i.macAddress()}) {
            assertEquals(DeviceInfo.UNKNOWN, s);
        }
        Map<String, String> why = i.unknownReasons();
        assertTrue(why.get("serialNumber").contains("/etc/machine-id is missing"), why.toString());
        assertTrue(why.get("model").startsWith("no SMBIOS tables"), why.toString());
        assertEquals("neither /etc/os-release nor /usr/lib/os-release could be read", why.get("osEdition"));
        assertEquals("/sys/class/net is missing", why.get("macAddress"));
        assertEquals("/proc/self/mountinfo is missing", why.get("storageEncrypted"));
        assertEquals("/proc/cmdline is missing", why.get("debugEnabled"));
        assertFalse(i.storageEncrypted());
        assertTrue(i.debugEnabled(), "unreadable debug state counts as debug on");
        assertFalse(i.secureBoot());
    }

    @Test
    void placeholdersAndGarbageAreUnknownNotValues() {
        Path root = HostTrees.copy(HostTrees.ROOM_PC, dir);
        HostTrees.write(root, "/sys/class/dmi/id/product_serial", "To Be Filled By O.E.M.\n");
        HostTrees.write(root, "/sys/class/dmi/id/board_serial", "00000000\n");
        HostTrees.write(root, "/sys/class/dmi/id/sys_vendor", new byte[] {(byte) 0xFF, (byte) 0xFE, 1, 2, 3});
        HostTrees.write(root, "/sys/class/dmi/id/board_vendor", "\n");
        HostTrees.write(root, "/sys/class/net/enp86s0/address", "not-a-mac\n");
        HostTrees.write(root, LinuxDeviceInfo.SECURE_BOOT_VAR, new byte[] {6, 0, 0});
        HostTrees.write(root, "/proc/self/mountinfo", "garbage without fields\n");
        LinuxDeviceInfo i = info(root);
        assertTrue(i.serialNumber().matches("LNX-[0-9A-F]{16}"), i.serialNumber());
        assertTrue(i.facts().get("serialNumber").note().contains("placeholder 'To Be Filled By O.E.M.'"),
                i.facts().get("serialNumber").note());
        assertEquals(DeviceInfo.UNKNOWN, i.manufacturer());
        assertEquals("/sys/class/dmi/id/sys_vendor holds no readable text; /sys/class/dmi/id/board_vendor is empty;"
                + " /proc/device-tree/compatible is missing",
                i.unknownReasons().get("manufacturer"));
        assertEquals("8c:c6:81:aa:bb:cc", i.macAddress(), "the next hardware interface");
        assertFalse(i.secureBoot());
        assertTrue(i.unknownReasons().get("secureBoot").contains("is 3 bytes"));
        assertEquals("/proc/self/mountinfo has no root filesystem", i.unknownReasons().get("storageEncrypted"));
    }

    @Test
    void theDerivedSerialIsStableAndDoesNotRevealTheMachineId() throws Exception {
        Path root = HostTrees.copy(HostTrees.ROOM_PC, dir);
        HostTrees.delete(root, "/sys/class/dmi/id/product_serial");
        HostTrees.delete(root, "/sys/class/dmi/id/board_serial");
        String a = info(root).serialNumber();
        assertEquals(a, info(root).serialNumber());
        String machineId = Files.readString(root.resolve("etc/machine-id")).strip();
        assertFalse(a.toLowerCase().contains(machineId.substring(0, 8)), a);
        HostTrees.write(root, "/etc/machine-id", "0123456789abcdef0123456789abcdee\n");
        assertFalse(a.equals(info(root).serialNumber()));
    }

    @Test
    void permissionDeniedIsAReasonAsANonRootAgentMeetsIt() {
        // product_serial is 0400 root on real machines; the agent runs as its own user
        HostFiles files = new HostFiles(HostTrees.ROOM_PC, p -> {
            if (p.toString().contains("dmi") && p.getFileName().toString().endsWith("_serial")
                    || p.getFileName().toString().equals("cmdline")) {
                throw new AccessDeniedException(p.toString());
            }
            return Files.newInputStream(p);
        });
        LinuxDeviceInfo i = new LinuxDeviceInfo(files, true, false);
        assertTrue(i.serialNumber().startsWith("LNX-"));
        assertTrue(i.facts().get("serialNumber").note()
                .contains("/sys/class/dmi/id/product_serial is not readable (permission denied)"));
        assertEquals("/proc/cmdline is not readable (permission denied)", i.unknownReasons().get("debugEnabled"));
        assertTrue(i.debugEnabled());
    }

    @Test
    void aRootFilesystemWithoutBlockDeviceIsUnknown() {
        Path root = HostTrees.copy(HostTrees.ROOM_PC, dir);
        HostTrees.write(root, "/proc/self/mountinfo", "40 1 0:34 / / rw - overlay overlay rw,lowerdir=/a\n");
        LinuxDeviceInfo i = info(root);
        assertFalse(i.storageEncrypted());
        assertEquals("the root filesystem is overlay on no block device", i.unknownReasons().get("storageEncrypted"));
    }

    @Test
    void aLongKernelCommandLineIsStillRead() {
        // a firecracker VM's command line is over 600 characters; sysfs values are short
        Path root = HostTrees.copy(HostTrees.ROOM_PC, dir);
        HostTrees.write(root, "/proc/cmdline", "console=ttyS0 " + "x=y ".repeat(200) + "systemd.debug_shell -- --init-flag\n");
        LinuxDeviceInfo i = info(root);
        assertTrue(i.debugEnabled());
        assertEquals("kernel command line has systemd.debug_shell", i.facts().get("debugEnabled").note());
    }
}
