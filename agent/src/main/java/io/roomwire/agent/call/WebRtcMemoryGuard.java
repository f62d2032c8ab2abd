package io.roomwire.agent.call;

import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.time.Scheduler;
import io.roomwire.sip.CallEvent;
import io.roomwire.sip.JoinTarget;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.tinylog.Logger;

/**
 * Restarts the agent, at a moment an update could be installed, once WebRTC calls have left more than a set amount of
 * native memory behind.
 * <p>
 * webrtc-java 0.14.0 leaks native memory per call. The WebRTC path frees what can be reached from Java (the closed peer
 * connection of its issue #239, the transceivers; {@code PeerConnectionCloser}, webrtc module); what is left is ~20 kB
 * of every offer it makes (its JNI observer never deletes the session description libwebrtc hands it), which only a
 * restart gives back (docs/ARCHITECTURE.md, "The WebRTC join path"). The growth is measured, not assumed: after each WebRTC call ends, the process's memory outside
 * the JVM's own pools is compared with the same figure after the first WebRTC call (which loads the library and
 * its factory once). Past {@code webrtc.restart-after-native-mb}, the agent says so ({@code reboot.pending} with
 * what it waits for) and restarts through the same path as {@code device.reboot} once the room is out of calls,
 * no Join button is on the panel and it is inside the maintenance window, when one is set.
 */
public final class WebRtcMemoryGuard {

    static final Duration RECHECK = Duration.ofSeconds(30);

    private final long limitBytes;
    private final Supplier<OptionalLong> outsideJvmBytes;
    private final Supplier<Optional<String>> blocker;
    private final Scheduler scheduler;
    private final EventSink events;
    private final Consumer<String> restart;

    private final Object lock = new Object();
    private long baseline = -1;
    private int calls;
    private Scheduler.Cancellable pending;
    private boolean restarting;
    private boolean saidWhy;

    /**
     * @param limitBytes      growth after which the agent restarts; 0 turns the guard off
     * @param outsideJvmBytes resident memory outside the JVM's heap and non-heap pools (empty where unknown)
     * @param blocker         what a restart must wait for now (the update policy), empty when it may go ahead
     * @param restart         restarts the agent with a reason (the {@code device.reboot} path)
     */
    public WebRtcMemoryGuard(long limitBytes, Supplier<OptionalLong> outsideJvmBytes, Supplier<Optional<String>> blocker,
                             Scheduler scheduler, EventSink events, Consumer<String> restart) {
        this.limitBytes = limitBytes;
        this.outsideJvmBytes = outsideJvmBytes;
        this.blocker = blocker;
        this.scheduler = scheduler;
        this.events = events;
        this.restart = restart;
    }

    /** A call listener: only the end of a WebRTC call counts. */
    public void callEvent(CallEvent e) {
        if (limitBytes > 0 && e instanceof CallEvent.Ended ended && ended.call().target().kind() == JoinTarget.Kind.WEBRTC) {
            webRtcCallEnded();
        }
    }

    private void webRtcCallEnded() {
        OptionalLong now = outsideJvmBytes.get();
        if (now.isEmpty()) {
            return; // no /proc: nothing to measure, and nothing assumed
        }
        String reason;
        synchronized (lock) {
            calls++;
            if (baseline < 0) {
                baseline = now.getAsLong();
                return;
            }
            long grown = now.getAsLong() - baseline;
            if (grown <= limitBytes || pending != null || restarting) {
                return;
            }
            reason = String.format("WebRTC calls left %d MB of native memory behind over %d calls (webrtc-java 0.14.0; "
                    + "webrtc.restart-after-native-mb %d MB)", grown >> 20, calls - 1, limitBytes >> 20);
            pending = scheduler.scheduleAtFixedRate(Duration.ZERO, RECHECK, () -> restartWhenAllowed(reason));
        }
        Logger.warn("{}: restarting the agent at the next moment an update could be installed", reason);
    }

    private void restartWhenAllowed(String reason) {
        Optional<String> wait = blocker.get();
        synchronized (lock) {
            if (restarting) {
                return;
            }
            if (wait.isPresent()) {
                if (!saidWhy) {
                    saidWhy = true;
                    events.emit(DeviceEvent.of("reboot.pending", scheduler.now(), "waitingFor", wait.get(), "reason", reason));
                }
                return;
            }
            restarting = true;
            pending.cancel();
        }
        events.emit(DeviceEvent.of("reboot.started", scheduler.now(), "reason", reason));
        restart.accept(reason);
    }
}
