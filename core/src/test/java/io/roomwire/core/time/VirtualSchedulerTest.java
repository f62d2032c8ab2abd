package io.roomwire.core.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class VirtualSchedulerTest {

    private final VirtualScheduler s = new VirtualScheduler(Instant.parse("2026-03-01T10:00:00Z"));

    @Test
    void runsTasksInTimeOrderWithTheClockAtEachTasksTime() {
        List<String> seen = new ArrayList<>();
        s.schedule(Duration.ofSeconds(3), () -> seen.add("c@" + s.now()));
        s.schedule(Duration.ofSeconds(1), () -> seen.add("a@" + s.now()));
        s.schedule(Duration.ofSeconds(2), () -> seen.add("b@" + s.now()));
        s.advance(Duration.ofSeconds(2));
        assertEquals(List.of("a@2026-03-01T10:00:01Z", "b@2026-03-01T10:00:02Z"), seen);
        s.advance(Duration.ofSeconds(10));
        assertEquals("c@2026-03-01T10:00:03Z", seen.get(2));
        assertEquals(Instant.parse("2026-03-01T10:00:12Z"), s.now());
    }

    @Test
    void tasksDueAtTheSameInstantRunInSubmissionOrder() {
        List<Integer> seen = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int n = i;
            s.schedule(Duration.ofSeconds(1), () -> seen.add(n));
        }
        s.advance(Duration.ofSeconds(1));
        assertEquals(List.of(0, 1, 2, 3, 4), seen);
    }

    @Test
    void periodicTaskRunsOncePerPeriodUntilCancelled() {
        List<Instant> runs = new ArrayList<>();
        Scheduler.Cancellable c = s.scheduleAtFixedRate(Duration.ofSeconds(5), Duration.ofSeconds(10), () -> runs.add(s.now()));
        s.advance(Duration.ofSeconds(35));
        assertEquals(4, runs.size());
        assertEquals(Instant.parse("2026-03-01T10:00:35Z"), runs.get(3));
        assertTrue(c.cancel());
        s.advance(Duration.ofMinutes(5));
        assertEquals(4, runs.size());
        assertTrue(c.isDone());
    }

    @Test
    void taskScheduledByATaskRunsInTheSameAdvanceWhenDue() {
        List<String> seen = new ArrayList<>();
        s.schedule(Duration.ofSeconds(1), () -> {
            seen.add("first");
            s.schedule(Duration.ofSeconds(1), () -> seen.add("second@" + s.now()));
        });
        s.advance(Duration.ofSeconds(5));
        assertEquals(List.of("first", "second@2026-03-01T10:00:02Z"), seen);
    }

    @Test
    void cancelledTaskNeverRunsAndCancelReportsWhetherItWasPending() {
        List<String> seen = new ArrayList<>();
        Scheduler.Cancellable c = s.schedule(Duration.ofSeconds(1), () -> seen.add("x"));
        assertEquals(1, s.pending());
        assertTrue(c.cancel());
        assertFalse(c.cancel());
        s.advance(Duration.ofSeconds(2));
        assertTrue(seen.isEmpty());
        assertEquals(0, s.pending());
    }

    @Test
    void timeNeverMovesBackwards() {
        s.advance(Duration.ofSeconds(10));
        s.advanceTo(Instant.parse("2026-03-01T09:00:00Z"));
        assertEquals(Instant.parse("2026-03-01T10:00:10Z"), s.now());
    }
}
