package io.roomwire.agent;

import io.roomwire.agent.calendar.CalendarService;
import io.roomwire.agent.calendar.CalendarSettings;
import io.roomwire.agent.calendar.GraphToken;
import io.roomwire.agent.config.AgentSettings;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.obtp.ObtpService;
import io.roomwire.agent.obtp.ObtpSettings;
import io.roomwire.agent.signin.SignIn;
import io.roomwire.agent.signin.SignInGatedPanel;
import io.roomwire.core.health.Service;
import io.roomwire.provisioning.AccessTokens;
import io.roomwire.provisioning.EnrollmentState;
import io.roomwire.sip.JoinTarget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.tinylog.Logger;

/**
 * The meeting side of the agent: the room's calendar from Graph and the Join buttons on the panel.
 * The calendar runs when a mailbox is configured and the room signs in; the buttons always run
 * (from the cached calendar when the cloud is away).
 */
final class MeetingRoom {

    /** How long "Enrolled as ..." stays on the panel before the meeting list takes over. */
    private static final Duration ENROLLED_NOTICE = Duration.ofSeconds(5);

    private final SignIn signIn;
    private final Consumer<JoinTarget> join;
    private final AtomicReference<CalendarService> calendar = new AtomicReference<>();
    private final AtomicReference<ObtpService> obtp = new AtomicReference<>();

    private final java.util.function.BooleanSupplier inCall;

    MeetingRoom(SignIn signIn, Consumer<JoinTarget> join, java.util.function.BooleanSupplier inCall) {
        this.signIn = signIn;
        this.join = join;
        this.inCall = inCall;
    }

    Optional<CalendarService> calendar() {
        return Optional.ofNullable(calendar.get());
    }

    Optional<ObtpService> obtp() {
        return Optional.ofNullable(obtp.get());
    }

    List<Service> services(Agent agent) {
        Config config = agent.config();
        boolean signInConfigured = SignIn.entraConfig(config).isPresent();
        AtomicBoolean signInOwnsPanel = new AtomicBoolean(signInConfigured);
        // The device code and the call screen own the panel while they show; the meeting list waits.
        SignInGatedPanel panel = new SignInGatedPanel(agent.device().panel(),
                () -> signInOwnsPanel.get() || inCall.getAsBoolean());

        List<Service> out = new ArrayList<>();
        CalendarService cal = null;
        if (signInConfigured && config.find(CalendarSettings.MAILBOX).isPresent()) {
            cal = CalendarService.fromConfig(config, graphToken(), agent.scheduler(), agent.store(),
                    CalendarService.cacheCipher(signIn::identity));
            calendar.set(cal);
            out.add(cal);
        }
        CalendarService c = cal;
        ObtpService o = ObtpService.builder()
                .meetings(c != null ? c::meetings : List::of)
                .scheduler(agent.scheduler())
                .zone(config.get(AgentSettings.TIME_ZONE))
                .panel(panel)
                .joinHandler(join)
                .events(agent.events())
                .title(config.get(AgentSettings.DEVICE_NAME))
                .settings(ObtpSettings.from(config))
                .dependsOn(c != null ? List.of(c.name()) : List.of())
                .build();
        obtp.set(o);
        if (c != null) {
            c.addListener(meetings -> o.calendarChanged());
        }
        out.add(o);

        signIn.onEnrollmentChange(status -> {
            boolean signedIn = status.state() == EnrollmentState.ENROLLED
                    || status.state() == EnrollmentState.BLOCKED_BY_COMPLIANCE;
            if (!signedIn) {
                signInOwnsPanel.set(true);
            } else if (signInOwnsPanel.get()) {
                agent.scheduler().schedule(ENROLLED_NOTICE, () -> {
                    signInOwnsPanel.set(false);
                    panel.release();
                    o.calendarChanged();
                });
            }
        });
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
        };
    }
}
