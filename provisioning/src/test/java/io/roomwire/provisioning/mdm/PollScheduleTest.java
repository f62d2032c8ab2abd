package io.roomwire.provisioning.mdm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PollScheduleTest {

    private static final Instant T0 = Instant.parse("2026-01-05T08:00:00Z");

    @Test
    void intunePatternIsThreeMinutesThenFifteenThenEightHours() {
        PollSchedule s = PollSchedule.intune();
        assertEquals(T0.plusSeconds(180), s.nextAfter(T0, T0));
        assertEquals(T0.plusSeconds(15 * 60), s.nextAfter(T0, T0.plusSeconds(12 * 60)));
        assertEquals(T0.plusSeconds(30 * 60), s.nextAfter(T0, T0.plusSeconds(15 * 60)));
        assertEquals(T0.plus(Duration.ofMinutes(135)), s.nextAfter(T0, T0.plus(Duration.ofMinutes(130))));
        assertEquals(T0.plus(Duration.ofMinutes(135 + 480)), s.nextAfter(T0, T0.plus(Duration.ofMinutes(135))));
        assertEquals(T0.plus(Duration.ofMinutes(135 + 480 * 10)), s.nextAfter(T0, T0.plus(Duration.ofMinutes(135 + 480 * 9 + 1))));
    }

    @Test
    void finiteRemainingStageEnds() {
        PollSchedule s = new PollSchedule(0, Duration.ZERO, 0, Duration.ZERO, 2, Duration.ofHours(1));
        assertEquals(T0.plusSeconds(7200), s.nextAfter(T0, T0.plusSeconds(3600)));
        assertTrue(s.nextAfter(T0, T0.plusSeconds(7200)).isAfter(T0.plus(Duration.ofDays(1000))));
    }

    @Test
    void parsesTheConfigForm() {
        assertEquals(PollSchedule.intune(), PollSchedule.parse("5x3m, 8x15m,0x8h"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PollSchedule.parse("5x3m,8x15q,0x8h"));
        assertTrue(e.getMessage().contains("'8x15q'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PollSchedule.parse("5x3m"));
        assertThrows(IllegalArgumentException.class, () -> PollSchedule.parse("0x0m,0x0m,0x0m"));
    }

    @Test
    void refusesNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new PollSchedule(-1, Duration.ofMinutes(1), 0, Duration.ZERO, 0, Duration.ofHours(1)));
        assertThrows(IllegalArgumentException.class, () -> new PollSchedule(3, Duration.ZERO, 0, Duration.ZERO, 0, Duration.ofHours(1)));
        assertThrows(IllegalArgumentException.class, () -> new PollSchedule(0, Duration.ZERO, 0, Duration.ZERO, 0, Duration.ZERO));
    }

    @Test
    void comparesFirmwareVersionsNumerically() {
        assertTrue(ComplianceEvaluator.compareVersions("1.2", "1.4") < 0);
        assertTrue(ComplianceEvaluator.compareVersions("1.10", "1.9") > 0);
        assertEquals(0, ComplianceEvaluator.compareVersions("1.4", "1.4.0"));
        assertTrue(ComplianceEvaluator.compareVersions("2.0-rc1", "2.0") > 0);
    }
}
