package io.roomwire.agent.lifecycle;

import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.health.AfterStart;
import io.roomwire.core.health.Health;
import io.roomwire.core.health.Service;
import io.roomwire.core.time.Backoff;
import io.roomwire.core.time.Scheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.tinylog.Logger;

/**
 * Starts services in dependency order and stops them in reverse. A service whose start fails is
 * reported DOWN and retried with jittered exponential back-off, forever; services that depend on
 * it wait for it, and every other service runs on. Stopping is bounded in time. Started with an
 * executor, services whose dependencies are running start at the same time; each one's start is timed.
 */
public final class Lifecycle {

    private enum Phase { WAITING, STARTING, RUNNING, FAILED, STOPPED }

    /**
     * One service's start, relative to {@link #start}: when its (last) start began, how long {@code start()}
     * took, and when its health was first seen UP (empty until then).
     */
    public record StartTime(Duration began, Duration took, Optional<Duration> up) { }

    /**
     * The longest the work of {@link AfterStart} waits for every service to be UP: a service that stays down
     * (no broker, no camera) must not keep the calendar from syncing for long.
     */
    public static final Duration AFTER_START_BOUND = Duration.ofSeconds(5);
    /** How often health is read until every service is UP, to open {@link AfterStart}. */
    private static final Duration AFTER_START_POLL = Duration.ofMillis(50);

    private final Scheduler scheduler;
    private final EventSink events;
    private final AfterStart afterStart;
    private Scheduler.Cancellable afterStartWatch;
    private final List<Service> ordered;
    private final Map<String, Slot> slots = new LinkedHashMap<>();
    private final Supplier<Backoff> backoffs;
    private volatile boolean stopping;
    private volatile Executor starts = Runnable::run;
    private volatile Instant startedAt;

    private final class Slot {
        final Service service;
        final Backoff backoff = backoffs.get();
        Phase phase = Phase.WAITING;
        String failure = "";
        Scheduler.Cancellable retry;
        volatile Instant began;
        volatile Instant returned;
        volatile Instant up;

        Slot(Service s) {
            this.service = s;
        }
    }

    /** A lifecycle whose services leave no work for after the start. */
    public Lifecycle(Scheduler scheduler, List<Service> services, Supplier<Backoff> backoffs, EventSink events) {
        this(scheduler, services, backoffs, events, AfterStart.open());
    }

    /** @param afterStart opened by the first {@link #start} once every service is UP, at most {@link #AFTER_START_BOUND} after it */
    public Lifecycle(Scheduler scheduler, List<Service> services, Supplier<Backoff> backoffs, EventSink events,
                     AfterStart afterStart) {
        this.scheduler = scheduler;
        this.events = events;
        this.afterStart = afterStart;
        this.backoffs = backoffs;
        this.ordered = order(services);
        ordered.forEach(s -> slots.put(s.name(), new Slot(s)));
    }

    /** Topological order (stable: declaration order among equals); rejects unknown deps and cycles. */
    static List<Service> order(List<Service> services) {
        Map<String, Service> byName = new LinkedHashMap<>();
        for (Service s : services) {
            if (byName.put(s.name(), s) != null) {
                throw new IllegalArgumentException("Two services named " + s.name());
            }
        }
        for (Service s : services) {
            for (String d : s.dependsOn()) {
                if (!byName.containsKey(d)) {
                    throw new IllegalArgumentException("Service " + s.name() + " depends on unknown service " + d);
                }
            }
        }
        List<Service> out = new ArrayList<>();
        Set<String> done = new HashSet<>();
        Set<String> visiting = new HashSet<>();
        for (Service s : services) {
            visit(s, byName, done, visiting, out, new ArrayDeque<>());
        }
        return Collections.unmodifiableList(out);
    }

    private static void visit(Service s, Map<String, Service> byName, Set<String> done, Set<String> visiting,
                              List<Service> out, Deque<String> path) {
        if (done.contains(s.name())) {
            return;
        }
        path.addLast(s.name());
        if (!visiting.add(s.name())) {
            throw new IllegalArgumentException("Service dependency cycle: " + String.join(" -> ", path));
        }
        for (String d : s.dependsOn()) {
            visit(byName.get(d), byName, done, visiting, out, path);
        }
        for (String d : s.startsAfter()) {
            if (byName.containsKey(d)) {
                visit(byName.get(d), byName, done, visiting, out, path);
            }
        }
        visiting.remove(s.name());
        path.removeLast();
        done.add(s.name());
        out.add(s);
    }

    /** The start order. */
    public List<String> order() {
        return ordered.stream().map(Service::name).toList();
    }

    /**
     * Starts every service whose dependencies are running, one after the other on the caller's thread;
     * failures are retried in the background.
     */
    public void start() {
        start(Runnable::run);
    }

    /**
     * Starts every service whose dependencies are running on {@code starts}, so that independent services
     * start at the same time; a dependent starts as soon as what it depends on (and starts after) is done.
     */
    public void start(Executor starts) {
        this.starts = starts;
        startedAt = scheduler.now();
        stopping = false;
        watchForAfterStart();
        startReady();
    }

    /** Opens {@link AfterStart} once every service is UP, or {@link #AFTER_START_BOUND} after this start. */
    private void watchForAfterStart() {
        synchronized (this) {
            if (afterStart.isOpen() || afterStartWatch != null) {
                return;
            }
            long deadline = scheduler.monotonicNanos() + AFTER_START_BOUND.toNanos();
            afterStartWatch = scheduler.scheduleAtFixedRate(AFTER_START_POLL, AFTER_START_POLL, () -> {
                boolean up = allUp();
                if (!up && scheduler.monotonicNanos() - deadline < 0) {
                    return;
                }
                synchronized (this) {
                    if (afterStartWatch == null) {
                        return; // stopped meanwhile: the next start watches again
                    }
                    afterStartWatch.cancel();
                    afterStartWatch = null;
                }
                if (!up) {
                    Logger.info("Not every service is UP {} s after the start; the work that waited for that goes ahead",
                            AFTER_START_BOUND.toSeconds());
                }
                afterStart.openNow();
            });
        }
    }

    private void startReady() {
        List<Slot> ready = new ArrayList<>();
        synchronized (this) {
            for (Service s : ordered) {
                Slot slot = slots.get(s.name());
                if (!stopping && slot.phase == Phase.WAITING && s.dependsOn().stream()
                        .allMatch(d -> slots.get(d).phase == Phase.RUNNING)
                        && s.startsAfter().stream().filter(slots::containsKey)
                        .allMatch(d -> slots.get(d).phase == Phase.RUNNING || slots.get(d).phase == Phase.FAILED)) {
                    slot.phase = Phase.STARTING; // claimed here, so two threads never start it twice
                    ready.add(slot);
                }
            }
        }
        for (Slot slot : ready) {
            try {
                starts.execute(() -> attempt(slot));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                attempt(slot); // the start pool is gone (shutting down): start here rather than never
            }
        }
    }

    private void attempt(Slot slot) {
        String name = slot.service.name();
        try {
            slot.began = scheduler.now();
            slot.service.start();
            slot.returned = scheduler.now();
            synchronized (this) {
                if (stopping) {
                    safeStop(slot.service); // stop() ran meanwhile and did not see this one running
                    return;
                }
                slot.phase = Phase.RUNNING;
                slot.failure = "";
            }
            if (slot.backoff.attempts() > 0) {
                Logger.info("Service {} started after {} failed attempts", name, slot.backoff.attempts());
                events.emit(DeviceEvent.of("service.recovered", scheduler.now(), "service", name));
            } else {
                Logger.info("Service {} started", name);
            }
            slot.backoff.reset();
        } catch (Exception | LinkageError e) {
            Duration delay = slot.backoff.next();
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            slot.returned = scheduler.now();
            synchronized (this) {
                if (stopping) {
                    return;
                }
                slot.phase = Phase.FAILED;
                slot.failure = reason;
                slot.retry = scheduler.schedule(delay, () -> retry(slot));
            }
            safeStop(slot.service);
            Logger.warn("Service {} failed to start: {}; retrying in {} ms", name, reason, delay.toMillis());
            events.emit(DeviceEvent.of("service.failed", scheduler.now(), "service", name, "reason", reason,
                    "retryInMs", delay.toMillis()));
            startReady(); // what only starts after this one may go now
            return;
        }
        startReady();
    }

    private void retry(Slot slot) {
        synchronized (this) {
            if (stopping || slot.phase != Phase.FAILED) {
                return;
            }
            slot.phase = Phase.STARTING;
        }
        attempt(slot);
    }

    /** Health of every service, in start order. */
    public Map<String, Health> health() {
        Map<String, Health> m = new LinkedHashMap<>();
        for (Service s : ordered) {
            Slot slot = slots.get(s.name());
            Phase phase;
            String failure;
            synchronized (this) {
                phase = slot.phase;
                failure = slot.failure;
            }
            m.put(s.name(), switch (phase) {
                case RUNNING -> upSeen(slot, safeHealth(s));
                case STARTING -> Health.down("starting");
                case FAILED -> Health.down(failure + " (retrying)");
                case STOPPED -> Health.down("stopped");
                case WAITING -> Health.down("waiting for " + String.join(", ", java.util.stream.Stream.concat(
                        s.dependsOn().stream().filter(d -> slots.get(d).phase != Phase.RUNNING),
                        s.startsAfter().stream().filter(d -> slots.containsKey(d) && (slots.get(d).phase == Phase.WAITING
                                || slots.get(d).phase == Phase.STARTING))).toList()));
            });
        }
        return m;
    }

    private Health upSeen(Slot slot, Health h) {
        if (h.isUp() && slot.up == null) {
            slot.up = scheduler.now();
        }
        return h;
    }

    /**
     * Each service's start, in start order (services not started yet are left out); UP is when
     * {@link #health()} first saw it, so its precision is how often the health is read.
     */
    public Map<String, StartTime> startTimes() {
        Map<String, StartTime> m = new LinkedHashMap<>();
        Instant t0 = startedAt;
        if (t0 == null) {
            return m;
        }
        for (Service s : ordered) {
            Slot slot = slots.get(s.name());
            Instant began = slot.began;
            Instant returned = slot.returned;
            Instant up = slot.up;
            if (began != null && returned != null) {
                m.put(s.name(), new StartTime(Duration.between(t0, began), Duration.between(began, returned),
                        Optional.ofNullable(up).map(u -> Duration.between(t0, u))));
            }
        }
        return m;
    }

    /** The worst health of all services. */
    public Health overall() {
        return health().values().stream().reduce(Health.up(), Health::worst);
    }

    public boolean allUp() {
        return health().values().stream().allMatch(Health::isUp);
    }

    private static Health safeHealth(Service s) {
        try {
            return s.health();
        } catch (RuntimeException e) {
            return Health.down("health check failed: " + e.getMessage());
        }
    }

    /**
     * Stops running services in reverse start order, giving all of them together at most
     * {@code bound}; a service that does not stop in time is abandoned and logged.
     *
     * @return names of services that did not stop within the bound
     */
    public List<String> stop(Duration bound) {
        List<Slot> toStop = new ArrayList<>();
        synchronized (this) {
            stopping = true;
            if (afterStartWatch != null) {
                afterStartWatch.cancel();
                afterStartWatch = null;
            }
            List<Service> reversed = new ArrayList<>(ordered);
            Collections.reverse(reversed);
            for (Service s : reversed) {
                Slot slot = slots.get(s.name());
                if (slot.retry != null) {
                    slot.retry.cancel();
                }
                if (slot.phase == Phase.RUNNING) {
                    toStop.add(slot);
                }
                slot.phase = Phase.STOPPED;
            }
        }
        List<String> abandoned = new ArrayList<>();
        ExecutorService stopper = newStopper();
        long deadline = System.nanoTime() + bound.toNanos();
        // A service that hangs must not rob the ones after it of their chance to close sockets.
        long grace = bound.toNanos() / 10;
        try {
            for (Slot slot : toStop) {
                long budget = Math.max(deadline - System.nanoTime(), grace);
                Future<?> f = stopper.submit(() -> {
                    slot.service.stop();
                    return null;
                });
                try {
                    f.get(budget, TimeUnit.NANOSECONDS);
                    Logger.info("Service {} stopped", slot.service.name());
                } catch (TimeoutException e) {
                    abandoned.add(slot.service.name());
                    Logger.warn("Service {} did not stop within the bound; abandoned", slot.service.name());
                    stopper.shutdownNow();
                    stopper = newStopper();
                } catch (ExecutionException e) {
                    Logger.warn(e.getCause(), "Service {} failed while stopping", slot.service.name());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    abandoned.add(slot.service.name());
                }
            }
        } finally {
            stopper.shutdownNow();
        }
        return abandoned;
    }

    private static ExecutorService newStopper() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "roomwire-stop");
            t.setDaemon(true);
            return t;
        });
    }

    private static void safeStop(Service s) {
        try {
            s.stop();
        } catch (Exception e) {
            Logger.debug("stop after failed start of {}: {}", s.name(), e.getMessage());
        }
    }

    /** Names and phases, for tests and the status page. */
    Map<String, String> phases() {
        Map<String, String> m = new HashMap<>();
        synchronized (this) {
            slots.forEach((k, v) -> m.put(k, v.phase.name()));
        }
        return m;
    }
}
