package io.roomwire.image.installed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The package installed in the Debian 12 root, booted with systemd under qemu (QemuBoot): the unit
 * becomes active (the agent's READY=1 with its hardening in force) and is restarted after SIGKILL.
 * Minutes of emulation without KVM (figures in docs/ARCHITECTURE.md), so the boot runs only with
 * {@code -Droomwire.qemu=true}; every build checks the guest it would boot (the check unit and the
 * drop-in verified by systemd-analyze in the root, the script parsed by sh), so the boot cannot rot unseen.
 */
class QemuBootIT {

    private static final Duration SHORT = Duration.ofMinutes(2);

    @Test
    void theGuestsCheckUnitAndScriptAreValid() throws Exception {
        try (DebianRoot root = DebianRoot.create(Path.of(System.getProperty("java.io.tmpdir")))) {
            QemuBoot.installAndPrepare(root, deb());
            root.run(SHORT, "systemd-analyze", "verify", "/etc/systemd/system/" + QemuBoot.CHECK_UNIT,
                    "/lib/systemd/system/roomwire.service").ok();
            String dropIn = Files.readString(root.host("/etc/systemd/system/roomwire.service.d/qemu-slow-guest.conf"));
            assertTrue(dropIn.contains("TimeoutStartSec=20min"), dropIn);
            root.run(SHORT, "sh", "-n", "/usr/local/sbin/roomwire-qemu-check").ok();
            assertTrue(Files.isSymbolicLink(root.host("/etc/systemd/system/multi-user.target.wants/" + QemuBoot.CHECK_UNIT)));
        }
    }

    @Test
    @EnabledIfSystemProperty(named = "roomwire.qemu", matches = "true")
    void unitBecomesActiveAndIsRestartedAfterSigkill() throws Exception {
        Path deb = deb();
        Path work = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "qemu-boot"));
        QemuBoot.Result r = QemuBoot.boot(deb, work, Duration.ofMinutes(25), 2, false);
        r.marks().forEach(m -> System.out.println("[QemuBootIT] " + m));
        QemuBoot.phases(r).forEach((k, v) -> System.out.printf("[QemuBootIT] %s: %.1f s%n", k, v));
        assertTrue(r.passed(), "the guest did not report PASS:\n" + r.consoleTail());
        assertTrue(r.marks().stream().anyMatch(m -> m.text().matches("restarted at .*NRestarts=1,.*")), r.marks().toString());
        assertTrue(r.qemuExited(), "the guest did not power off:\n" + r.consoleTail());
        try {
            Files.deleteIfExists(work);
        } catch (IOException e) {
            // Left for a look: the disk image is deleted by QemuBoot either way.
        }
    }

    private static Path deb() throws IOException {
        Path dir = Path.of(System.getProperty("roomwire.deb.dir", "target"));
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> debs = s.filter(p -> p.getFileName().toString().matches("roomwire_.+_.+\\.deb")).toList();
            assertEquals(1, debs.size(), "exactly one roomwire_<version>_<arch>.deb in " + dir + ": " + debs);
            return debs.get(0);
        }
    }
}
