package io.roomwire.sip.health;

import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.health.Health;
import io.roomwire.core.health.Service;
import io.roomwire.core.time.Scheduler;
import io.roomwire.sip.Call;
import io.roomwire.sip.CallEvent;
import io.roomwire.sip.CallListener;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinPath;
import io.roomwire.sip.JoinTarget;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.tinylog.Logger;

/**
 * A synthetic health call (Jigasi's health checker is the model): every {@code interval} it dials
 * the configured gateway, stays {@code callLength}, and hangs up. DEGRADED when the call fails or
 * no media arrives from the far end; UP after a call with media. Skips a round while the room is
 * in another call. Off unless the agent creates it ({@code sip.health.interval}).
 */
public final class SyntheticCallCheck implements Service {

    private final JoinPath path;
    private final Scheduler scheduler;
    private final JoinTarget target;
    private final Duration interval;
    private final Duration callLength;
    private final EventSink events;
    private volatile Health health = Health.up();
    private volatile Instant lastRun;
    private Scheduler.Cancellable schedule;
    private Call current;
    private volatile boolean connected;

    public SyntheticCallCheck(JoinPath path, Scheduler scheduler, JoinTarget target, Duration interval,
                              Duration callLength, EventSink events) {
        this.path = Objects.requireNonNull(path, "path");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.target = Objects.requireNonNull(target, "target");
        if (interval.compareTo(Duration.ofMinutes(1)) < 0 && interval.compareTo(callLength.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("sip.health.interval must be at least twice the health call length");
        }
        this.interval = interval;
        this.callLength = callLength;
        this.events = events;
    }

    /**
     * The check as configured: present only when both {@code sip.health.interval} and
     * {@code sip.health.target} are set (it is off by default). The call lasts 10 s.
     */
    public static Optional<SyntheticCallCheck> fromSettings(JoinPath path, io.roomwire.sip.SipSettings settings,
                                                            Scheduler scheduler, EventSink events) {
        if (settings.healthInterval().isEmpty() || settings.healthTarget().isEmpty()) {
            return Optional.empty();
        }
        JoinTarget target = JoinTarget.sip(settings.healthTarget().get(), "sip", "health");
        return Optional.of(new SyntheticCallCheck(path, scheduler, target, settings.healthInterval().get(),
                Duration.ofSeconds(10), events));
    }

    @Override
    public String name() {
        return "sip-health-call";
    }

    @Override
    public List<String> dependsOn() {
        return List.of("sip");
    }

    @Override
    public synchronized void start() {
        if (schedule == null) {
            schedule = scheduler.scheduleAtFixedRate(interval, interval, this::runOnce);
        }
    }

    @Override
    public synchronized void stop() {
        if (schedule != null) {
            schedule.cancel();
            schedule = null;
        }
        if (current != null) {
            current.hangUp();
        }
    }

    @Override
    public Health health() {
        return health;
    }

    public Optional<Instant> lastRun() {
        return Optional.ofNullable(lastRun);
    }

    /** Places one health call now (also what the schedule runs). */
    public synchronized void runOnce() {
        if (current != null && current.state() != CallState.ENDED) {
            return;
        }
        if (path.calls().stream().anyMatch(c -> c.state() != CallState.ENDED)) {
            Logger.debug("health call skipped: the room is in a call");
            return;
        }
        lastRun = scheduler.now();
        connected = false;
        CallListener[] self = new CallListener[1];
        // Our call is the one dialled with our target object: its events can come before dial() returns
        // (DIALING, or Ended for a call refused at once) and from stack threads racing that return.
        self[0] = e -> {
            if (e.call().target() != target) {
                return;
            }
            if (e instanceof CallEvent.StateChanged s && s.state() == CallState.CONNECTED) {
                connected = true;
                Call c = s.call();
                scheduler.schedule(callLength, c::hangUp);
            } else if (e instanceof CallEvent.Ended ended) {
                path.removeListener(self[0]);
                conclude(ended);
            }
        };
        path.addListener(self[0]);
        try {
            current = path.dial(target);
        } catch (RuntimeException e) {
            path.removeListener(self[0]);
            record(Health.degraded("health call to " + target.uri() + " could not start: " + e.getMessage()));
        }
    }

    private void conclude(CallEvent.Ended ended) {
        long received = ended.call().stats().packetsReceived();
        if (!connected) {
            record(Health.degraded("health call to " + target.uri() + " failed: " + ended.end().message()));
        } else if (received == 0) {
            record(Health.degraded("health call to " + target.uri() + " connected but no media arrived"));
        } else {
            record(Health.up());
        }
    }

    private void record(Health h) {
        Health before = health;
        if (!h.equals(before)) {
            Logger.info("SIP health call: {}", h);
            events.emit(DeviceEvent.of("sip.health", scheduler.now(), "state", h.state().name().toLowerCase(
                    java.util.Locale.ROOT), "reason", h.reason(), "target", target.uri()));
        }
        health = h;
    }
}
