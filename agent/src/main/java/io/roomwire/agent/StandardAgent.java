package io.roomwire.agent;

import io.roomwire.agent.call.Calls;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.mdm.DeviceManagement;
import io.roomwire.agent.signin.SignIn;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.Device;

/** The agent with every feature the configuration turns on: what {@code roomwire run} runs. */
public final class StandardAgent {

    private StandardAgent() {
    }

    public static Agent build(Config config, Device device, Scheduler scheduler, EventSink.Hub events) {
        return build(config, device, scheduler, events, java.util.Optional.empty(),
                reason -> org.tinylog.Logger.warn("Reboot requested ({}) but this agent has no way to restart itself", reason));
    }

    /**
     * @param configFile where {@code config.set} writes the changed configuration (none: refused)
     * @param rebooter   restarts the device or agent when {@code device.reboot} is carried out
     */
    public static Agent build(Config config, Device device, Scheduler scheduler, EventSink.Hub events,
                              java.util.Optional<java.nio.file.Path> configFile,
                              java.util.function.Consumer<String> rebooter) {
        SignIn signIn = new SignIn();
        Calls calls = new Calls();
        MeetingRoom meetings = new MeetingRoom(signIn, target -> {
            try {
                calls.join(target);
            } catch (IllegalStateException | IllegalArgumentException e) {
                org.tinylog.Logger.warn("Join {} refused: {}", target.uri(), e.getMessage());
                events.emit(io.roomwire.core.event.DeviceEvent.of("call.failed", scheduler.now(),
                        "target", target.uri(), "reason", e.getMessage()));
            }
        }, calls::inCall);
        DeviceManagement mdm = new DeviceManagement(signIn::identity,
                () -> signIn.tokens().flatMap(io.roomwire.provisioning.AccessTokens::accessToken),
                () -> meetings.calendar().flatMap(c -> c.lastSync())
                        .map(t -> java.time.Duration.between(t, scheduler.now())));
        // Enroll in MDM as soon as the room has signed in, rather than at the next retry.
        signIn.onEnrollmentChange(st -> {
            if (st.state() == io.roomwire.provisioning.EnrollmentState.ENROLLED) {
                mdm.service().filter(m -> m.enrollment().isEmpty()).ifPresent(m -> scheduler.execute(() -> {
                    try {
                        m.enrollNow();
                        m.checkInNow();
                    } catch (io.roomwire.provisioning.mdm.MdmException e) {
                        org.tinylog.Logger.warn("MDM enrollment after sign-in failed ({}); retrying on schedule", e.getMessage());
                    }
                }));
            }
        });
        Agent.Builder b = Agent.builder().config(config).device(device).scheduler(scheduler).events(events)
                .feature(signIn::services)
                .feature(calls::services)
                .feature(meetings::services)
                .feature(mdm::services);
        RemoteManagement remote = new RemoteManagement(signIn,
                a -> new AgentRoomControl(a, signIn, calls, meetings, mdm, configFile, rebooter),
                registry -> registry.register("compliance.checkin", "MDM check-in now; replies with the outcome",
                        false, true, req -> complianceCheckIn(mdm, scheduler)));
        b.feature(remote::services);
        Agent agent = b.build();
        agent.setActivity(calls::activity);
        calls.onChange(() -> {
            meetings.obtp().ifPresent(o -> {
                if (!calls.inCall()) {
                    o.refresh();
                }
            });
            remote.statusChanged();
        });
        signIn.onEnrollmentChange(st -> remote.statusChanged());
        events.subscribe(e -> {
            if (e.type().startsWith("button.") || e.type().startsWith("compliance.")) {
                remote.statusChanged();
            }
        });
        return agent;
    }

    /** {@code compliance.checkin}: one OMA-DM session on a scheduler thread, answered with its outcome. */
    private static java.util.concurrent.CompletionStage<com.google.gson.JsonElement> complianceCheckIn(
            DeviceManagement mdm, Scheduler scheduler) throws io.roomwire.agent.mgmt.CommandException {
        io.roomwire.provisioning.mdm.MdmService m = mdm.service().orElseThrow(() ->
                io.roomwire.agent.mgmt.CommandException.badRequest("mdm", "MDM is off: set mdm.enabled, mdm.discovery-url and mdm.upn"));
        java.util.concurrent.CompletableFuture<com.google.gson.JsonElement> f = new java.util.concurrent.CompletableFuture<>();
        scheduler.execute(() -> {
            try {
                io.roomwire.provisioning.mdm.CheckInResult r = m.checkInNow();
                com.google.gson.JsonObject o = new com.google.gson.JsonObject();
                o.addProperty("outcome", r.outcome().name().toLowerCase(java.util.Locale.ROOT));
                o.addProperty("message", r.message());
                o.addProperty("roundTrips", r.roundTrips());
                o.addProperty("bytesSent", r.bytesSent());
                o.addProperty("bytesReceived", r.bytesReceived());
                r.compliance().ifPresent(c -> {
                    o.addProperty("compliant", c.compliant());
                    o.addProperty("reasons", c.reasons());
                });
                f.complete(o);
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }
}
