package io.roomwire.core.time;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.PriorityQueue;

/**
 * A deterministic scheduler for tests and simulations: time moves only when {@link #advance}
 * is called, and due tasks run on the caller's thread in time order (ties in submission order).
 * Thread-safe: real socket threads may schedule work that the test then runs.
 */
public final class VirtualScheduler implements Scheduler {

    private final Object lock = new Object();
    private final PriorityQueue<Task> queue = new PriorityQueue<>();
    private final MovableClock clock;
    private long sequence;
    private final Instant origin;

    public VirtualScheduler(Instant start) {
        this.clock = new MovableClock(start, ZoneOffset.UTC);
        this.origin = start;
    }

    public VirtualScheduler() {
        this(Instant.parse("2026-01-05T08:00:00Z"));
    }

    @Override
    public Clock clock() {
        return clock;
    }

    /** Virtual time since the start: the wall clock of this scheduler only moves forward with it. */
    @Override
    public long monotonicNanos() {
        return Duration.between(origin, clock.instant()).toNanos();
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
        return enqueue(clock.instant().plus(delay.isNegative() ? Duration.ZERO : delay), null, task);
    }

    @Override
    public Cancellable scheduleAtFixedRate(Duration initialDelay, Duration period, Runnable task) {
        if (period.isZero() || period.isNegative()) {
            throw new IllegalArgumentException("period must be positive: " + period);
        }
        return enqueue(clock.instant().plus(initialDelay), period, task);
    }

    private Task enqueue(Instant due, Duration period, Runnable body) {
        synchronized (lock) {
            Task t = new Task(due, sequence++, period, body);
            queue.add(t);
            return t;
        }
    }

    /** Moves time forward by {@code d}, running every task that falls due on the way. */
    public void advance(Duration d) {
        advanceTo(clock.instant().plus(d));
    }

    /** Moves time to {@code target} (never backwards), running due tasks in order. */
    public void advanceTo(Instant target) {
        while (true) {
            Task next;
            synchronized (lock) {
                next = queue.peek();
                if (next == null || next.due.isAfter(target)) {
                    break;
                }
                queue.poll();
                if (next.cancelled) {
                    continue;
                }
                if (next.due.isAfter(clock.instant())) {
                    clock.set(next.due);
                }
            }
            next.runOnce();
        }
        synchronized (lock) {
            if (target.isAfter(clock.instant())) {
                clock.set(target);
            }
        }
    }

    /** Runs every task due now without moving time. */
    public void runDue() {
        advance(Duration.ZERO);
    }

    /** Number of scheduled tasks not yet run or cancelled. */
    public int pending() {
        synchronized (lock) {
            return (int) queue.stream().filter(t -> !t.cancelled).count();
        }
    }

    /** When the next task is due, if any. */
    public java.util.Optional<Instant> nextDue() {
        synchronized (lock) {
            return queue.stream().filter(t -> !t.cancelled).map(t -> t.due).min(Instant::compareTo);
        }
    }

    private final class Task implements Cancellable, Comparable<Task> {
        private Instant due;
        private long seq;
        private final Duration period;
        private final Runnable body;
        private volatile boolean cancelled;
        private volatile boolean done;

        Task(Instant due, long seq, Duration period, Runnable body) {
            this.due = due;
            this.seq = seq;
            this.period = period;
            this.body = body;
        }

        void runOnce() {
            try {
                body.run();
            } finally {
                synchronized (lock) {
                    if (period != null && !cancelled) {
                        due = due.plus(period);
                        seq = sequence++;
                        queue.add(this);
                    } else {
                        done = true;
                    }
                }
            }
        }

        @Override
        public boolean cancel() {
            synchronized (lock) {
                boolean wasPending = !done && !cancelled;
                cancelled = true;
                queue.remove(this);
                return wasPending;
            }
        }

        @Override
        public boolean isDone() {
            return done || cancelled;
        }

        @Override
        public int compareTo(Task o) {
            int c = due.compareTo(o.due);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    /** A clock that only this scheduler moves. */
    private static final class MovableClock extends Clock {
        private volatile Instant now;
        private final ZoneId zone;

        MovableClock(Instant now, ZoneId zone) {
            this.now = now;
            this.zone = zone;
        }

        void set(Instant t) {
            now = t;
        }

        @Override
        public ZoneId getZone() {
            return zone;
        }

        @Override
        public Clock withZone(ZoneId z) {
            MovableClock parent = this;
            return new Clock() {
                @Override
                public ZoneId getZone() {
                    return z;
                }

                @Override
                public Clock withZone(ZoneId zz) {
                    return parent.withZone(zz);
                }

                @Override
                public Instant instant() {
                    return parent.instant();
                }
            };
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
