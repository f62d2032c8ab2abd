package io.roomwire.agent.mgmt.paho;

import java.lang.reflect.Field;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.eclipse.paho.mqttv5.client.internal.CommsCallback;
import org.eclipse.paho.mqttv5.client.internal.CommsReceiver;
import org.eclipse.paho.mqttv5.client.internal.CommsSender;
import org.tinylog.Logger;

/**
 * The threads Paho runs on, given to each {@code MqttAsyncClient} of one transport: a daemon thread of its own for
 * every task Paho submits (its receiver, sender and callback loops live as long as the connection; its connect and
 * disconnect jobs are short), as Paho does without an executor, and one daemon thread for its keep-alive pings
 * (Paho's own ping sender would start a {@code java.util.Timer} thread per connection).
 *
 * <p>Why it exists: Paho 1.2.5 starts each of its three loops and then polls the loop's {@code isRunning()} with
 * {@code Thread.sleep(100)} (paho.mqtt.java#945, open; the fix on its master is unreleased). The first poll comes
 * before the new thread has run, so every connect waited about 300 ms for threads that were running within a
 * millisecond: on a room that is half its start-up. Paho submits a loop while holding the loop's {@code lifecycle}
 * monitor, which the new thread needs to say it runs; {@link #submit(Runnable)} therefore waits on that monitor
 * (which releases it) until the loop runs, and Paho's first poll succeeds. Paho is pinned to 1.2.5 in the pom; if
 * a Paho without that field ever comes, nothing waits and connects are only as slow as before ({@link #starts()}
 * counts both outcomes, and the transport's tests assert that every loop start was awaited).
 */
final class PahoThreads extends AbstractExecutorService implements ScheduledExecutorService {

    /** How many 1 ms waits a loop start may take before Paho's own polling is left to it. */
    private static final int START_WAITS = 2_000;

    /** The {@code lifecycle} monitor of each Paho loop class, or empty where that class has none. */
    private static final ClassValue<Optional<Field>> LIFECYCLE = new ClassValue<>() {
        @Override
        protected Optional<Field> computeValue(Class<?> type) {
            try {
                Field f = type.getDeclaredField("lifecycle");
                f.setAccessible(true);
                return Optional.of(f);
            } catch (ReflectiveOperationException | RuntimeException e) {
                Logger.debug("Paho's {} has no lifecycle monitor to wait on ({}): its loops start at Paho's pace",
                        type.getSimpleName(), e.toString());
                return Optional.empty();
            }
        }
    };

    /** Loop starts awaited here and loop starts left to Paho's 100 ms polling. */
    public record Starts(long awaited, long leftToPaho) { }

    private final String name;
    private final Set<Thread> live = ConcurrentHashMap.newKeySet();
    private final AtomicLong awaited = new AtomicLong();
    private final AtomicLong leftToPaho = new AtomicLong();
    private final ScheduledThreadPoolExecutor pings;
    private volatile boolean shutdown;

    PahoThreads(String name) {
        this.name = name;
        this.pings = new ScheduledThreadPoolExecutor(1, r -> daemon(r, "MQTT Ping: " + name));
        pings.setRemoveOnCancelPolicy(true);
        pings.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        pings.setKeepAliveTime(1, TimeUnit.MINUTES); // no thread left behind once the transport has disconnected
        pings.allowCoreThreadTimeOut(true);
    }

    Starts starts() {
        return new Starts(awaited.get(), leftToPaho.get());
    }

    @Override
    public Future<?> submit(Runnable task) {
        RunnableFuture<Void> f = newTaskFor(task, null);
        execute(f);
        awaitLoopStart(task);
        return f;
    }

    @Override
    public void execute(Runnable task) {
        if (shutdown) {
            throw new java.util.concurrent.RejectedExecutionException("the MQTT transport " + name + " is closed");
        }
        Thread t = daemon(() -> {
            try {
                task.run();
            } finally {
                live.remove(Thread.currentThread());
            }
        }, "MQTT: " + name); // Paho names its loops itself
        live.add(t);
        t.start();
    }

    private void awaitLoopStart(Runnable task) {
        BooleanSupplier running;
        if (task instanceof CommsReceiver r) {
            running = r::isRunning;
        } else if (task instanceof CommsSender s) {
            running = s::isRunning;
        } else if (task instanceof CommsCallback c) {
            running = c::isRunning;
        } else {
            return;
        }
        Object monitor = LIFECYCLE.get(task.getClass()).map(f -> read(f, task)).orElse(null);
        if (monitor == null) {
            leftToPaho.incrementAndGet();
            return;
        }
        synchronized (monitor) {
            for (int i = 0; i < START_WAITS && !running.getAsBoolean(); i++) {
                try {
                    monitor.wait(1); // releases Paho's hold too: the loop takes the monitor to say it runs
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            (running.getAsBoolean() ? awaited : leftToPaho).incrementAndGet();
        }
    }

    private static Object read(Field f, Object task) {
        try {
            return f.get(task);
        } catch (IllegalAccessException e) {
            return null;
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        return pings.schedule(command, delay, unit);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        return pings.schedule(callable, delay, unit);
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        return pings.scheduleAtFixedRate(command, initialDelay, period, unit);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        return pings.scheduleWithFixedDelay(command, initialDelay, delay, unit);
    }

    /** No new tasks; pending pings are dropped. Paho's loops end when its client is closed. */
    @Override
    public void shutdown() {
        shutdown = true;
        pings.shutdown();
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown = true;
        live.forEach(Thread::interrupt);
        return pings.shutdownNow();
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        return shutdown && pings.isTerminated() && live.isEmpty();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long end = System.nanoTime() + unit.toNanos(timeout);
        if (!pings.awaitTermination(timeout, unit)) {
            return false;
        }
        for (Thread t : List.copyOf(live)) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return live.isEmpty();
            }
            TimeUnit.NANOSECONDS.timedJoin(t, left);
        }
        return isTerminated();
    }

    @Override
    protected <T> RunnableFuture<T> newTaskFor(Runnable runnable, T value) {
        return new FutureTask<>(runnable, value);
    }
}
