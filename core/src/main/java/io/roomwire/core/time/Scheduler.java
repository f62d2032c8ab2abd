package io.roomwire.core.time;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The one source of time and delayed work. Main code never sleeps and never reads the system
 * clock directly: it asks this. Tests drive a {@link VirtualScheduler} instead.
 */
public interface Scheduler {

    /** The clock every component reads. */
    Clock clock();

    default Instant now() {
        return clock().instant();
    }

    /**
     * Monotonic time in nanoseconds from an arbitrary origin: it never steps when the wall clock does (NTP,
     * an RTC reset, an operator's {@code date -s}). Lifetimes and ages measured on this machine (a token's
     * expiry, how long ago the calendar synced) are deadlines on this, not on {@link #now()}.
     */
    default long monotonicNanos() {
        return Math.multiplyExact(clock().millis(), 1_000_000L);
    }

    /**
     * The monotonic time ({@link #monotonicNanos()}) at which the wall clock, as it reads now, shows
     * {@code wall}: converts a stored instant (a token's expiry, a snapshot's time) into a deadline that
     * a later step of the wall clock does not move. Saturates far from now.
     */
    default long monotonicAt(Instant wall) {
        long from = monotonicNanos();
        Duration d = Duration.between(now(), wall);
        try {
            return Math.addExact(from, d.toNanos());
        } catch (ArithmeticException far) {
            return d.isNegative() ? Long.MIN_VALUE / 2 : Long.MAX_VALUE / 2;
        }
    }

    /** Runs {@code task} once after {@code delay} (zero: as soon as possible). */
    Cancellable schedule(Duration delay, Runnable task);

    /** Runs {@code task} every {@code period}, first after {@code initialDelay}. */
    Cancellable scheduleAtFixedRate(Duration initialDelay, Duration period, Runnable task);

    /** Runs {@code task} as soon as possible on a scheduler thread. */
    default Cancellable execute(Runnable task) {
        return schedule(Duration.ZERO, task);
    }

    /** A handle to scheduled work. */
    interface Cancellable {
        /** Cancels the work; a task already running finishes. Returns false if it had already run. */
        boolean cancel();

        boolean isDone();
    }
}
