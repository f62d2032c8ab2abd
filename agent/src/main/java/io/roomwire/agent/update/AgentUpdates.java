package io.roomwire.agent.update;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.roomwire.agent.mgmt.CommandException;
import io.roomwire.agent.mgmt.CommandRegistry;
import io.roomwire.agent.mgmt.CommandRequest;
import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.health.Health;
import io.roomwire.core.health.Service;
import io.roomwire.core.time.Scheduler;
import io.roomwire.updater.SlotStore;
import io.roomwire.updater.UpdatePolicy;
import io.roomwire.updater.UpdateRefused;
import io.roomwire.updater.Updater;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.tinylog.Logger;

/**
 * Updates inside the running agent: the {@code update.apply} command with progress events, the report of a
 * rollback the launcher did ({@code update.rolled_back}), and the commit of a slot on trial once no other
 * service is worse than before the update and the broker (or, with no broker, the hawkBit server) was reached
 * ({@link #checkTrial}). The rollback itself is the
 * launcher's: when the trial cannot commit in time this marks it failed and restarts, it never switches slots.
 */
public final class AgentUpdates implements Service {

    private final SlotStore slots;
    private final Updater updater;
    private final UpdatePolicy policy;
    private final Scheduler scheduler;
    private final EventSink events;
    private final Supplier<Map<String, Health>> health;
    private final Consumer<String> restart;
    private final Duration trialTimeout;
    private volatile Health state = Health.up();
    private volatile Optional<Map<String, String>> rolledBack = Optional.empty();
    private volatile Optional<io.roomwire.updater.hawkbit.HawkbitPoller> hawkbit = Optional.empty();
    private volatile Scheduler.Cancellable poll;
    private volatile Scheduler.Cancellable watch;
    private volatile Scheduler.Cancellable pendingRestart;
    private Instant trialStarted;
    /** When a hawkBit poll last succeeded in this run of the agent: the update server was reached. */
    private volatile Optional<Instant> updateServerReached = Optional.empty();

    public AgentUpdates(SlotStore slots, Updater updater, UpdatePolicy policy, Scheduler scheduler, EventSink events,
                        Supplier<Map<String, Health>> health, Consumer<String> restart, Duration trialTimeout) {
        this.slots = slots;
        this.updater = updater;
        this.policy = policy;
        this.scheduler = scheduler;
        this.events = events;
        this.health = health;
        this.restart = restart;
        this.trialTimeout = trialTimeout;
    }

    /** The package's A/B prefix (image ImageLayout.UPDATE_HOME): under the unit's StateDirectory, so the agent can write it. */
    public static java.nio.file.Path defaultHome() {
        return java.nio.file.Path.of("/var/lib/roomwire/update");
    }

    /** The A/B prefix the launcher passed ({@code -Droomwire.home}), or the package's. */
    public static java.nio.file.Path home() {
        return Optional.ofNullable(System.getProperty("roomwire.home")).map(java.nio.file.Path::of).orElse(defaultHome());
    }

    /** What this device is: {@code model} file under the prefix (written by the image), this JVM's architecture, the running version. */
    public static io.roomwire.updater.DeviceIdentity identity(java.nio.file.Path home, String version) {
        String model = "roomwire";
        try {
            java.nio.file.Path f = home.resolve("model");
            if (java.nio.file.Files.exists(f)) {
                model = java.nio.file.Files.readString(f).strip();
            }
        } catch (java.io.IOException e) {
            Logger.warn("cannot read {}: {}", home.resolve("model"), e.getMessage());
        }
        String arch = System.getProperty("os.arch").replace("amd64", "x86_64");
        return new io.roomwire.updater.DeviceIdentity(model, arch, version);
    }

    /** An updater for the slotted install at {@code home}, downloading over HTTPS with the system's trust store. */
    public static Updater updater(java.nio.file.Path home, String version, java.time.Clock clock) throws Exception {
        return updater(home, version, clock, Updater.Settings.defaults().trialTimeout());
    }

    /** As above, with the trial timeout the launcher enforces (update.trial-timeout). */
    public static Updater updater(java.nio.file.Path home, String version, java.time.Clock clock, Duration trialTimeout) throws Exception {
        SlotStore slots = new SlotStore(home);
        io.roomwire.updater.Downloader downloader = new io.roomwire.updater.Downloader(
                java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build(),
                new io.roomwire.core.time.Backoff(Duration.ofSeconds(2), Duration.ofMinutes(2)), d -> Thread.sleep(d.toMillis()), 8,
                Duration.ofMinutes(10));
        return new Updater(slots, new io.roomwire.updater.TrustStore(home.resolve("root.json")), identity(home, version), clock,
                downloader, new Updater.Settings(Updater.Settings.defaults().trialStarts(), trialTimeout,
                Updater.Settings.defaults().maxBundleBytes(), Updater.Settings.defaults().maxInstalledBytes()), Updater.freeSpaceOf(home));
    }

    /** Updates are on when the launcher runs the agent from a slot and a trust root is installed. */
    public static Optional<AgentUpdates> forInstall(java.nio.file.Path home, String version, UpdatePolicy policy, Scheduler scheduler,
                                                    EventSink events, Supplier<Map<String, Health>> health, Consumer<String> restart,
                                                    Duration trialTimeout) {
        SlotStore slots = new SlotStore(home);
        if (!slots.isSlotted() || !java.nio.file.Files.exists(home.resolve("root.json"))) {
            return Optional.empty();
        }
        try {
            return Optional.of(new AgentUpdates(slots, updater(home, version, scheduler.clock(), trialTimeout), policy, scheduler, events, health,
                    restart, trialTimeout));
        } catch (Exception e) {
            Logger.error("updates are off: {}", e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * Hands a configuration just applied (reload or {@code config.set}) to the update policy: {@code mqtt.maintenance-window}
     * is live, and is read in {@code device.time-zone}, so the next install or restart decision uses them.
     */
    public static void configApplied(UpdatePolicy policy, io.roomwire.agent.config.Config next) {
        policy.maintenanceWindow(next.find(io.roomwire.agent.mgmt.MgmtSettings.MAINTENANCE_WINDOW),
                next.get(io.roomwire.agent.config.AgentSettings.TIME_ZONE));
    }

    /** Adds {@code update.apply} (a change: signed). */
    public void register(CommandRegistry registry) {
        registry.register("update.apply", "download, verify and install a signed bundle, then restart into it on trial",
                CommandRegistry.Access.CHANGE, true, this::apply);
    }

    @Override
    public String name() {
        return "update";
    }

    @Override
    public void start() throws Exception {
        rolledBack = slots.takeRolledBack();
        rolledBack.ifPresent(r -> {
            Logger.warn("update {} was rolled back by the launcher: {}", r.get("version"), r.get("reason"));
            events.emit(DeviceEvent.of("update.rolled_back", scheduler.now(), "version", r.getOrDefault("version", ""),
                    "reason", r.getOrDefault("reason", ""), "slot", slots.currentSlot()));
        });
        Optional<Map<String, String>> trial = slots.trial();
        if (trial.isPresent()) {
            trialStarted = scheduler.now();
            state = Health.degraded("on trial: version " + trial.get().get("version")
                    + " commits once every service is as healthy as before the update");
            watch = scheduler.scheduleAtFixedRate(Duration.ofSeconds(1), Duration.ofSeconds(1), this::checkTrial);
        }
        if (hawkbit.isPresent()) {
            poll = scheduler.schedule(Duration.ofSeconds(5), this::pollHawkbit);
        }
    }

    /** Polls hawkBit from now on (update.hawkbit-url); started with the service. */
    public AgentUpdates withHawkbit(io.roomwire.updater.hawkbit.DdiClient ddi) {
        hawkbit = Optional.of(new io.roomwire.updater.hawkbit.HawkbitPoller(ddi, updater, policy, slots,
                version -> restartWhenAllowed("update to " + version)));
        return this;
    }

    /** One DDI poll on its own thread (an install blocks for a while); the next at the server's sleep. */
    private void pollHawkbit() {
        Thread t = new Thread(() -> {
            Duration next = Duration.ofMinutes(5);
            try {
                io.roomwire.updater.hawkbit.HawkbitPoller p = hawkbit.orElseThrow();
                p.reportAfterBoot(rolledBack);
                next = p.pollOnce();
                updateServerReached = Optional.of(scheduler.now());
            } catch (java.io.IOException e) {
                Logger.warn("hawkBit poll failed: {}; next try in {} s", e.getMessage(), next.toSeconds());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            poll = scheduler.schedule(next, this::pollHawkbit);
        }, "roomwire-hawkbit");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Commits when no other service is worse than it was in the build the update replaced (as that build recorded it on
     * its way into the update: a room without a camera is DEGRADED before and after), or, with no record (an update
     * applied from the command line), when every other service is UP; and when the device's management plane was
     * reached on trial: the broker counts through the {@code mqtt} service (UP only once connected), and a device with
     * no broker but a hawkBit server needs a successful poll of it since the trial began. Fails the trial (the launcher
     * rolls back) when the time is over.
     */
    void checkTrial() {
        try {
            Optional<Map<String, String>> trial = slots.trial();
            if (trial.isEmpty()) {
                stopWatch();
                return;
            }
            Map<String, String> before = slots.healthBefore(trial.get().getOrDefault("version", "")).orElse(Map.of());
            Map<String, Health> services = health.get();
            Optional<String> down = services.entrySet().stream().filter(e -> !e.getKey().equals(name())
                            && !e.getValue().isUp() && worseThan(e.getValue(), before.get(e.getKey())))
                    .map(e -> e.getKey() + " " + e.getValue() + Optional.ofNullable(before.get(e.getKey()))
                            .map(b -> " (was " + b + " before the update)").orElse("")).findFirst();
            if (down.isEmpty() && hawkbit.isPresent() && !services.containsKey(MQTT)
                    && updateServerReached.filter(t -> !t.isBefore(trialStarted)).isEmpty()) {
                down = Optional.of("the update server (update.hawkbit-url) not reached: no broker is configured, so a"
                        + " successful hawkBit poll is what shows this build can still be managed");
            }
            if (down.isEmpty()) {
                slots.commit();
                stopWatch();
                state = Health.up();
                Logger.info("update {} committed in slot {}", trial.get().get("version"), slots.currentSlot());
                events.emit(DeviceEvent.of("update.committed", scheduler.now(), "version", trial.get().get("version"),
                        "slot", slots.currentSlot()));
            } else if (Duration.between(trialStarted, scheduler.now()).compareTo(trialTimeout) > 0) {
                stopWatch();
                slots.failTrial("not every service up, or the broker or update server not reached, within "
                        + trialTimeout.toSeconds() + " s: " + down.get());
                restart.accept("update trial failed");
            }
        } catch (java.io.IOException e) {
            Logger.error("update trial check failed: {}", e.getMessage());
        }
    }

    /** The management service's name: the broker counts as reached when it is UP. */
    private static final String MQTT = "mqtt";

    /** {@code now} is worse than the state recorded before the update ({@code before}; none recorded: anything but UP is). */
    private static boolean worseThan(Health now, String before) {
        if (before == null) {
            return true;
        }
        try {
            return now.state().ordinal() > Health.State.valueOf(before).ordinal();
        } catch (IllegalArgumentException e) {
            return true;
        }
    }

    /** How often a restart into an installed update that waits for the room asks the policy again. */
    static final Duration RESTART_RECHECK = Duration.ofSeconds(30);

    /**
     * Restarts into the slot an install switched to, once the update policy allows it. It was checked before the
     * download, but a call or a Join button may have come since, or the maintenance window closed. The new slot is
     * already current; its trial deadline starts only at its first start, so the wait costs the trial nothing.
     */
    void restartWhenAllowed(String why) {
        Optional<String> blocker = policy.blocker();
        if (blocker.isEmpty()) {
            pendingRestart = null;
            recordHealthBefore();
            restart.accept(why);
            return;
        }
        if (pendingRestart == null) {
            Logger.info("{} installed; the restart into it waits for {}", why, blocker.get());
        }
        pendingRestart = scheduler.schedule(RESTART_RECHECK, () -> restartWhenAllowed(why));
        state = Health.degraded(why + " installed; the restart into it waits for " + blocker.get());
    }

    /** What the trial of the update this build restarts into is judged against: each other service's state now. */
    private void recordHealthBefore() {
        try {
            Optional<Map<String, String>> trial = slots.trial();
            if (trial.isEmpty()) {
                return;
            }
            Map<String, String> states = new java.util.TreeMap<>();
            health.get().forEach((service, h) -> {
                if (!service.equals(name())) {
                    states.put(service, h.state().name());
                }
            });
            slots.recordHealthBefore(trial.get().getOrDefault("version", ""), states);
        } catch (java.io.IOException | RuntimeException e) {
            Logger.warn("cannot record the health before the update ({}); its trial will want every service UP", e.getMessage());
        }
    }

    private void stopWatch() {
        Scheduler.Cancellable w = watch;
        if (w != null) {
            w.cancel();
        }
    }

    @Override
    public void stop() {
        stopWatch();
        Scheduler.Cancellable p = poll;
        if (p != null) {
            p.cancel();
        }
        Scheduler.Cancellable r = pendingRestart;
        if (r != null) {
            r.cancel();
        }
    }

    @Override
    public Health health() {
        return state;
    }

    private CompletionStage<JsonElement> apply(CommandRequest req) throws CommandException {
        String url = req.string("url");
        String sha = req.string("sha256");
        if (!sha.matches("[0-9a-fA-F]{64}")) {
            throw CommandException.badRequest("sha256", "must be 64 hex digits (the bundle file's SHA-256)");
        }
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw CommandException.badRequest("url", "is not a URL");
        }
        if (!"https".equals(uri.getScheme())) {
            throw CommandException.badRequest("url", "must be https");
        }
        Optional<String> blocker = policy.blocker();
        if (blocker.isPresent()) {
            throw CommandException.busy("update waits for " + blocker.get() + "; send it again then");
        }
        CompletableFuture<JsonElement> done = new CompletableFuture<>();
        Thread worker = new Thread(() -> {
            int[] lastPercent = {-10};
            try {
                Updater.Installed installed = updater.apply(uri, Optional.of(sha.toLowerCase(java.util.Locale.ROOT)), (phase, n, total) -> {
                    int percent = total > 0 ? (int) (100 * n / total) : 0;
                    if (percent / 10 != lastPercent[0] / 10 || !"download".equals(phase)) {
                        lastPercent[0] = percent;
                        events.emit(DeviceEvent.of("update.progress", scheduler.now(), "phase", phase, "percent", percent));
                    }
                });
                JsonObject r = new JsonObject();
                r.addProperty("state", "installed");
                r.addProperty("version", installed.manifest().version());
                r.addProperty("slot", installed.slot());
                done.complete(r);
                events.emit(DeviceEvent.of("update.installed", scheduler.now(), "version", installed.manifest().version(),
                        "slot", installed.slot()));
                restartWhenAllowed("update to " + installed.manifest().version());
            } catch (UpdateRefused e) {
                events.emit(DeviceEvent.of("update.refused", scheduler.now(), "reason", e.reason().wire(), "message", e.getMessage()));
                done.completeExceptionally(new CommandException(CommandException.Code.REFUSED, e.reason().wire() + ": " + e.getMessage()));
            } catch (Exception e) {
                done.completeExceptionally(new CommandException(CommandException.Code.INTERNAL, "update failed: " + e.getMessage()));
            }
        }, "roomwire-update");
        worker.setDaemon(true);
        worker.start();
        return done;
    }
}
