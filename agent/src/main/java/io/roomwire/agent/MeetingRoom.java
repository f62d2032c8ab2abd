package io.roomwire.agent;

import io.roomwire.agent.calendar.CalendarService;
import io.roomwire.agent.calendar.CalendarSettings;
import io.roomwire.agent.calendar.GraphToken;
import io.roomwire.agent.config.AgentSettings;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.obtp.MeetingInvite;
import io.roomwire.agent.obtp.ObtpService;
import io.roomwire.agent.obtp.ObtpSettings;
import io.roomwire.agent.panel.RoomPanel;
import io.roomwire.agent.signin.SignIn;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.health.Service;
import io.roomwire.core.store.FileStore;
import io.roomwire.core.time.Scheduler;
import io.roomwire.provisioning.AccessTokens;
import io.roomwire.provisioning.EnrollmentState;
import io.roomwire.provisioning.EnrollmentStatus;
import io.roomwire.sip.JoinTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.tinylog.Logger;

/**
 * The meeting side of the agent: the room's calendar from Graph and the Join buttons on the panel's
 * home layer. The calendar runs when a mailbox is configured and the room signs in; the buttons
 * always run (from the cached calendar when the cloud is away).
 */
final class MeetingRoom {

    private final SignIn signIn;
    private final Optional<CalendarService> calendar;
    private final ObtpService obtp;

    MeetingRoom(Config config, Scheduler scheduler, FileStore store, EventSink events, SignIn signIn,
                RoomPanel panel, java.util.function.BiConsumer<JoinTarget, List<JoinTarget>> join,
                io.roomwire.core.health.AfterStart afterStart) {
        this.signIn = signIn;
        boolean signInConfigured = SignIn.entraConfig(config).isPresent();
        this.calendar = signInConfigured && config.find(CalendarSettings.MAILBOX).isPresent()
                ? Optional.of(CalendarService.fromConfig(config, graphToken(), scheduler, store,
                        CalendarService.cacheCipher(signIn::identity), afterStart))
                : Optional.empty();
        Supplier<List<MeetingInvite>> meetings = calendar.isPresent() ? calendar.get()::meetings : List::of;
        this.obtp = ObtpService.builder()
                .meetings(meetings)
                .scheduler(scheduler)
                .zone(config.get(AgentSettings.TIME_ZONE))
                .panel(panel.home())
                .joinWithFallbacks(join)
                .events(events)
                .title(config.get(AgentSettings.DEVICE_NAME))
                .settings(ObtpSettings.forRoom(config))
                .dependsOn(calendar.map(c -> List.of(c.name())).orElse(List.of()))
                .build();
        calendar.ifPresent(c -> c.addListener(changed -> obtp.calendarChanged()));
    }

    Optional<CalendarService> calendar() {
        return calendar;
    }

    ObtpService obtp() {
        return obtp;
    }

    List<Service> services() {
        List<Service> out = new ArrayList<>();
        calendar.ifPresent(out::add);
        out.add(obtp);
        return out;
    }

    private GraphToken graphToken() {
        return new GraphToken() {
            @Override
            public Optional<String> accessToken() {
                return signIn.tokens().flatMap(AccessTokens::accessToken);
            }

            @Override
            public Optional<String> refreshAfterUnauthorized() {
                Optional<AccessTokens> t = signIn.tokens();
                if (t.isEmpty()) {
                    return Optional.empty();
                }
                try {
                    return t.get().refreshAfterUnauthorized().get(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Optional.empty();
                } catch (Exception e) {
                    Logger.warn("Token refresh after Graph 401 failed: {}", e.getMessage());
                    return Optional.empty();
                }
            }

            @Override
            public String whyNoToken() {
                Optional<AccessTokens> t = signIn.tokens();
                if (t.isEmpty() || t.get().account().isEmpty()) {
                    return GraphToken.super.whyNoToken();
                }
                EnrollmentStatus s = t.get().enrollment();
                return s.state() == EnrollmentState.ENROLLED
                        ? "the access token expired and Entra has not refreshed it yet (see the entra service)"
                        : "sign-in is " + s.state().name().toLowerCase(java.util.Locale.ROOT) + ": " + s.reason();
            }
        };
    }
}
