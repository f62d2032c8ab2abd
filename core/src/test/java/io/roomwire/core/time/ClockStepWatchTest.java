package io.roomwire.core.time;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClockStepWatchTest {

    /** A virtual scheduler whose wall clock a test steps without moving monotonic time or timers. */
    static final class Stepped implements Scheduler {
        final VirtualScheduler v = new VirtualScheduler();
        Duration offset = Duration.ZERO;

        @Override
        public Clock clock() {
            return Clock.offset(v.clock(), offset);
        }

        @Override
        public long monotonicNanos() {
            return v.monotonicNanos();
        }

        @Override
        public Cancellable schedule(Duration delay, Runnable task) {
            return v.schedule(delay, task);
        }

        @Override
        public Cancellable scheduleAtFixedRate(Duration initialDelay, Duration period, Runnable task) {
            return v.scheduleAtFixedRate(initialDelay, period, task);
        }
    }

    @Test
    void reportsAStepOfTheWallClockOnceAndNotTheClockRunning() {
        Stepped s = new Stepped();
        List<Duration> steps = new ArrayList<>();
        ClockStepWatch w = new ClockStepWatch(s, steps::add);
        w.start();
        s.v.advance(Duration.ofMinutes(10));
        assertEquals(List.of(), steps, "time passing is no step");
        s.offset = Duration.ofHours(1);
        s.v.advance(ClockStepWatch.CHECK);
        s.v.advance(ClockStepWatch.CHECK.multipliedBy(3));
        assertEquals(List.of(Duration.ofHours(1)), steps);
        s.offset = Duration.ofSeconds(3600 - 1);
        s.v.advance(ClockStepWatch.CHECK);
        assertEquals(1, steps.size(), "a second's correction is under the threshold");
        s.offset = Duration.ofHours(-1);
        s.v.advance(ClockStepWatch.CHECK);
        assertEquals(Duration.ofHours(-2), steps.get(1), "measured from the last step reported");
        w.stop();
    }

    @Test
    void monotonicAtKeepsADeadlineWhenTheWallClockSteps() {
        Stepped s = new Stepped();
        long deadline = s.monotonicAt(s.now().plus(Duration.ofMinutes(60)));
        s.offset = Duration.ofHours(1);
        s.v.advance(Duration.ofMinutes(10));
        assertEquals(Duration.ofMinutes(50).toNanos(), deadline - s.monotonicNanos());
        assertEquals(Long.MAX_VALUE / 2, s.monotonicAt(Instant.MAX));
    }
}
