package io.roomwire.core.time;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.tinylog.Logger;

/** The production scheduler: the system UTC clock and a small pool of daemon threads. */
public final class SystemScheduler implements Scheduler, AutoCloseable {

    private final Clock clock;
    private final ScheduledThreadPoolExecutor executor;

    public SystemScheduler(int threads) {
        this(Clock.systemUTC(), threads);
    }

    public SystemScheduler(Clock clock, int threads) {
        this.clock = clock;
        AtomicInteger n = new AtomicInteger();
        this.executor = new ScheduledThreadPoolExecutor(threads, r -> {
            // a pool thread serves every device of a fleet: it must not keep the log context of the task that made it
            Thread t = new Thread(() -> {
                io.roomwire.core.log.LogContext.clear();
                r.run();
            }, "roomwire-sched-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    @Override
    public Clock clock() {
        return clock;
    }

    /** {@link System#nanoTime()}: the clock the executor's delays run on, whatever {@link #clock()} does. */
    @Override
    public long monotonicNanos() {
        return System.nanoTime();
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
        return wrap(executor.schedule(guarded(task), nanos(delay), TimeUnit.NANOSECONDS));
    }

    @Override
    public Cancellable scheduleAtFixedRate(Duration initialDelay, Duration period, Runnable task) {
        return wrap(executor.scheduleAtFixedRate(guarded(task), nanos(initialDelay),
                Math.max(1, nanos(period)), TimeUnit.NANOSECONDS));
    }

    /** Delays beyond ~292 years overflow {@link Duration#toNanos}: saturate instead of throwing. */
    static long nanos(Duration d) {
        if (d.isNegative()) {
            return 0;
        }
        try {
            return d.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    /** A task that throws must not kill a periodic schedule silently. */
    private static Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                Logger.error(e, "Scheduled task failed: {}", e.toString());
            }
        };
    }

    private static Cancellable wrap(ScheduledFuture<?> f) {
        return new Cancellable() {
            @Override
            public boolean cancel() {
                return f.cancel(false);
            }

            @Override
            public boolean isDone() {
                return f.isDone();
            }
        };
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
