package io.roomwire.agent;

import io.roomwire.agent.config.AgentSettings;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.lifecycle.Lifecycle;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.health.AfterStart;
import io.roomwire.core.health.Health;
import io.roomwire.core.health.Service;
import io.roomwire.core.store.FileStore;
import io.roomwire.core.time.Backoff;
import io.roomwire.core.time.ClockStepWatch;
import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.Device;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.tinylog.Logger;

/**
 * The running agent: the services {@link StandardAgent} built, under one {@link Lifecycle}, and
 * the status they add up to. It builds nothing and is handed to no feature.
 */
public final class Agent {

    private final Config config;
    private final Device device;
    private final Scheduler scheduler;
    private final FileStore store;
    private final EventSink.Hub events;
    private final String deviceId;
    private final Lifecycle lifecycle;
    private final Supplier<String> activity;
    private final Optional<ConfigReload> reload;
    private volatile Instant startedAt;
    private volatile long startedNanos;
    private final ClockStepWatch clockWatch;
    private final java.util.List<java.util.function.Consumer<Duration>> onClockStep = new java.util.concurrent.CopyOnWriteArrayList<>();

    Agent(Config config, Device device, Scheduler scheduler, FileStore store, EventSink.Hub events, String deviceId,
          List<Service> services, Supplier<String> activity, Optional<ConfigReload> reload, RandomGenerator random,
          AfterStart afterStart) {
        this.config = config;
        this.device = device;
        this.scheduler = scheduler;
        this.store = store;
        this.events = events;
        this.deviceId = deviceId;
        this.activity = activity;
        this.reload = reload;
        Duration base = config.get(AgentSettings.RETRY_BASE);
        Duration max = config.get(AgentSettings.RETRY_MAX);
        this.lifecycle = new Lifecycle(scheduler, services,
                () -> new Backoff(base, max.compareTo(base) < 0 ? base : max, random), events, afterStart);
        this.clockWatch = new ClockStepWatch(scheduler, this::clockStepped);
    }

    /** Work to redo when the wall clock is stepped (the calendar window, the buttons). */
    void onClockStep(java.util.function.Consumer<Duration> listener) {
        onClockStep.add(listener);
    }

    private void clockStepped(Duration by) {
        Logger.warn("The wall clock was stepped by {} s; token and sync deadlines run on the monotonic clock,"
                + " the calendar and the buttons are redone", by.toSeconds());
        events.emit(io.roomwire.core.event.DeviceEvent.of("clock.stepped", scheduler.now(), "seconds",
                Long.toString(by.toSeconds())));
        for (java.util.function.Consumer<Duration> l : onClockStep) {
            try {
                l.accept(by);
            } catch (RuntimeException e) {
                Logger.warn(e, "Clock step listener failed: {}", e.toString());
            }
        }
    }

    /** The device id: {@code device.id} if set, else the hardware serial number. */
    public static String deviceId(Config config, Device device) {
        return config.find(AgentSettings.DEVICE_ID)
                .orElseGet(() -> device.info().serialNumber().replaceAll("[^A-Za-z0-9_-]", "-"));
    }

    public void start() {
        startedAt = scheduler.now();
        startedNanos = scheduler.monotonicNanos();
        clockWatch.start();
        lifecycle.start();
    }

    /** Starts the services on {@code starts}: the independent ones at the same time. */
    public void start(java.util.concurrent.Executor starts) {
        startedAt = scheduler.now();
        startedNanos = scheduler.monotonicNanos();
        clockWatch.start();
        lifecycle.start(starts);
    }

    /** Each service's start-up: when it began, how long its start took, when it was first UP. */
    public Map<String, Lifecycle.StartTime> startTimes() {
        return lifecycle.startTimes();
    }

    /** Stops every service within the configured bound; returns services abandoned. */
    public List<String> stop() {
        clockWatch.stop();
        return lifecycle.stop(config.get(AgentSettings.STOP_TIMEOUT));
    }

    /**
     * Re-reads the config file on a scheduler thread and applies what changed (SIGHUP); false when the
     * agent runs on the built-in defaults and has no file to re-read.
     */
    public boolean reloadConfig() {
        reload.ifPresent(ConfigReload::request);
        return reload.isPresent();
    }

    public AgentStatus status() {
        Instant started = startedAt == null ? scheduler.now() : startedAt;
        Duration uptime = startedAt == null ? Duration.ZERO : Duration.ofNanos(scheduler.monotonicNanos() - startedNanos);
        Map<String, Health> h = lifecycle.health();
        Health overall = h.values().stream().reduce(Health.up(), Health::worst);
        return new AgentStatus(deviceId, Version.get(), started, uptime,
                activity.get(), overall, h);
    }

    /** Service health in start order. */
    public Map<String, Health> health() {
        return lifecycle.health();
    }

    public boolean allUp() {
        return lifecycle.allUp();
    }

    public Config config() { return config; }
    public Device device() { return device; }
    public Scheduler scheduler() { return scheduler; }
    public FileStore store() { return store; }
    public EventSink.Hub events() { return events; }
    public String deviceId() { return deviceId; }
    public List<String> startOrder() { return lifecycle.order(); }
}
