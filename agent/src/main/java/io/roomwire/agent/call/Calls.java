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
import java.time.Instant;
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
    public static final String MUTE_BUTTON = "call.mute";
    public static final String CAMERA_BUTTON = "call.camera";
    public static final String VOLUME_DOWN_BUTTON = "call.volume-down";
    public static final String VOLUME_UP_BUTTON = "call.volume-up";
    public static final String DISMISS_BUTTON = "call.dismiss";
    private static final Duration SCREEN_REFRESH = Duration.ofSeconds(1);
    /** How long "Couldn't join ..." stays when nobody presses OK. */
    private static final Duration FAILURE_NOTICE = Duration.ofSeconds(20);

    private final AtomicReference<SipJoinPath> sip = new AtomicReference<>();
    private final AtomicReference<Call> current = new AtomicReference<>();
    private final AtomicReference<String> lastEnd = new AtomicReference<>();
    private final List<Runnable> changeListeners = new CopyOnWriteArrayList<>();
    private volatile Scheduler.Cancellable refresher;
    private volatile Instant connectedAt;
    private volatile boolean micMuted;
    private volatile boolean cameraOff;
    private volatile int volume = 70;
    private volatile boolean failureShowing;
    private volatile Scheduler.Cancellable failureTimer;
    private volatile TouchPanel panel;
    private volatile Scheduler scheduler;

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

    /** The call screen or a "Couldn't join" notice is on the panel: the meeting list waits. */
    public boolean ownsPanel() {
        return inCall() || failureShowing;
    }

    /** A join that could not even be dialed (no SIP service, already in a call): say so on the panel. */
    public void joinRefused(JoinTarget target, String reason) {
        showFailure(target.uri(), reason, 0);
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
        this.panel = panel;
        this.scheduler = agent.scheduler();
        panel.onEvent(e -> {
            if (e instanceof PanelEvent.ButtonPressed p && p.buttonId().equals(HANGUP_BUTTON)) {
                current().ifPresent(Call::hangUp);
            } else if (e instanceof PanelEvent.ButtonPressed p && p.buttonId().equals(DISMISS_BUTTON)) {
                dismissFailure();
            } else if (e instanceof PanelEvent.ButtonPressed p && p.buttonId().startsWith("call.")) {
                controlPressed(p.buttonId(), panel);
            }
            // Keypad digits: SipJoinPath sends them to its live calls; sending here too doubled every digit.
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
            current.set(call);
            resetControls();
        } else if (event instanceof CallEvent.StateChanged sc) {
            if (current.compareAndSet(null, call) || sc.state() == CallState.DIALING) {
                resetControls();
            }
            if (sc.state() == CallState.CONNECTED && connectedAt == null) {
                connectedAt = agent.scheduler().now();
            }
            if (sc.state() == CallState.CONNECTED) {
                agent.events().emit(DeviceEvent.of("call.started", agent.scheduler().now(), "call", call.id(),
                        "target", call.target().uri(), "provider", call.target().provider()));
                startRefresher(agent.scheduler(), panel);
            }
            if (sc.state() != CallState.INCOMING && sc.state() != CallState.ENDED) {
                panel.show(callScreen(call, sc.message(), this));
            }
        } else if (event instanceof CallEvent.Ended ended) {
            current.compareAndSet(call, null);
            stopRefresher();
            lastEnd.set(ended.end().message());
            agent.events().emit(DeviceEvent.of("call.ended", agent.scheduler().now(), "call", call.id(),
                    "reason", ended.end().message(), "endedBy", ended.end().by().name().toLowerCase(java.util.Locale.ROOT),
                    "status", ended.end().status()));
            Logger.info("Call {} ended: {}", call.id(), ended.end().message());
            boolean wasConnected = connectedAt != null;
            connectedAt = null;
            if (!wasConnected && ended.end().by() != io.roomwire.sip.CallEnd.EndedBy.LOCAL && !call.incoming()) {
                showFailure(call.target().uri(), ended.end().message(), ended.end().status());
            }
        }
        changeListeners.forEach(Runnable::run);
    }

    private void startRefresher(Scheduler scheduler, TouchPanel panel) {
        stopRefresher();
        refresher = scheduler.scheduleAtFixedRate(SCREEN_REFRESH, SCREEN_REFRESH,
                () -> current().filter(c -> c.state().isLive()).ifPresent(c -> panel.show(callScreen(c, "Connected", this))));
    }

    private void stopRefresher() {
        Scheduler.Cancellable r = refresher;
        if (r != null) {
            r.cancel();
        }
    }

    static Screen callScreen(Call call, String message, Calls controls) {
        List<String> lines = new ArrayList<>();
        lines.add(message);
        lines.add(call.target().uri());
        MediaStats s = call.stats();
        com.google.gson.JsonArray media = new com.google.gson.JsonArray();
        for (Map.Entry<MediaKind, MediaStats.Stream> e : s.streams().entrySet()) {
            MediaStats.Stream st = e.getValue();
            lines.add(String.format("%s%s: sent %d, received %d, lost %d, jitter %.1f ms", e.getKey().name().toLowerCase(),
                    st.secure() ? " (SRTP)" : "", st.packetsSent(), st.packetsReceived(), st.packetsLost(), st.jitterMillis()));
            com.google.gson.JsonObject m = new com.google.gson.JsonObject();
            m.addProperty("kind", e.getKey().name().toLowerCase(java.util.Locale.ROOT));
            m.addProperty("secure", st.secure());
            m.addProperty("sent", st.packetsSent());
            m.addProperty("received", st.packetsReceived());
            m.addProperty("lost", st.packetsLost());
            m.addProperty("jitter_ms", Math.round(st.jitterMillis() * 10) / 10.0);
            media.add(m);
        }
        Map<String, String> data = new java.util.HashMap<>();
        data.put("call", call.id());
        data.put("state", call.state().name().toLowerCase(java.util.Locale.ROOT));
        data.put("target", call.target().uri());
        data.put("media", media.toString());
        data.put("mic", controls.micMuted ? "muted" : "on");
        data.put("camera", controls.cameraOff ? "off" : "on");
        data.put("volume", Integer.toString(controls.volume));
        Instant connected = controls.connectedAt;
        if (connected != null) {
            data.put("connected_at", connected.toString());
        }
        return new Screen("call", call.remoteName(), lines, List.of(
                new PanelButton(MUTE_BUTTON, controls.micMuted ? "Unmute" : "Mute", "Microphone"),
                new PanelButton(CAMERA_BUTTON, controls.cameraOff ? "Camera on" : "Camera off", "Camera"),
                new PanelButton(VOLUME_DOWN_BUTTON, "Volume −", "Speaker volume down"),
                new PanelButton(VOLUME_UP_BUTTON, "Volume +", "Speaker volume up"),
                new PanelButton(HANGUP_BUTTON, "Hang up", "")), data);
    }

    /** Microphone, camera and volume as the room sets them; shown on the call screen. */
    private void controlPressed(String id, TouchPanel panel) {
        switch (id) {
            case MUTE_BUTTON -> micMuted = !micMuted;
            case CAMERA_BUTTON -> cameraOff = !cameraOff;
            case VOLUME_DOWN_BUTTON -> volume = Math.max(0, volume - 10);
            case VOLUME_UP_BUTTON -> volume = Math.min(100, volume + 10);
            default -> {
                return; // another feature's button
            }
        }
        current().filter(c -> c.state().isLive()).ifPresent(c -> panel.show(callScreen(c, "Connected", this)));
    }

    private void resetControls() {
        micMuted = false;
        cameraOff = false;
        connectedAt = null;
    }

    /** "Couldn't join: Busy (486)" until OK is pressed or a while has passed; never a silent failure. */
    private void showFailure(String target, String reason, int status) {
        TouchPanel p = panel;
        Scheduler sch = scheduler;
        if (p == null || sch == null) {
            return;
        }
        String sentence = "Couldn't join: " + reason + (status >= 300 && !reason.contains(Integer.toString(status))
                ? " (" + status + ")" : "");
        failureShowing = true;
        p.show(new Screen("call-failed", "Couldn't join the meeting", List.of(sentence, target),
                List.of(new PanelButton(DISMISS_BUTTON, "OK", "Back to the meetings")),
                Map.of("target", target, "reason", reason, "status", Integer.toString(status))));
        Scheduler.Cancellable old = failureTimer;
        if (old != null) {
            old.cancel();
        }
        failureTimer = sch.schedule(FAILURE_NOTICE, this::dismissFailure);
    }

    private void dismissFailure() {
        if (failureShowing) {
            failureShowing = false;
            changeListeners.forEach(Runnable::run);
        }
    }
}
