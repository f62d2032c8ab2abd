package io.roomwire.agent.lifecycle;

import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.health.Health;
import io.roomwire.core.health.Service;
import io.roomwire.core.time.Backoff;
import io.roomwire.core.time.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * it wait for it, and every other service runs on. Stopping is bounded in time.
 */
public final class Lifecycle {

    private enum Phase { WAITING, RUNNING, FAILED, STOPPED }

    private final Scheduler scheduler;
    private final EventSink events;
    private final List<Service> ordered;
    private final Map<String, Slot> slots = new LinkedHashMap<>();
    private final Supplier<Backoff> backoffs;
    private volatile boolean stopping;

    private final class Slot {
        final Service service;
        final Backoff backoff = backoffs.get();
        Phase phase = Phase.WAITING;
        String failure = "";
        Scheduler.Cancellable retry;

        Slot(Service s) {
            this.service = s;
        }
    }

    public Lifecycle(Scheduler scheduler, List<Service> services, Supplier<Backoff> backoffs, EventSink events) {
        this.scheduler = scheduler;
        this.events = events;
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
        visiting.remove(s.name());
        path.removeLast();
        done.add(s.name());
        out.add(s);
    }

    /** The start order. */
    public List<String> order() {
        return ordered.stream().map(Service::name).toList();
    }

    /** Starts every service whose dependencies are running; failures are retried in the background. */
    public void start() {
        stopping = false;
        startReady();
    }

    private void startReady() {
        for (Service s : ordered) {
            Slot slot = slots.get(s.name());
            boolean ready;
            synchronized (this) {
                ready = !stopping && slot.phase == Phase.WAITING && s.dependsOn().stream()
                        .allMatch(d -> slots.get(d).phase == Phase.RUNNING);
            }
            if (ready) {
                attempt(slot);
            }
        }
    }

    private void attempt(Slot slot) {
        String name = slot.service.name();
        try {
            slot.service.start();
            synchronized (this) {
                if (stopping) {
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
            return;
        }
        startReady();
    }

    private void retry(Slot slot) {
        synchronized (this) {
            if (stopping || slot.phase != Phase.FAILED) {
                return;
            }
            slot.phase = Phase.WAITING;
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
                case RUNNING -> safeHealth(s);
                case FAILED -> Health.down(failure + " (retrying)");
                case STOPPED -> Health.down("stopped");
                case WAITING -> Health.down("waiting for " + String.join(", ", s.dependsOn().stream()
                        .filter(d -> slots.get(d).phase != Phase.RUNNING).toList()));
            });
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
