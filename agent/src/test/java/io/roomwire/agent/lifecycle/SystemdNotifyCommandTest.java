package io.roomwire.agent.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real child process, with a fake systemd-notify on PATH that records what it was asked to send. */
class SystemdNotifyCommandTest {

    @TempDir
    Path dir;

    private Path fakeSystemdNotify(String body) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path exe = bin.resolve("systemd-notify");
        Files.writeString(exe, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwxr-xr-x"));
        return bin;
    }

    @Test
    void sendsEachAssignmentAsAnArgumentWithTheNotifySocketInItsEnvironment() throws IOException {
        // printf is a shell builtin: the child's PATH holds nothing but the fake.
        Path bin = fakeSystemdNotify("printf '%s|' \"$NOTIFY_SOCKET\" \"$@\" > '" + dir.resolve("sent") + "'");
        Map<String, String> env = Map.of("PATH", "/nonexistent:" + bin, "NOTIFY_SOCKET", "/run/systemd/notify");
        ServiceManagerNotifier n = ServiceManagerNotifier.fromEnvironment(env, Clock.systemUTC()).orElseThrow();
        n.onHealth(Map.of("device", io.roomwire.core.health.Health.up()));
        assertEquals("/run/systemd/notify|READY=1|STATUS=all services UP|", Files.readString(dir.resolve("sent")));
        assertTrue(n.ready());
    }

    @Test
    void aFailingSystemdNotifyIsAnErrorWithItsOutput() throws IOException {
        Path bin = fakeSystemdNotify("echo 'No such file or directory' >&2; exit 1");
        SystemdNotifyCommand cmd = SystemdNotifyCommand.onPath(Map.of("PATH", bin.toString()));
        IOException e = assertThrows(IOException.class, () -> cmd.send(List.of("WATCHDOG=1")));
        assertTrue(e.getMessage().contains("exited 1: No such file or directory"), e.getMessage());
    }

    @Test
    void missingSystemdNotifyUnderSystemdIsRefusedWithTheFix() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ServiceManagerNotifier.fromEnvironment(
                Map.of("PATH", dir.toString(), "NOTIFY_SOCKET", "/run/systemd/notify"), Clock.systemUTC()));
        assertTrue(e.getMessage().contains("systemd-notify is not on PATH") && e.getMessage().contains("install systemd"),
                e.getMessage());
    }
}
