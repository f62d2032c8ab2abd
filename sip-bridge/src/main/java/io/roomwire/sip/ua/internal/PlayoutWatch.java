package io.roomwire.sip.ua.internal;

import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.Codec;
import io.roomwire.sip.MediaStats;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.function.Supplier;
import org.tinylog.Logger;

/**
 * Watches the decoded video of one call on the scheduler's clock: the frame rate over the last second, and
 * freezes. A freeze is no new picture for longer than {@code freezeAfter} while video is expected (negotiated
 * in a receiving direction, after the first picture): it is counted and reported as {@code call.video.freeze},
 * its end as {@code call.video.resumed} with how long it lasted; the call goes on either way.
 */
final class PlayoutWatch {

    /** How often the decoder's picture count is read. */
    static final Duration PERIOD = Duration.ofMillis(100);
    /** No new picture for this long is a freeze a person notices (several frame times even at 15 fps). */
    static final Duration FREEZE_AFTER = Duration.ofMillis(500);
    private static final Duration RATE_WINDOW = Duration.ofSeconds(1);

    private final Scheduler scheduler;
    private final String callId;
    private final EventSink events;
    private final Supplier<Codec.Playout> video;
    private final Duration freezeAfter;
    private final ArrayDeque<Sample> window = new ArrayDeque<>();
    private Scheduler.Cancellable task;
    private boolean expecting = true;
    private long lastFrames;
    private Instant lastAdvance;
    private boolean frozen;
    private long freezes;
    private Duration frozenBefore = Duration.ZERO;

    private record Sample(Instant at, long frames) { }

    PlayoutWatch(Scheduler scheduler, String callId, EventSink events, Supplier<Codec.Playout> video, Duration freezeAfter) {
        this.scheduler = scheduler;
        this.callId = callId;
        this.events = events;
        this.video = video;
        this.freezeAfter = freezeAfter;
        this.lastAdvance = scheduler.now();
    }

    synchronized void start() {
        if (task == null) {
            task = scheduler.scheduleAtFixedRate(PERIOD, PERIOD, this::sample);
        }
    }

    /** Whether the far end should be sending video now (false on hold: our side sendonly or inactive). */
    synchronized void expect(boolean on) {
        if (on == expecting) {
            return;
        }
        Instant now = scheduler.now();
        if (!on && frozen) {
            frozen = false;
            frozenBefore = frozenBefore.plus(Duration.between(lastAdvance, now));
        }
        expecting = on;
        lastAdvance = now; // the far end gets a full threshold to resume
    }

    synchronized void sample() {
        long frames = video.get().framesDecoded();
        Instant now = scheduler.now();
        window.addLast(new Sample(now, frames));
        while (window.size() > 2 && Duration.between(window.peekFirst().at(), now).compareTo(RATE_WINDOW) > 0) {
            window.removeFirst();
        }
        if (frames != lastFrames) {
            if (frozen) {
                frozen = false;
                Duration d = Duration.between(lastAdvance, now);
                frozenBefore = frozenBefore.plus(d);
                Logger.info("Call {}: video resumed after {} ms frozen", callId, d.toMillis());
                events.emit(DeviceEvent.of("call.video.resumed", now, "call", callId, "frozenMs", d.toMillis()));
            }
            lastFrames = frames;
            lastAdvance = now;
        } else if (expecting && frames > 0 && !frozen && Duration.between(lastAdvance, now).compareTo(freezeAfter) > 0) {
            frozen = true;
            freezes++;
            Logger.info("Call {}: video frozen, no new picture for {} ms", callId, Duration.between(lastAdvance, now).toMillis());
            events.emit(DeviceEvent.of("call.video.freeze", now, "call", callId, "freezes", freezes,
                    "thresholdMs", freezeAfter.toMillis()));
        }
    }

    /** The figures for {@code decoded}, the codec's reading of the same stream. */
    synchronized MediaStats.Playout figures(Codec.Playout decoded) {
        double rate = 0;
        if (window.size() >= 2) {
            Sample first = window.peekFirst();
            Sample last = window.peekLast();
            double seconds = Duration.between(first.at(), last.at()).toNanos() / 1e9;
            rate = seconds >= 0.5 ? (last.frames() - first.frames()) / seconds : 0;
        }
        Duration frozenNow = frozen ? frozenBefore.plus(Duration.between(lastAdvance, scheduler.now())) : frozenBefore;
        return new MediaStats.Playout(decoded.framesDecoded(), Math.round(rate * 10) / 10.0, decoded.width(),
                decoded.height(), freezes, frozenNow, java.util.OptionalDouble.empty());
    }

    synchronized void stop() {
        if (task != null) {
            task.cancel();
        }
    }
}
