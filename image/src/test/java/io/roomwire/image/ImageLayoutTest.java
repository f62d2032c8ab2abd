package io.roomwire.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.agent.config.AgentSettings;
import io.roomwire.agent.lifecycle.ServiceManagerNotifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The shipped unit, launcher and flags agree with the agent's own defaults. */
class ImageLayoutTest {

    private final String unit = ImageLayout.systemdUnit();

    @Test
    void unitRunsTheLauncherWithTheShippedConfig() {
        assertTrue(unit.contains("ExecStart=" + ImageLayout.LAUNCHER + " run --config " + ImageLayout.CONFIG), unit);
    }

    @Test
    void systemdGivesTheAgentMoreTimeToStopThanTheAgentTakes() {
        Matcher m = Pattern.compile("TimeoutStopSec=(\\d+)").matcher(unit);
        assertTrue(m.find());
        Duration systemd = Duration.ofSeconds(Long.parseLong(m.group(1)));
        Duration agent = AgentSettings.STOP_TIMEOUT.defaultValue().orElseThrow();
        assertTrue(systemd.compareTo(agent) > 0, "TimeoutStopSec " + systemd + " must exceed agent.stop-timeout " + agent);
    }

    @Test
    void stateDirectoryIsTheAgentsDefaultAndPrivate() {
        assertEquals(Path.of(ImageLayout.STATE), AgentSettings.STATE_DIR.defaultValue().orElseThrow());
        assertTrue(unit.contains("StateDirectory=roomwire") && unit.contains("StateDirectoryMode=0700"));
        assertTrue(unit.contains("UMask=0077"), "files the agent creates are private by default");
    }

    @Test
    void unitIsHardenedAndRunsUnprivileged() {
        for (String line : new String[] {"User=roomwire", "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes",
                "PrivateTmp=yes", "CapabilityBoundingSet=", "SystemCallFilter=@system-service", "SupplementaryGroups=video audio",
                "ReadWritePaths=/etc/roomwire"}) {
            assertTrue(unit.lines().anyMatch(line::equals), "missing " + line);
        }
        assertTrue(unit.lines().anyMatch(l -> l.startsWith("RestrictAddressFamilies=")), "RestrictAddressFamilies");
        assertTrue(unit.lines().anyMatch(l -> l.startsWith("MemoryMax=")), "MemoryMax");
    }

    @Test
    void unitWaitsForReadinessLongerThanTheAgentTakesToDeclareIt() {
        assertTrue(unit.lines().anyMatch("Type=notify"::equals) && unit.lines().anyMatch("NotifyAccess=all"::equals),
                "the agent's child systemd-notify sends READY=1 and WATCHDOG=1");
        Duration startTimeout = Duration.ofSeconds(seconds("TimeoutStartSec"));
        assertTrue(startTimeout.compareTo(ServiceManagerNotifier.READY_TIMEOUT) > 0,
                "TimeoutStartSec " + startTimeout + " must exceed the agent's ready timeout " + ServiceManagerNotifier.READY_TIMEOUT);
        assertTrue(seconds("WatchdogSec") >= 10, "the health loop pings at half the watchdog timeout");
    }

    @Test
    void unitRestartsOnFailureAndOnARequestedRestart() {
        assertTrue(unit.lines().anyMatch("Restart=on-failure"::equals));
        String status = Integer.toString(ServiceManagerNotifier.RESTART_EXIT_STATUS);
        assertTrue(unit.lines().anyMatch(("RestartForceExitStatus=" + status)::equals), "device.reboot exits " + status);
    }

    @Test
    void launcherRunsTheBundledRuntimeWithTheConffileFlags() {
        String launcher = ImageLayout.launcher();
        assertTrue(launcher.contains("BUILD_DIR=" + ImageLayout.HOME), launcher);
        assertTrue(launcher.contains(ImageLayout.JVM_OPTIONS), launcher);
        assertTrue(launcher.contains("JAVA=\"$SLOT_DIR/runtime/bin/java\""), launcher);
        assertTrue(launcher.lines().noneMatch(l -> l.matches(".*JAVA=java.*")), "no fallback to whatever java is on PATH");
    }

    @Test
    void launcherAppendsTheWebRtcPackagesJarsWhenPresent() {
        // After the agent's jars: the CDS archive accepts only a class path that starts with the one it was made with.
        assertTrue(ImageLayout.launcher().contains("elif [ -d \"$BUILD_DIR/webrtc\" ]; then\n    CLASSPATH=\"$CLASSPATH:$BUILD_DIR/webrtc/*\""),
                ImageLayout.launcher());
        assertTrue(ImageLayout.WEBRTC.equals(ImageLayout.HOME + "/webrtc"));
    }

    @Test
    void updatesWriteUnderTheStateDirectoryThatTheUnitLeavesWritable() {
        String launcher = ImageLayout.launcher();
        assertTrue(launcher.contains("HOME_DIR=" + ImageLayout.UPDATE_HOME), launcher);
        assertTrue(ImageLayout.UPDATE_HOME.startsWith(ImageLayout.STATE + "/"), "StateDirectory= makes it writable under ProtectSystem=strict");
        assertEquals(Path.of(ImageLayout.UPDATE_HOME), io.roomwire.agent.update.AgentUpdates.defaultHome(), "the agent's default prefix");
        assertTrue(unit.lines().anyMatch("ProtectSystem=strict"::equals) && unit.lines().anyMatch("StateDirectory=roomwire"::equals));
    }

    private long seconds(String key) {
        Matcher m = Pattern.compile("(?m)^" + key + "=(\\d+)$").matcher(unit);
        assertTrue(m.find(), key + " missing");
        return Long.parseLong(m.group(1));
    }

    @Test
    void jvmFlagsAreTheMeasuredSmallFootprintSet() {
        assertTrue(ImageLayout.jvmFlags().contains("-XX:+UseSerialGC"));
        assertTrue(ImageLayout.jvmFlags().contains("-XX:TieredStopAtLevel=1"));
        assertTrue(ImageLayout.jvmFlags().stream().allMatch(f -> f.startsWith("-")));
        assertTrue(ImageLayout.launcher().contains("io.roomwire.agent.Main"));
    }
}
