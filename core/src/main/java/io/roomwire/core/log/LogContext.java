package io.roomwire.core.log;

import io.roomwire.core.time.Scheduler;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import org.tinylog.ThreadContext;

/**
 * The device a log line is about, when one process runs many (a fleet of simulated rooms): the id is put in
 * tinylog's thread context, and {@link LogSetup}'s format prints it in place of the process's own id. Threads
 * inherit the context from the thread that creates them, so a room's MQTT, SIP and HTTP threads, created while
 * the room starts, log as that room; work on a shared {@link Scheduler} is tagged task by task.
 */
public final class LogContext {

    /** The thread-context key {@link LogSetup}'s format prints after {@code device=}. */
    public static final String DEVICE = "device";

    private LogContext() {
    }

    /** Runs {@code task} with {@code device} in its log lines, restoring what the thread had before. */
    public static void run(String device, Runnable task) {
        String before = ThreadContext.get(DEVICE);
        ThreadContext.put(DEVICE, device);
        try {
            task.run();
        } finally {
            if (before == null) {
                ThreadContext.remove(DEVICE);
            } else {
                ThreadContext.put(DEVICE, before);
            }
        }
    }

    /** Forgets any device this thread inherited (a shared pool's thread serves every device). */
    public static void clear() {
        ThreadContext.remove(DEVICE);
    }

    /** {@code scheduler}, with every task it runs for the caller logging as {@code device}. */
    public static Scheduler tag(Scheduler scheduler, String device) {
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(device, "device");
        return new Scheduler() {
            @Override
            public Clock clock() {
                return scheduler.clock();
            }

            @Override
            public long monotonicNanos() {
                return scheduler.monotonicNanos();
            }

            @Override
            public Cancellable schedule(Duration delay, Runnable task) {
                return scheduler.schedule(delay, () -> run(device, task));
            }

            @Override
            public Cancellable scheduleAtFixedRate(Duration initialDelay, Duration period, Runnable task) {
                return scheduler.scheduleAtFixedRate(initialDelay, period, () -> run(device, task));
            }
        };
    }
}
