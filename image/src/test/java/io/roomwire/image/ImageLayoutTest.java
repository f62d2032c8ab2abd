package io.roomwire.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.agent.config.AgentSettings;
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
        for (String line : new String[] {"User=roomwire", "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes"}) {
            assertTrue(unit.lines().anyMatch(line::equals), "missing " + line);
        }
    }

    @Test
    void jvmFlagsAreTheMeasuredSmallFootprintSet() {
        assertTrue(ImageLayout.jvmFlags().contains("-XX:+UseSerialGC"));
        assertTrue(ImageLayout.jvmFlags().contains("-XX:TieredStopAtLevel=1"));
        assertTrue(ImageLayout.jvmFlags().stream().allMatch(f -> f.startsWith("-")));
        assertTrue(ImageLayout.launcher().contains("io.roomwire.agent.Main"));
    }
}
