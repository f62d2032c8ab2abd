package io.roomwire.sip.media;

import io.roomwire.core.event.DeviceEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import org.tinylog.Logger;

/** Raises a call's no-media alarm once the far end has sent nothing for a window, and clears it when media resumes. */
final class NoMediaWatch {
    private final MediaRelay relay;
    final Duration window;
    final Runnable alarm;
    final Instant since;
    final AtomicBoolean fired = new AtomicBoolean();

    NoMediaWatch(MediaRelay relay, Duration window, Runnable alarm, Instant since) {
        this.relay = relay;
        this.window = window;
        this.alarm = alarm;
        this.since = since;
    }

    void check() {
        if (!relay.mediaExpected) {
            return;
        }
        Instant last = since;
        Instant resumed = relay.expectedSince;
        if (resumed != null && resumed.isAfter(last)) {
            last = resumed;
        }
        for (RelayStream s : relay.streams.values()) {
            Instant l = s.lastReceived;
            if (l != null && l.isAfter(last)) {
                last = l;
            }
        }
        Instant now = relay.scheduler.now();
        if (Duration.between(last, now).compareTo(window) >= 0 && fired.compareAndSet(false, true)) {
            Logger.warn("call {}: no media from the far end for {} s", relay.callId, window.toSeconds());
            relay.events.emit(DeviceEvent.of("call.media.none", now, "call", relay.callId, "seconds", window.toSeconds()));
            try {
                alarm.run();
            } catch (RuntimeException e) {
                Logger.warn(e, "no-media alarm of call {} failed", relay.callId);
            }
        }
    }

    void resumed() {
        if (fired.compareAndSet(true, false)) {
            Logger.info("call {}: media from the far end resumed", relay.callId);
            relay.events.emit(DeviceEvent.of("call.media.resumed", relay.scheduler.now(), "call", relay.callId));
        }
    }
}
