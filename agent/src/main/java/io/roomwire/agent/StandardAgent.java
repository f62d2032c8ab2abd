package io.roomwire.agent;

import io.roomwire.agent.call.Calls;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.mdm.DeviceManagement;
import io.roomwire.agent.signin.SignIn;
import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.Device;
import io.roomwire.provisioning.AccessTokens;
import io.roomwire.provisioning.EnrollmentState;
import io.roomwire.sip.JoinTarget;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
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
        SignIn signIn = new SignIn();
        Calls calls = new Calls();
        MeetingRoom meetings = new MeetingRoom(signIn, target -> join(calls, target, events, scheduler), calls::inCall);
        DeviceManagement mdm = new DeviceManagement(signIn::identity,
                () -> signIn.tokens().flatMap(AccessTokens::accessToken),
                () -> meetings.calendar().flatMap(c -> c.lastSync()).map(t -> Duration.between(t, scheduler.now())));
        RemoteManagement remote = new RemoteManagement(signIn,
                a -> new AgentRoomControl(a, signIn, calls, meetings, mdm, configFile, rebooter),
                registry -> registry.register("compliance.checkin", "MDM check-in now; replies with the outcome",
                        io.roomwire.agent.mgmt.CommandRegistry.Access.ACT, true, req -> mdm.checkInCommand(scheduler)));

        Agent agent = Agent.builder().config(config).device(device).scheduler(scheduler).events(events)
                .feature(signIn::services)
                .feature(calls::services)
                .feature(meetings::services)
                .feature(mdm::services)
                .feature(remote::services)
                .build();
        agent.setActivity(calls::activity);

        signIn.onEnrollmentChange(st -> {
            if (st.state() == EnrollmentState.ENROLLED) {
                mdm.signedIn(scheduler);
            }
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

    /** A Join press: dial, or say on the event channel why the room cannot. */
    private static void join(Calls calls, JoinTarget target, EventSink events, Scheduler scheduler) {
        try {
            calls.join(target);
        } catch (IllegalStateException | IllegalArgumentException e) {
            Logger.warn("Join {} refused: {}", target.uri(), e.getMessage());
            events.emit(DeviceEvent.of("call.failed", scheduler.now(), "target", target.uri(), "reason", e.getMessage()));
        }
    }
}
