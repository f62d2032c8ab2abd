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
