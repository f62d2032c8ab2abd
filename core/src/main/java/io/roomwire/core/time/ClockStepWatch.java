package io.roomwire.core.time;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Notices the wall clock being stepped (NTP after a boot without a working RTC, an operator's
 * {@code date -s}): every {@link #CHECK} it compares how far the wall clock moved with how far the
 * monotonic clock moved, and reports a difference over {@link #THRESHOLD} to its listener. Deadlines
 * are on the monotonic clock already ({@link Scheduler#monotonicNanos()}); what the listener redoes is
 * the work that depends on the date itself (the calendar window, the meeting buttons).
 */
public final class ClockStepWatch {

    public static final Duration CHECK = Duration.ofSeconds(5);
    public static final Duration THRESHOLD = Duration.ofSeconds(2);

    private final Scheduler scheduler;
    private final Consumer<Duration> onStep;
    private Scheduler.Cancellable task;
    private long offset;

    public ClockStepWatch(Scheduler scheduler, Consumer<Duration> onStep) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.onStep = Objects.requireNonNull(onStep, "onStep");
    }

    public synchronized void start() {
        if (task == null) {
            offset = offsetNow();
            task = scheduler.scheduleAtFixedRate(CHECK, CHECK, this::check);
        }
    }

    public synchronized void stop() {
        if (task != null) {
            task.cancel();
            task = null;
        }
    }

    /** Compares the clocks now (the schedule calls it; tests may too). */
    public void check() {
        long step;
        synchronized (this) {
            long now = offsetNow();
            step = now - offset;
            if (Math.abs(step) <= THRESHOLD.toNanos()) {
                return;
            }
            offset = now;
        }
        onStep.accept(Duration.ofNanos(step));
    }

    /** Wall clock minus monotonic clock: constant while nobody steps the wall clock. */
    private long offsetNow() {
        java.time.Instant w = scheduler.now();
        long wall = Math.addExact(Math.multiplyExact(w.getEpochSecond(), 1_000_000_000L), w.getNano());
        return wall - scheduler.monotonicNanos();
    }
}
