package io.roomwire.agent.call;

import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.health.Service;
import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.Codec;
import io.roomwire.sip.Call;
import io.roomwire.sip.CallEvent;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinPath;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sip.MediaStats;
import io.roomwire.sip.SipSettings;
import io.roomwire.sip.health.SyntheticCallCheck;
import io.roomwire.sip.ua.SipJoinPath;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
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
    private final List<Service> services = new ArrayList<>();
    private final AtomicReference<Call> current = new AtomicReference<>();
    private final AtomicReference<String> lastEnd = new AtomicReference<>();
    private final AtomicReference<LastCall> lastCall = new AtomicReference<>();

    /** The last call that ended: who, how it ended, and its media figures as they were at the end. */
    public record LastCall(String id, String target, java.time.Instant endedAt, String reason, MediaStats stats) { }
    private final List<Consumer<CallEvent>> listeners = new CopyOnWriteArrayList<>();

    /** The SIP join path on {@code codec}, and the synthetic health call when {@code sip.health-*} ask for one. */
    public Calls(SipSettings settings, Scheduler scheduler, EventSink events, Codec codec) {
        this.scheduler = scheduler;
        this.events = events;
        SipJoinPath sip = SipJoinPath.builder(settings, scheduler).events(events).codec(codec).build();
        this.path = sip;
        path.addListener(this::onPathEvent);
        services.add(sip);
        // The synthetic health call (sip.health-interval + sip.health-target): DEGRADED when it fails.
        SyntheticCallCheck.fromSettings(sip, settings, scheduler, events).ifPresent(services::add);
    }

    /** The join path's services: {@code sip}, and {@code sip-health} when configured. */
    public List<Service> services() {
        return List.copyOf(services);
    }

    /** Called with every call event after this class has taken it in (the panel owner, the status ...). */
    public void onCallEvent(Consumer<CallEvent> l) {
        listeners.add(l);
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

    private void onPathEvent(CallEvent event) {
        Call call = event.call();
        if (event instanceof CallEvent.Incoming) {
            // A call in progress stays current: hang-up and DTMF never move to a new caller (issue 12).
            if (current().isEmpty()) {
                current.set(call);
            }
        } else if (event instanceof CallEvent.StateChanged sc) {
            current.compareAndSet(null, call);
            if (sc.state() == CallState.CONNECTED) {
                events.emit(DeviceEvent.of("call.started", scheduler.now(), "call", call.id(),
                        "target", call.target().uri(), "provider", call.target().provider(),
                        "kind", call.target().kind().wireName(), "incoming", call.incoming(), "secure", secure(call)));
            }
        } else if (event instanceof CallEvent.Ended ended) {
            current.compareAndSet(call, null);
            lastEnd.set(ended.end().message());
            MediaStats last = call.stats();
            lastCall.set(new LastCall(call.id(), call.target().uri(), scheduler.now(), ended.end().message(), last));
            events.emit(DeviceEvent.of("call.ended", scheduler.now(), "call", call.id(),
                    "target", call.target().uri(), "reason", ended.end().message(),
                    "endedBy", ended.end().by().name().toLowerCase(Locale.ROOT), "status", ended.end().status(),
                    "packetsSent", last.packetsSent(), "packetsReceived", last.packetsReceived()));
            Logger.info("Call {} ended: {}", call.id(), ended.end().message());
        }
        listeners.forEach(l -> l.accept(event));
    }

    private static boolean secure(Call call) {
        var streams = call.stats().streams().values();
        return !streams.isEmpty() && streams.stream().allMatch(MediaStats.Stream::secure);
    }
}
