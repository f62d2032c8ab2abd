package io.roomwire.agent;

import io.roomwire.agent.call.Calls;
import io.roomwire.agent.call.JoinPaths;
import io.roomwire.agent.call.SipAgentSettings;
import io.roomwire.agent.config.AgentSettings;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.mdm.DeviceManagement;
import io.roomwire.agent.mgmt.CommandRegistry;
import io.roomwire.agent.panel.RoomPanel;
import io.roomwire.agent.panel.web.WebPanelService;
import io.roomwire.agent.signin.SignIn;
import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.health.AfterStart;
import io.roomwire.core.health.Health;
import io.roomwire.core.health.Service;
import io.roomwire.core.store.FileStore;
import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.Device;
import io.roomwire.provisioning.AccessTokens;
import io.roomwire.provisioning.EnrollmentState;
import io.roomwire.sip.JoinTarget;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.tinylog.Logger;

/**
 * The composition root: builds the whole agent from the configuration, the hardware and the
 * scheduler as a plain object graph. Each feature gets what it needs through its constructor and
 * this is the one place they are wired to each other (what {@code roomwire run} and the simulated
 * room run).
 */
public final class StandardAgent {

    private StandardAgent() {
    }

    public static Agent build(Config config, Device device, Scheduler scheduler, EventSink.Hub events) {
        return build(config, device, scheduler, events, Optional.empty(), Map.of(),
                reason -> Logger.warn("Reboot requested ({}) but this agent has no way to restart itself", reason));
    }

    /**
     * @param configFile where {@code config.set} writes the changed configuration and what a reload
     *                   re-reads (none: both refused)
     * @param env        the environment {@code config} was loaded with (its overrides win on a reload too)
     * @param rebooter   restarts the device or agent when {@code device.reboot} is carried out
     */
    public static Agent build(Config config, Device hardware, Scheduler scheduler, EventSink.Hub events,
                              Optional<Path> configFile, Map<String, String> env, Consumer<String> rebooter) {
        String deviceId = Agent.deviceId(config, hardware);
        FileStore store = new FileStore(config.get(AgentSettings.STATE_DIR), scheduler.clock());
        // Remote commands and the web panel's admin page read the services' health, which the lifecycle built below owns.
        HealthView health = new HealthView();
        // Work no service's UP needs (a calendar sync from a fresh cache, an enrolled MDM check-in, Entra's HTTP
        // client for stored tokens) waits for the rest of the start; the lifecycle opens this once every service is UP.
        AfterStart afterStart = new AfterStart();
        // The web page wraps the hardware's panel before RoomPanel sees it: every screen reaches both, presses from both.
        Optional<WebPanelService> web = WebPanelService.fromConfig(config, hardware.panel(), scheduler,
                () -> WebPanelService.adminSections(hardware.info(), health.get(), hardware.peripherals().status(),
                        Version.get()));
        Device device = web.map(w -> new Device(hardware.info(), hardware.camera(), hardware.codec(), w.panel(),
                hardware.peripherals())).orElse(hardware);

        // The gateway.* profiles are live: the invitation parser re-reads them with the obtp.* settings, the dial here.
        io.roomwire.agent.call.GatewaySettings.Live gateways = new io.roomwire.agent.call.GatewaySettings.Live(config);
        Calls calls = JoinPaths.forRoom(SipAgentSettings.from(config), scheduler, events, device.codec(),
                io.roomwire.agent.call.WebRtcAgentSettings.from(config), gateways);
        RoomPanel panel = new RoomPanel(device.panel(), scheduler, calls::current);
        panel.controlMedia(device.codec());
        calls.onCallEvent(panel::callEvent);
        calls.onFallback(panel::fellBack);
        SignIn signIn = new SignIn(config, store, scheduler, events, panel, afterStart);
        if (SignIn.entraConfig(config).isPresent()) {
            panel.claimSignIn(); // before the first code: a calendar refresh must never hide it
        }
        MeetingRoom meetings = new MeetingRoom(config, scheduler, store, events, signIn, panel,
                (target, next) -> join(calls, panel, target, next, events, scheduler), afterStart);
        DeviceManagement mdm = new DeviceManagement(config, scheduler, store, events, device.info(), panel::banner,
                signIn::identity, () -> signIn.tokens().flatMap(AccessTokens::accessToken),
                () -> meetings.calendar().flatMap(c -> c.lastSync()).map(t -> Duration.between(t, scheduler.now())),
                afterStart);
        AgentRoomControl control = new AgentRoomControl(config, scheduler, device, health, signIn, calls, meetings,
                mdm, configFile, rebooter);
        io.roomwire.updater.UpdatePolicy updatePolicy = new io.roomwire.updater.UpdatePolicy(calls::inCall,
                () -> meetings.obtp().agenda().map(a -> !a.buttons().isEmpty()).orElse(false),
                config.find(io.roomwire.agent.mgmt.MgmtSettings.MAINTENANCE_WINDOW), scheduler.clock(),
                config.get(io.roomwire.agent.config.AgentSettings.TIME_ZONE));
        // mqtt.maintenance-window is live: a reload or config.set applies to the next update or restart decision.
        control.onApplied(next -> io.roomwire.agent.update.AgentUpdates.configApplied(updatePolicy, next));
        if (io.roomwire.agent.call.WebRtcAgentSettings.from(config).isPresent()) {
            calls.onCallEvent(new io.roomwire.agent.call.WebRtcMemoryGuard(
                    (long) config.get(io.roomwire.agent.call.WebRtcAgentSettings.RESTART_AFTER_NATIVE_MB) << 20,
                    io.roomwire.agent.mgmt.internal.ProcessStats::outsideJvmBytes, updatePolicy::blocker, scheduler, events,
                    rebooter)::callEvent);
        }
        Optional<io.roomwire.agent.update.AgentUpdates> updates = io.roomwire.agent.update.AgentUpdates.forInstall(
                io.roomwire.agent.update.AgentUpdates.home(), Version.get(), updatePolicy, scheduler, events, health, rebooter,
                config.get(io.roomwire.agent.update.UpdateSettings.TRIAL_TIMEOUT));
        config.find(io.roomwire.agent.update.UpdateSettings.HAWKBIT_URL).ifPresent(url -> updates.ifPresent(u -> {
            try {
                u.withHawkbit(new io.roomwire.updater.hawkbit.DdiClient(java.net.http.HttpClient.newBuilder()
                        .connectTimeout(Duration.ofSeconds(20)).build(), url,
                        config.get(io.roomwire.agent.update.UpdateSettings.HAWKBIT_TENANT),
                        config.find(io.roomwire.agent.update.UpdateSettings.HAWKBIT_CONTROLLER_ID).orElse(deviceId),
                        config.find(io.roomwire.agent.update.UpdateSettings.HAWKBIT_TOKEN).orElse(""), Duration.ofSeconds(30),
                        config.get(io.roomwire.agent.update.UpdateSettings.LAB_ALLOW_PLAIN_HTTP)));
            } catch (IllegalArgumentException e) {
                Logger.error("hawkBit polling is off: {}", e.getMessage());
            }
        }));
        RemoteManagement remote = new RemoteManagement(config, deviceId, scheduler, store, events, signIn, control,
                registry -> {
                    registry.register("compliance.checkin", "MDM check-in now; replies with the outcome",
                            CommandRegistry.Access.ACT, true, req -> mdm.checkInCommand());
                    updates.ifPresent(u -> u.register(registry));
                });
        control.onApplied(remote::configApplied);
        control.onApplied(gateways);
        Optional<ConfigReload> reload = configFile.map(f -> new ConfigReload(f, env, scheduler, events, config,
                control::config, control::apply));

        List<Service> services = new ArrayList<>();
        services.add(new DeviceService(device));
        web.ifPresent(services::add);
        services.addAll(signIn.services());
        services.addAll(calls.services());
        services.addAll(meetings.services());
        services.addAll(mdm.services());
        services.addAll(remote.services());
        updates.ifPresent(services::add);
        Agent agent = new Agent(config, device, scheduler, store, events, deviceId, services, calls::activity,
                reload, new Random(), afterStart);
        health.source = agent::health;
        agent.onClockStep(by -> {
            // the calendar window is days around today and the buttons are for now: both follow the new date
            meetings.calendar().ifPresent(c -> c.syncNow());
            meetings.obtp().refresh();
        });

        signIn.onEnrollmentChange(st -> {
            panel.signInChanged(st);
            if (st.state() == EnrollmentState.ENROLLED) {
                mdm.signedIn();
                // the calendar backed off while there was no token (up to agent.retry-max): it has one now
                meetings.calendar().ifPresent(c -> c.syncNow());
            }
            remote.statusChanged();
        });
        calls.onCallEvent(e -> remote.statusChanged());
        events.subscribe(e -> {
            if (e.type().startsWith("button.") || e.type().startsWith("compliance.")) {
                remote.statusChanged();
            }
        });
        return agent;
    }

    /**
     * A Join press: dial (with the meeting's other targets to fall back to if a WebRTC join fails before
     * media), or say on the event channel and the panel why the room cannot.
     */
    static void join(Calls calls, RoomPanel panel, JoinTarget target, List<JoinTarget> next, EventSink events,
                     Scheduler scheduler) {
        try {
            calls.join(target, next);
        } catch (IllegalStateException | IllegalArgumentException e) {
            Logger.warn("Join {} refused: {}", target.uri(), e.getMessage());
            events.emit(DeviceEvent.of("call.failed", scheduler.now(), "target", target.uri(), "reason", e.getMessage()));
            panel.joinRefused(target.uri(), e.getMessage());
        }
    }

    /** The lifecycle's health for remote commands; set once the agent is built, before anything starts. */
    private static final class HealthView implements Supplier<Map<String, Health>> {
        private volatile Supplier<Map<String, Health>> source = Map::of;

        @Override
        public Map<String, Health> get() {
            return source.get();
        }
    }
}
