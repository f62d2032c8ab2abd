package io.roomwire.agent;

import io.roomwire.agent.call.Calls;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.mdm.DeviceManagement;
import io.roomwire.agent.panel.web.WebPanelService;
import io.roomwire.agent.signin.SignIn;
import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.health.Service;
import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.Device;
import io.roomwire.provisioning.AccessTokens;
import io.roomwire.provisioning.EnrollmentState;
import io.roomwire.sip.JoinTarget;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.tinylog.Logger;

/**
 * The agent with every feature the configuration turns on: what {@code roomwire run} and the
 * simulated room run. This is the one place the features are wired to each other.
 */
public final class StandardAgent {

    private StandardAgent() {
    }

    public static Agent build(Config config, Device device, Scheduler scheduler, EventSink.Hub events) {
        return build(config, device, scheduler, events, Optional.empty(),
                reason -> Logger.warn("Reboot requested ({}) but this agent has no way to restart itself", reason));
    }

    /**
     * @param configFile where {@code config.set} writes the changed configuration (none: refused)
     * @param rebooter   restarts the device or agent when {@code device.reboot} is carried out
     */
    public static Agent build(Config config, Device device, Scheduler scheduler, EventSink.Hub events,
                              Optional<Path> configFile, Consumer<String> rebooter) {
        // The panel's web page wraps the hardware's panel, so every feature's screens reach both.
        AtomicReference<Agent> built = new AtomicReference<>();
        Optional<WebPanelService> web = WebPanelService.fromConfig(config, device.panel(), scheduler, () -> {
            Agent a = built.get();
            return a == null ? List.of() : WebPanelService.adminSections(device.info(), a.health(),
                    device.peripherals().status(), Version.get());
        });
        Device roomDevice = web.map(w -> new Device(device.info(), device.camera(), device.codec(), w.panel(),
                device.peripherals())).orElse(device);
        SignIn signIn = new SignIn();
        Calls calls = new Calls();
        MeetingRoom meetings = new MeetingRoom(signIn, target -> join(calls, target, events, scheduler), calls::ownsPanel);
        DeviceManagement mdm = new DeviceManagement(signIn::identity,
                () -> signIn.tokens().flatMap(AccessTokens::accessToken),
                () -> meetings.calendar().flatMap(c -> c.lastSync()).map(t -> Duration.between(t, scheduler.now())));
        RemoteManagement remote = new RemoteManagement(signIn,
                a -> new AgentRoomControl(a, signIn, calls, meetings, mdm, configFile, rebooter),
                registry -> registry.register("compliance.checkin", "MDM check-in now; replies with the outcome",
                        io.roomwire.agent.mgmt.CommandRegistry.Access.ACT, true, req -> mdm.checkInCommand(scheduler)));

        Agent agent = Agent.builder().config(config).device(roomDevice).scheduler(scheduler).events(events)
                .feature(a -> web.<List<Service>>map(List::of).orElse(List.of()))
                .feature(signIn::services)
                .feature(calls::services)
                .feature(meetings::services)
                .feature(mdm::services)
                .feature(remote::services)
                .build();
        agent.setActivity(calls::activity);
        built.set(agent);

        AtomicReference<String> accessBanner = new AtomicReference<>();
        signIn.onEnrollmentChange(st -> {
            if (st.state() == EnrollmentState.ENROLLED) {
                mdm.signedIn(scheduler);
            }
            conditionalAccessBanner(roomDevice.panel(), st, accessBanner);
            remote.statusChanged();
        });
        calls.onChange(() -> {
            if (!calls.inCall()) {
                meetings.obtp().ifPresent(o -> o.refresh());
            }
            remote.statusChanged();
        });
        events.subscribe(e -> {
            if (e.type().startsWith("button.") || e.type().startsWith("compliance.")) {
                remote.statusChanged();
            }
        });
        return agent;
    }

    /**
     * Conditional access refusing tokens (AADSTS53000 and kin) as a banner, also when MDM is off and so
     * no compliance banner explains it; cleared when sign-in recovers, leaving any other banner alone.
     */
    private static void conditionalAccessBanner(io.roomwire.hal.TouchPanel panel, io.roomwire.provisioning.EnrollmentStatus st,
                                                AtomicReference<String> ours) {
        if (st.state() == EnrollmentState.BLOCKED_BY_COMPLIANCE) {
            String text = "Conditional access blocks this room's sign-in: " + st.reason();
            if (panel.currentBanner().isEmpty() || panel.currentBanner().equals(Optional.ofNullable(ours.get()))) {
                ours.set(text);
                panel.banner(Optional.of(text));
            }
        } else {
            String was = ours.getAndSet(null);
            if (was != null && panel.currentBanner().equals(Optional.of(was))) {
                panel.banner(Optional.empty());
            }
        }
    }

    /** A Join press: dial, or say on the event channel why the room cannot. */
    private static void join(Calls calls, JoinTarget target, EventSink events, Scheduler scheduler) {
        try {
            calls.join(target);
        } catch (IllegalStateException | IllegalArgumentException e) {
            Logger.warn("Join {} refused: {}", target.uri(), e.getMessage());
            events.emit(DeviceEvent.of("call.failed", scheduler.now(), "target", target.uri(), "reason", e.getMessage()));
            calls.joinRefused(target, e.getMessage());
        }
    }
}
