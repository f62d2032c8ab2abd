package io.roomwire.agent.call;

import io.roomwire.agent.Agent;
import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.health.Service;
import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.MediaKind;
import io.roomwire.hal.PanelButton;
import io.roomwire.hal.PanelEvent;
import io.roomwire.hal.Screen;
import io.roomwire.hal.TouchPanel;
import io.roomwire.sip.Call;
import io.roomwire.sip.CallEvent;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sip.MediaStats;
import io.roomwire.sip.ua.SipJoinPath;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.tinylog.Logger;

/**
 * Calls of the room: the SIP join path as a service, the handler behind every Join button, and the
 * in-call screen (who, state, live media counters, Hang up). While a call is up the call screen
 * owns the panel; the meeting list comes back when it ends.
 */
public final class Calls {

    public static final String HANGUP_BUTTON = "call.hangup";
    private static final Duration SCREEN_REFRESH = Duration.ofSeconds(1);

    private final AtomicReference<SipJoinPath> sip = new AtomicReference<>();
    private final AtomicReference<Call> current = new AtomicReference<>();
    private final AtomicReference<String> lastEnd = new AtomicReference<>();
    private final List<Runnable> changeListeners = new CopyOnWriteArrayList<>();
    private volatile Scheduler.Cancellable refresher;

    /** Called when a call starts, changes state or ends (to re-render the meeting list, publish status ...). */
    public void onChange(Runnable r) {
        changeListeners.add(r);
    }

    /** The call being set up or in progress. */
    public Optional<Call> current() {
        return Optional.ofNullable(current.get()).filter(c -> c.state() != CallState.ENDED);
    }

    public boolean inCall() {
        return current().isPresent();
    }

    /** How the last call ended, for the status ("The gateway did not accept the meeting ID"). */
    public Optional<String> lastEnd() {
        return Optional.ofNullable(lastEnd.get());
    }

    /** What the room is doing, for the status line. */
    public String activity() {
        return current().map(c -> switch (c.state()) {
            case DIALING -> "dialing " + c.target().uri();
            case RINGING, EARLY_MEDIA -> "calling " + c.remoteName();
            case INCOMING -> "incoming call from " + c.remoteName();
            case ON_HOLD -> "in a call (on hold) with " + c.remoteName();
            default -> "in a call with " + c.remoteName() + " (" + c.stats().packetsSent() + " packets sent, "
                    + c.stats().packetsReceived() + " received)";
        }).orElse("idle");
    }

    /** Dials a join target (a Join press or a remote command); refuses while another call is up. */
    public Call join(JoinTarget target) {
        SipJoinPath path = sip.get();
        if (path == null) {
            throw new IllegalStateException("the SIP service is not running");
        }
        if (inCall()) {
            throw new IllegalStateException("the room is already in a call; hang up first");
        }
        if (!path.supports(target)) {
            throw new IllegalArgumentException("this room joins over SIP; " + target.kind().wireName()
                    + " targets (" + target.uri() + ") need the WebRTC path, which this build does not include");
        }
        Call c = path.dial(target);
        current.set(c);
        return c;
    }

    public List<Service> services(Agent agent) {
        io.roomwire.sip.SipSettings settings = SipAgentSettings.from(agent.config());
        SipJoinPath path = SipJoinPath.builder(settings, agent.scheduler())
                .events(agent.events()).panel(agent.device().panel()).codec(agent.device().codec()).build();
        TouchPanel panel = agent.device().panel();
        panel.onEvent(e -> {
            if (e instanceof PanelEvent.ButtonPressed p && p.buttonId().equals(HANGUP_BUTTON)) {
                current().ifPresent(Call::hangUp);
            } else if (e instanceof PanelEvent.KeypadDigits d) {
                current().filter(c -> c.state().isLive()).ifPresent(c -> c.sendDtmf(d.digits()));
            }
        });
        path.addListener(event -> onCallEvent(event, agent, panel));
        sip.set(path);
        List<Service> out = new ArrayList<>(List.of(path));
        // The synthetic health call (sip.health-interval + sip.health-target): DEGRADED when it fails.
        io.roomwire.sip.health.SyntheticCallCheck.fromSettings(path, settings, agent.scheduler(), agent.events())
                .ifPresent(out::add);
        return out;
    }

    private void onCallEvent(CallEvent event, Agent agent, TouchPanel panel) {
        Call call = event.call();
        if (event instanceof CallEvent.Incoming) {
            // A call in progress stays current: hang-up and DTMF never move to a new caller (issue 12).
            if (current().isEmpty()) {
                current.set(call);
            }
        } else if (event instanceof CallEvent.StateChanged sc) {
            current.compareAndSet(null, call);
            if (sc.state() == CallState.CONNECTED) {
                agent.events().emit(DeviceEvent.of("call.started", agent.scheduler().now(), "call", call.id(),
                        "target", call.target().uri(), "provider", call.target().provider()));
                startRefresher(agent.scheduler(), panel);
            }
            if (sc.state() != CallState.INCOMING && sc.state() != CallState.ENDED) {
                panel.show(callScreen(call, sc.message()));
            }
        } else if (event instanceof CallEvent.Ended ended) {
            current.compareAndSet(call, null);
            stopRefresher();
            lastEnd.set(ended.end().message());
            agent.events().emit(DeviceEvent.of("call.ended", agent.scheduler().now(), "call", call.id(),
                    "reason", ended.end().message(), "endedBy", ended.end().by().name().toLowerCase(java.util.Locale.ROOT),
                    "status", ended.end().status()));
            Logger.info("Call {} ended: {}", call.id(), ended.end().message());
        }
        changeListeners.forEach(Runnable::run);
    }

    private void startRefresher(Scheduler scheduler, TouchPanel panel) {
        stopRefresher();
        refresher = scheduler.scheduleAtFixedRate(SCREEN_REFRESH, SCREEN_REFRESH,
                () -> current().filter(c -> c.state().isLive()).ifPresent(c -> panel.show(callScreen(c, "Connected"))));
    }

    private void stopRefresher() {
        Scheduler.Cancellable r = refresher;
        if (r != null) {
            r.cancel();
        }
    }

    static Screen callScreen(Call call, String message) {
        List<String> lines = new ArrayList<>();
        lines.add(message);
        lines.add(call.target().uri());
        MediaStats s = call.stats();
        for (Map.Entry<MediaKind, MediaStats.Stream> e : s.streams().entrySet()) {
            MediaStats.Stream st = e.getValue();
            lines.add(String.format("%s%s: sent %d, received %d, lost %d, jitter %.1f ms", e.getKey().name().toLowerCase(),
                    st.secure() ? " (SRTP)" : "", st.packetsSent(), st.packetsReceived(), st.packetsLost(), st.jitterMillis()));
        }
        return new Screen("call", call.remoteName(), lines, List.of(new PanelButton(HANGUP_BUTTON, "Hang up", "")),
                Map.of("call", call.id(), "state", call.state().name().toLowerCase()));
    }
}
