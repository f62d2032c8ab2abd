package io.roomwire.agent;

import io.roomwire.agent.config.AgentSettings;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.lifecycle.Lifecycle;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.health.Health;
import io.roomwire.core.health.Service;
import io.roomwire.core.store.FileStore;
import io.roomwire.core.time.Backoff;
import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.Device;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The agent process: the composition root that builds every service from the configuration,
 * the hardware and the scheduler, and runs them under one {@link Lifecycle}.
 */
public final class Agent {

    private final Config config;
    private final Device device;
    private final Scheduler scheduler;
    private final FileStore store;
    private final EventSink.Hub events;
    private final String deviceId;
    private final Lifecycle lifecycle;
    private final List<Service> services;
    private volatile Supplier<String> activity = () -> "idle";
    private volatile Instant startedAt;

    private Agent(Builder b) {
        this.config = b.config;
        this.device = b.device;
        this.scheduler = b.scheduler;
        this.events = b.events;
        this.deviceId = deviceId(config, device);
        this.store = new FileStore(config.get(AgentSettings.STATE_DIR), scheduler.clock());
        this.services = new ArrayList<>();
        services.add(new DeviceService(device));
        for (Feature f : b.features) {
            services.addAll(f.services(this));
        }
        Duration base = config.get(AgentSettings.RETRY_BASE);
        Duration max = config.get(AgentSettings.RETRY_MAX);
        this.lifecycle = new Lifecycle(scheduler, services, () -> new Backoff(base, max.compareTo(base) < 0 ? base : max, b.random),
                events);
    }

    /** The device id: {@code device.id} if set, else the hardware serial number. */
    public static String deviceId(Config config, Device device) {
        return config.find(AgentSettings.DEVICE_ID)
                .orElseGet(() -> device.info().serialNumber().replaceAll("[^A-Za-z0-9_-]", "-"));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A part of the agent that contributes services (provisioning, calendar, SIP, MQTT ...). */
    @FunctionalInterface
    public interface Feature {
        List<Service> services(Agent agent);
    }

    public void start() {
        startedAt = scheduler.now();
        lifecycle.start();
    }

    /** Stops every service within the configured bound; returns services abandoned. */
    public List<String> stop() {
        return lifecycle.stop(config.get(AgentSettings.STOP_TIMEOUT));
    }

    public AgentStatus status() {
        Instant started = startedAt == null ? scheduler.now() : startedAt;
        Map<String, Health> h = lifecycle.health();
        Health overall = h.values().stream().reduce(Health.up(), Health::worst);
        return new AgentStatus(deviceId, Version.get(), started, Duration.between(started, scheduler.now()),
                activity.get(), overall, h);
    }

    /** Service health in start order. */
    public Map<String, Health> health() {
        return lifecycle.health();
    }

    public boolean allUp() {
        return lifecycle.allUp();
    }

    public void setActivity(Supplier<String> activity) {
        this.activity = Objects.requireNonNull(activity);
    }

    public Config config() { return config; }
    public Device device() { return device; }
    public Scheduler scheduler() { return scheduler; }
    public FileStore store() { return store; }
    public EventSink.Hub events() { return events; }
    public String deviceId() { return deviceId; }
    public List<String> startOrder() { return lifecycle.order(); }

    public static final class Builder {
        private Config config;
        private Device device;
        private Scheduler scheduler;
        private EventSink.Hub events = new EventSink.Hub();
        private final List<Feature> features = new ArrayList<>();
        private java.util.random.RandomGenerator random = new java.util.Random();

        public Builder config(Config c) { this.config = c; return this; }
        public Builder device(Device d) { this.device = d; return this; }
        public Builder scheduler(Scheduler s) { this.scheduler = s; return this; }
        public Builder events(EventSink.Hub e) { this.events = e; return this; }
        public Builder feature(Feature f) { this.features.add(f); return this; }
        public Builder random(java.util.random.RandomGenerator r) { this.random = r; return this; }

        public Agent build() {
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(device, "device");
            Objects.requireNonNull(scheduler, "scheduler");
            return new Agent(this);
        }
    }
}
