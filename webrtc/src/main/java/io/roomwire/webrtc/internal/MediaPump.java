package io.roomwire.webrtc.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

/**
 * The one thread that hands the room's audio and video to webrtc-java, for every call of a path.
 *
 * <p>libwebrtc's {@code AudioSendStream::SendAudioData} must never run on two threads at once: a race
 * checker aborts the whole JVM ({@code audio_send_stream.cc: Check failed: !race_checker.RaceDetected()}).
 * Two things feed it: a call's {@code CustomAudioSource} pushes, and the {@code HeadlessAudioDeviceModule}'s
 * own capture thread, which libwebrtc ({@code AudioState::AddSendingStream}) starts whenever an audio send
 * stream starts while the module is not recording, and which then delivers to every sending stream of the
 * factory. A send stream starts once its transport is writable, i.e. after DTLS, which is after ICE
 * reported connected: stopping the module's recording at "ICE connected" (as calls did) often came before
 * the module started, and the two threads then fed the same stream for the rest of the call. Hence:
 * <ul>
 *   <li>all pushes of all calls run on this single thread (also {@code LocalMedia}'s contract);</li>
 *   <li>a call's audio is not pushed until its own send stream has started, seen as outbound audio
 *       packets that only the module's capture can have produced, so the module start that stream
 *       caused lies behind us;</li>
 *   <li>before each round of audio pushes the module's recording is stopped (which joins its capture
 *       thread; a no-op when it is stopped), and while any call is still starting no call's audio is
 *       pushed, since that call's start restarts the module's capture.</li>
 * </ul>
 * Entries are removed when their call ends, before its peer connection is closed; the path closes the
 * pump before it disposes the factory and the module.
 */
public final class MediaPump implements AutoCloseable {

    /** 10 ms of audio per push (48 kHz mono, 480 frames). */
    static final long TICK_MS = 10;
    /** How often a starting call's stats are read to see whether its audio send stream has started. */
    private static final int PROBE_EVERY_TICKS = 5;

    private record Entry(WebRtcCall call, Runnable quietRecording) { }

    private final ScheduledExecutorService thread;
    private final List<Entry> entries = new CopyOnWriteArrayList<>();
    private long ticks;
    private boolean quietFailureLogged;

    public MediaPump() {
        thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "webrtc-media");
            t.setDaemon(true);
            return t;
        });
        thread.scheduleAtFixedRate(this::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * Takes a call in before its send streams can start (before its remote description is set); its
     * audio waits until that start is behind us, and so does every other call's meanwhile.
     */
    void add(WebRtcCall call, Runnable quietRecording) {
        entries.add(new Entry(call, quietRecording));
    }

    /** Drops a call; a push already under way finishes (the call's lock orders it before the release). */
    void remove(WebRtcCall call) {
        entries.removeIf(e -> e.call() == call);
    }

    private void tick() {
        try {
            List<Entry> now = List.copyOf(entries);
            if (now.isEmpty()) {
                return;
            }
            long nanos = System.nanoTime();
            // Read who is ready BEFORE stopping the module: a start seen here happened before the stop below.
            boolean starting = false;
            List<WebRtcCall> audio = new ArrayList<>(now.size());
            for (Entry e : now) {
                if (e.call().audioReady(nanos)) {
                    audio.add(e.call());
                } else {
                    starting = true;
                    if (ticks % PROBE_EVERY_TICKS == 0) {
                        e.call().probeAudioSendStarted();
                    }
                }
            }
            if (!starting && !audio.isEmpty() && quiet(now)) {
                for (WebRtcCall c : audio) {
                    c.pushAudio();
                }
            }
            for (Entry e : now) {
                e.call().pushVideoIfDue(nanos);
            }
        } catch (RuntimeException | Error e) {
            // A periodic task that throws is never run again: log and go on with the next tick.
            Logger.warn(e, "WebRTC media tick failed");
        } finally {
            ticks++;
        }
    }

    /** Stops the audio module's own capture; false (and no audio this tick) if that failed. */
    private boolean quiet(List<Entry> now) {
        try {
            for (Entry e : now) {
                e.quietRecording().run();
            }
            return true;
        } catch (RuntimeException | Error e) {
            if (!quietFailureLogged) {
                quietFailureLogged = true;
                Logger.warn(e, "Could not stop the audio module's recording; the room's audio is held back");
            }
            return false;
        }
    }

    /** Stops the thread and waits for a tick under way, so nothing is pushed once this returns. */
    @Override
    public void close() {
        entries.clear();
        thread.shutdownNow();
        try {
            if (!thread.awaitTermination(5, TimeUnit.SECONDS)) {
                Logger.warn("The WebRTC media thread did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
