package io.roomwire.agent.call;

import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.health.Service;
import io.roomwire.core.time.Scheduler;
import io.roomwire.sip.Call;
import io.roomwire.sip.CallEvent;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinPath;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sip.MediaStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.tinylog.Logger;

/**
 * Calls of the room: the join path as a service, the handler behind every Join button, and the one
 * emitter of {@code call.started} and {@code call.ended} (schema in docs/mqtt-api.md). It never
 * touches the panel: the panel owner follows the calls through {@link #onCallEvent}.
 */
public final class Calls {

    private final Scheduler scheduler;
    private final EventSink events;
    private final JoinPath path;
    private final Optional<JoinPath> webrtc;
    // The targets to try if the join in progress fails before media; one join at a time, set before dialling
    // because a path may end the call before dial() returns.
    private final AtomicReference<List<JoinTarget>> pendingFallback = new AtomicReference<>();
    private final java.util.Set<Call> connected = ConcurrentHashMap.newKeySet();
    private final List<Service> services = new ArrayList<>();
    private final AtomicReference<Call> current = new AtomicReference<>();
    private final AtomicReference<String> lastEnd = new AtomicReference<>();
    private final AtomicReference<LastCall> lastCall = new AtomicReference<>();

    /** The last call that ended: who, how it ended, and its media figures as they were at the end. */
    public record LastCall(String id, String target, java.time.Instant endedAt, String reason, MediaStats stats) { }
    /** The call {@code call.started} was last emitted for. */
    private final AtomicReference<String> startedCall = new AtomicReference<>();
    private final List<Consumer<CallEvent>> listeners = new CopyOnWriteArrayList<>();
    private final List<java.util.function.BiConsumer<Call, String>> fallbackListeners = new CopyOnWriteArrayList<>();

    /**
     * Calls over {@code path}; {@code pathServices} are the path itself and its checks as services
     * (see {@link JoinPaths#sip}). Only the {@link JoinPath} interface is used.
     */
    public Calls(JoinPath path, List<Service> pathServices, Scheduler scheduler, EventSink events) {
        this(path, pathServices, Optional.empty(), scheduler, events);
    }

    /**
     * With a second path for webrtc targets (see {@link JoinPaths#forRoom}) when a WebRTC gateway is
     * configured; its services join {@code pathServices}.
     */
    public Calls(JoinPath path, List<Service> pathServices, Optional<JoinPath> webrtcPath, Scheduler scheduler,
                 EventSink events) {
        this.scheduler = scheduler;
        this.events = events;
        this.path = path;
        path.addListener(this::onPathEvent);
        services.addAll(pathServices);
        this.webrtc = webrtcPath;
        this.webrtc.ifPresent(w -> {
            w.addListener(this::onPathEvent);
            if (w instanceof Service s) {
                services.add(s);
            }
        });
    }

    /** Whether Join buttons for webrtc targets can work here (a WebRTC gateway is configured). */
    public boolean joinsWebRtc() {
        return webrtc.isPresent();
    }

    /** The join path's services: {@code sip}, and {@code sip-health} when configured. */
    public List<Service> services() {
        return List.copyOf(services);
    }

    /** Called with every call event after this class has taken it in (the panel owner, the status ...). */
    public void onCallEvent(Consumer<CallEvent> l) {
        listeners.add(l);
    }

    /**
     * Called when a join failed before media and the meeting's next target is being dialled instead:
     * the new call and what happened ("Joining over SIP instead: The WebRTC gateway is not available"),
     * before the call events that announce it.
     */
    public void onFallback(java.util.function.BiConsumer<Call, String> l) {
        fallbackListeners.add(l);
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

    /** The last call that ended since the agent started (diagnostics). */
    public Optional<LastCall> lastCall() {
        return Optional.ofNullable(lastCall.get());
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
        return join(target, List.of());
    }

    /**
     * Dials {@code target}; when it is a WebRTC join that fails before connecting, the next of
     * {@code next} is dialled instead and the panel is told why (a Teams meeting's SIP address, say).
     */
    public Call join(JoinTarget target, List<JoinTarget> next) {
        if (inCall()) {
            throw new IllegalStateException("the room is already in a call; hang up first");
        }
        JoinPath p = pathFor(target);
        pendingFallback.set(next.isEmpty() ? null : List.copyOf(next));
        Call c = p.dial(target);
        // A fallback dialled while dial() ran is the current call now; keep it.
        current.updateAndGet(x -> x == null || x.state() == CallState.ENDED ? c : x);
        return c;
    }

    private JoinPath pathFor(JoinTarget target) {
        if (path.supports(target)) {
            return path;
        }
        return webrtc.filter(w -> w.supports(target)).orElseThrow(() -> new IllegalArgumentException(
                "this room joins over SIP; " + target.kind().wireName() + " targets (" + target.uri()
                        + ") need a WebRTC gateway: set webrtc.gateway-url"));
    }

    private void fallBack(Call failed, String why, List<JoinTarget> next) {
        JoinTarget t = next.get(0);
        Logger.info("Join of {} over {} failed ({}); trying {}", failed.target().uri(), failed.target().kind().wireName(),
                why, t.uri());
        try {
            Call c = join(t, next.subList(1, next.size()));
            String note = "Joining over " + (t.isSip() ? "SIP" : t.kind().wireName()) + " instead: " + why;
            fallbackListeners.forEach(l -> l.accept(c, note));
            listeners.forEach(l -> l.accept(new CallEvent.StateChanged(c, c.state(), note)));
        } catch (RuntimeException e) {
            Logger.warn("Fallback to {} failed: {}", t.uri(), e.getMessage());
        }
    }

    private void onPathEvent(CallEvent event) {
        Call call = event.call();
        if (event instanceof CallEvent.Incoming) {
            // A call in progress stays current: hang-up and DTMF never move to a new caller (issue 12).
            if (current().isEmpty()) {
                current.set(call);
            }
        } else if (event instanceof CallEvent.StateChanged sc) {
            current.compareAndSet(null, call);
            // Once per call: a resume after hold (re-INVITE, RFC 3264 8.4) is CONNECTED again, not a new call.
            if (sc.state() == CallState.CONNECTED) {
                connected.add(call);
                pendingFallback.set(null);
            }
            if (sc.state() == CallState.CONNECTED && !call.id().equals(startedCall.getAndSet(call.id()))) {
                events.emit(DeviceEvent.of("call.started", scheduler.now(), "call", call.id(),
                        "target", call.target().uri(), "provider", call.target().provider(),
                        "kind", call.target().kind().wireName(), "incoming", call.incoming(), "secure", secure(call)));
            }
        } else if (event instanceof CallEvent.Ended ended) {
            current.compareAndSet(call, null);
            List<JoinTarget> next = call.incoming() ? null : pendingFallback.getAndSet(null);
            boolean connectedOnce = connected.remove(call);
            // A join that failed before media (not one the room hung up) moves on to the meeting's next target.
            boolean hungUpByRoom = ended.end().by() == io.roomwire.sip.CallEnd.EndedBy.LOCAL && ended.end().normal()
                    && "Call ended".equals(ended.end().message());
            if (next != null && !connectedOnce && !hungUpByRoom) {
                listeners.forEach(l -> l.accept(event));
                fallBack(call, ended.end().message(), next);
                return;
            }
            lastEnd.set(ended.end().message());
            MediaStats last = call.stats();
            lastCall.set(new LastCall(call.id(), call.target().uri(), scheduler.now(), ended.end().message(), last));
            events.emit(DeviceEvent.of("call.ended", scheduler.now(), "call", call.id(),
                    "target", call.target().uri(), "reason", ended.end().message(),
                    "endedBy", ended.end().by().name().toLowerCase(Locale.ROOT), "status", ended.end().status(),
                    "packetsSent", last.packetsSent(), "packetsReceived", last.packetsReceived(),
                    "videoFreezes", last.of(io.roomwire.hal.MediaKind.VIDEO).map(v -> v.playout().freezes()).orElse(0L)));
            Logger.info("Call {} ended: {}", call.id(), ended.end().message());
        }
        listeners.forEach(l -> l.accept(event));
    }

    private static boolean secure(Call call) {
        var streams = call.stats().streams().values();
        return !streams.isEmpty() && streams.stream().allMatch(MediaStats.Stream::secure);
    }
}
