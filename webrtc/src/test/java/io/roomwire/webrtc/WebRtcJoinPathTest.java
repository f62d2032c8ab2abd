package io.roomwire.webrtc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.hal.MediaKind;
import io.roomwire.sip.CallEvent;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sim.cloud.webrtc.WebRtcFarEnd;
import io.roomwire.webrtc.internal.PeerConnectionCloser;
import io.roomwire.webrtc.internal.WebRtcCall;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Real calls: the room's WebRtcJoinPath against the simulated gateway's webrtc-java far end. */
class WebRtcJoinPathTest {

    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final JoinTarget MEETING = new JoinTarget(JoinTarget.Kind.WEBRTC,
            "https://teams.microsoft.com/l/meetup-join/19%3ameeting_X%40thread.v2/0", "teams", Optional.empty(), "test");

    @RegisterExtension
    static final SimGatewayFixture sim = new SimGatewayFixture();

    private WebRtcJoinPath path(WebRtcSettings.GatewayKind kind, Optional<String> token) {
        WebRtcSettings s = WebRtcSettings.of(kind, sim.signallingUrl(kind),
                token, "Room 7");
        return new WebRtcJoinPath(s, sim.scheduler(), new NativeWebRtc(), new TestPatternMedia(320, 180, 15, 440));
    }

    /** Records which threads LocalMedia is called from (its contract: one media thread). */
    private static final class ThreadRecordingMedia implements LocalMedia {
        final LocalMedia inner = new TestPatternMedia(320, 180, 15, 440);
        final java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();

        @Override
        public int width() {
            return inner.width();
        }

        @Override
        public int height() {
            return inner.height();
        }

        @Override
        public int framesPerSecond() {
            return inner.framesPerSecond();
        }

        @Override
        public void nextFrame(long index, java.nio.ByteBuffer y, int strideY, java.nio.ByteBuffer u, int strideU,
                              java.nio.ByteBuffer v, int strideV) {
            threads.add(Thread.currentThread().getName());
            inner.nextFrame(index, y, strideY, u, strideU, v, strideV);
        }

        @Override
        public void nextAudio(long index, byte[] pcm) {
            threads.add(Thread.currentThread().getName());
            inner.nextAudio(index, pcm);
        }
    }

    @Test
    void joinsOverWhipAndBothSidesDecodeTheOthersMedia() throws Exception {
        ThreadRecordingMedia media = new ThreadRecordingMedia();
        WebRtcJoinPath path = new WebRtcJoinPath(WebRtcSettings.of(WebRtcSettings.GatewayKind.WHIP, sim.gateway().whipUrl(),
                Optional.of("whip-secret"), "Room 7"), sim.scheduler(), new NativeWebRtc(), media);
        List<CallEvent> events = new CopyOnWriteArrayList<>();
        path.addListener(events::add);
        path.start();
        assertFalse(path.nativeLoaded(), "the native library loads with the first call, not at start");
        try {
            WebRtcCall call = (WebRtcCall) path.dial(MEETING);
            Await.until(BOUND, () -> call.state() == CallState.CONNECTED || call.state() == CallState.ENDED, call::toString);
            assertEquals(CallState.CONNECTED, call.state(), () -> "ended: " + call.end());
            Await.until(BOUND, () -> call.framesDecoded() > 10, () -> "room decoded " + call.framesDecoded() + " frames");
            String session = sim.farEnd().sessions().get(0);
            Await.until(BOUND, () -> report(session).framesDecoded() > 10 && report(session).audioPacketsReceived() > 50,
                    () -> "far end: " + report(session));
            Await.until(BOUND, () -> events.stream().anyMatch(e -> e instanceof CallEvent.Media m
                    && m.stats().of(MediaKind.VIDEO).map(v -> v.packetsReceived() > 0).orElse(false)
                    && m.stats().of(MediaKind.AUDIO).map(a -> a.packetsReceived() > 0 && a.secure()).orElse(false)),
                    () -> "figures: " + call.stats());
            assertTrue(sim.gateway().seen().stream().anyMatch(s -> s.method().equals("POST") && s.auth().equals("Bearer whip-secret")));
            // libwebrtc aborts the JVM when two threads feed one audio send stream: all media comes from one thread.
            assertEquals(java.util.Set.of("webrtc-media"), media.threads);
            call.hangUp();
            Await.until(BOUND, () -> sim.gateway().openSessions() == 0, () -> "WHIP DELETE did not reach the gateway");
            Await.until(BOUND, () -> events.stream().anyMatch(e -> e instanceof CallEvent.Ended), () -> "no Ended event");
        } finally {
            path.stop();
        }
    }

    @Test
    void theFarEndsPicturesReachTheRoomsDisplayAndItsWidebandAudioTheSpeakerAtTheVolumeForTheCallOnly() throws Exception {
        io.roomwire.hal.sim.SimCodec room = new io.roomwire.hal.sim.SimCodec(sim.scheduler());
        room.setControls(new io.roomwire.hal.Codec.Controls(false, false, 50));
        double[] sum = new double[1];
        long[] samples = new long[1];
        java.util.Set<String> formats = java.util.concurrent.ConcurrentHashMap.newKeySet();
        room.onSpeaker((pcm, rate, channels) -> {
            formats.add(rate + " Hz x" + channels);
            synchronized (sum) {
                for (short v : pcm) {
                    sum[0] += (double) v * v;
                }
                samples[0] += pcm.length;
            }
        });
        WebRtcJoinPath path = new WebRtcJoinPath(WebRtcSettings.of(WebRtcSettings.GatewayKind.WHIP, sim.gateway().whipUrl(),
                Optional.of("whip-secret"), "Room 7"), sim.scheduler(), new NativeWebRtc(), new TestPatternMedia(320, 180, 15, 440),
                null, room);
        path.start();
        try {
            WebRtcCall call = (WebRtcCall) path.dial(MEETING);
            Await.until(BOUND, () -> call.state() == CallState.CONNECTED || call.state() == CallState.ENDED, call::toString);
            assertEquals(CallState.CONNECTED, call.state(), () -> "ended: " + call.end());
            assertEquals(1, room.display().openSessions(), "the call's playout");
            // The far end's pattern: rows of luma 16 + row (mean 105.5) and a moving white bar 23 px wide (+9.3).
            Await.until(BOUND, () -> room.display().shown().frames() > 10, () -> "display: " + room.display().shown());
            io.roomwire.hal.sim.SimRawPlayout.Shown shown = room.display().shown();
            assertEquals(320, shown.width(), shown::toString);
            assertEquals(180, shown.height(), shown::toString);
            assertEquals(114.8, shown.meanLuma(), 8, shown::toString);
            // Its 660 Hz tone of amplitude 6000 (-17.8 dBov), decoded at 48 kHz and played at 50 % (6 dB lower). The
            // first second (the decoder and jitter buffer starting) is left out of the window.
            Await.until(BOUND, () -> {
                synchronized (sum) {
                    return samples[0] >= 48000;
                }
            }, () -> "a second of the far end's audio on the speaker");
            synchronized (sum) {
                sum[0] = 0;
                samples[0] = 0;
            }
            Await.until(BOUND, () -> {
                synchronized (sum) {
                    return samples[0] >= 96000;
                }
            }, () -> "two more seconds' worth of samples on the speaker");
            assertTrue(formats.stream().allMatch(f -> f.startsWith("48000 Hz")), formats::toString);
            synchronized (sum) {
                assertEquals(-17.8 - 6.0, io.roomwire.hal.Codec.Playout.dbov(sum[0], (int) samples[0]), 1.5, formats::toString);
            }
            call.hangUp();
            Await.until(BOUND, () -> path.calls().isEmpty(), () -> "call still open: " + path.calls());
            Await.until(BOUND, () -> room.display().openSessions() == 0, () -> "the playout outlived the call");
        } finally {
            path.stop();
        }
    }

    @Test
    void theFarEndDecodesTheCameraGStreamerCapturedAndThePipelinesLiveOnlyAsLongAsTheCall() throws Exception {
        // A white test camera: mean luma 235, where the fallback TestPatternMedia's is about 130 and black is 16.
        io.roomwire.hal.linux.GstCodec gst = io.roomwire.hal.linux.GstCodec.testSources(320, 180, 15, "white");
        CapturedMedia media = new CapturedMedia(gst.rawCapture().orElseThrow(), 320, 180, 15, 440);
        WebRtcJoinPath path = new WebRtcJoinPath(WebRtcSettings.of(WebRtcSettings.GatewayKind.WHIP, sim.gateway().whipUrl(),
                Optional.of("whip-secret"), "Room 7"), sim.scheduler(), new NativeWebRtc(), media, null, gst);
        java.util.Set<Long> before = GstProcesses.running();
        path.start();
        try {
            assertEquals(java.util.Set.of(), GstProcesses.startedSince(before), "a capture runs with no call on");
            WebRtcCall call = (WebRtcCall) path.dial(MEETING);
            Await.until(BOUND, () -> call.state() == CallState.CONNECTED || call.state() == CallState.ENDED, call::toString);
            assertEquals(CallState.CONNECTED, call.state(), () -> "ended: " + call.end());
            // the camera and microphone pipelines, and the display and speaker ones from the far end's first picture and sound
            Await.until(BOUND, () -> GstProcesses.startedSince(before).size() == 4,
                    () -> "gst-launch-1.0 processes of the call: " + GstProcesses.startedSince(before));
            String session = sim.farEnd().sessions().get(sim.farEnd().sessions().size() - 1);
            Await.until(BOUND, () -> report(session).meanLuma() > 200 && report(session).framesDecoded() > 10,
                    () -> "far end: " + report(session));
            assertEquals(235, report(session).meanLuma(), 12, "the far end decoded the white camera");
            assertEquals(List.of(), gst.problems(), "the display and speaker pipelines took the far end's media");
            assertTrue(path.health().isUp(), path.health().toString());
            call.hangUp();
            Await.until(BOUND, () -> path.calls().isEmpty(), () -> "call still open: " + path.calls());
            Await.until(BOUND, () -> GstProcesses.startedSince(before).isEmpty() && !media.capturing(),
                    () -> "the capture outlived the call: " + GstProcesses.startedSince(before));
        } finally {
            path.stop();
        }
    }

    @Test
    void iceThatNeverConnectsEndsTheCallWithAReasonWithinTheBound() {
        WebRtcSettings s = WebRtcSettings.of(WebRtcSettings.GatewayKind.WHIP, sim.gateway().whipUrl(), Optional.of("whip-secret"), "Room 7")
                .withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(3), Duration.ofSeconds(5));
        WebRtcJoinPath path = new WebRtcJoinPath(s, sim.scheduler(), new NativeWebRtc(), new TestPatternMedia(320, 180, 15, 440));
        path.start();
        sim.gateway().withholdCandidates(true);
        try {
            var call = path.dial(MEETING);
            Await.until(BOUND, () -> call.state() == CallState.ENDED, call::toString);
            assertEquals(io.roomwire.sip.CallEnd.EndedBy.NETWORK, call.end().orElseThrow().by());
            assertTrue(call.end().orElseThrow().detail().contains("ICE did not connect within 3 s"), call.end().toString());
            Await.until(BOUND, () -> sim.gateway().openSessions() == 0, () -> "the failed session was not deleted at the gateway");
        } finally {
            sim.gateway().withholdCandidates(false);
            path.stop();
        }
    }

    @Test
    void aDtlsFailureEndsTheCallWithAReasonBeforeItIsConnected() {
        WebRtcSettings s = WebRtcSettings.of(WebRtcSettings.GatewayKind.WHIP, sim.gateway().whipUrl(), Optional.of("whip-secret"), "Room 7")
                .withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(5));
        WebRtcJoinPath path = new WebRtcJoinPath(s, sim.scheduler(), new NativeWebRtc(), new TestPatternMedia(320, 180, 15, 440));
        List<CallEvent> events = new CopyOnWriteArrayList<>();
        path.addListener(events::add);
        path.start();
        sim.gateway().wrongFingerprint(true);
        try {
            WebRtcCall call = (WebRtcCall) path.dial(MEETING);
            // Well before the 20 s connect bound: the DTLS check fails as soon as the far end's certificate arrives.
            Await.until(Duration.ofSeconds(15), () -> call.state() == CallState.ENDED, call::toString);
            assertEquals("The meeting's media could not be secured", call.end().orElseThrow().message(), call.end().toString());
            assertTrue(call.end().orElseThrow().detail().contains("does not match the fingerprint"), call.end().toString());
            assertEquals(io.roomwire.sip.CallEnd.EndedBy.NETWORK, call.end().orElseThrow().by());
            // Never CONNECTED: Calls counts it as a join that failed before media and dials the meeting's next target.
            assertFalse(events.stream().anyMatch(e -> e instanceof CallEvent.StateChanged sc && sc.state() == CallState.CONNECTED),
                    events.toString());
            assertEquals(0, call.framesDecoded());
            Await.until(BOUND, () -> sim.gateway().openSessions() == 0, () -> "the failed session was not deleted at the gateway");
        } finally {
            sim.gateway().wrongFingerprint(false);
            path.stop();
        }
    }

    @Test
    void aVanishedFarEndEndsTheCallWhenConsentRunsOut() {
        WebRtcSettings s = WebRtcSettings.of(WebRtcSettings.GatewayKind.WHIP, sim.gateway().whipUrl(), Optional.of("whip-secret"), "Room 7")
                .withTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(5));
        WebRtcJoinPath path = new WebRtcJoinPath(s, sim.scheduler(), new NativeWebRtc(), new TestPatternMedia(320, 180, 15, 440));
        path.start();
        try {
            WebRtcCall call = (WebRtcCall) path.dial(MEETING);
            Await.until(BOUND, () -> call.framesDecoded() > 5 || call.state() == CallState.ENDED, call::toString);
            String session = sim.farEnd().sessions().get(0);
            sim.farEnd().vanish(session);
            // RFC 7675: consent checks go unanswered; the call ends with a reason, well within 30 s of the loss.
            Await.until(Duration.ofSeconds(30), () -> call.state() == CallState.ENDED, () -> "still " + call.state());
            assertEquals("The meeting's media stopped", call.end().orElseThrow().message(), call.end().toString());
            // Disconnected for 2 s, the call tried an ICE restart first (an RFC 9725 PATCH with new credentials and no
            // candidates); the vanished far end could not answer it, so the loss bound ended the call all the same.
            assertTrue(sim.gateway().seen().stream().anyMatch(q -> q.method().equals("PATCH") && q.path().endsWith(session)
                    && q.body().contains("a=ice-ufrag:") && !q.body().contains("a=candidate")), sim.gateway().seen().toString());
        } finally {
            path.stop();
        }
    }

    @Test
    void aMissingNativeLibraryEndsTheCallWithAHealthReason() {
        NativeWebRtc missing = new NativeWebRtc(() -> {
            throw new UnsatisfiedLinkError("no webrtc-java-linux-x86_64 in java.library.path");
        });
        WebRtcJoinPath path = new WebRtcJoinPath(WebRtcSettings.of(WebRtcSettings.GatewayKind.WHIP, sim.gateway().whipUrl(),
                Optional.empty(), "Room 7"), sim.scheduler(), missing, new TestPatternMedia(320, 180, 15, 440));
        path.start();
        try {
            assertTrue(path.health().isUp());
            var call = path.dial(MEETING);
            Await.until(BOUND, () -> call.state() == CallState.ENDED, call::toString);
            assertEquals("WebRTC is not available on this room", call.end().orElseThrow().message());
            assertFalse(path.health().isUp());
            assertTrue(path.health().reason().contains("libpulse0") && path.health().reason().contains("SIP joins are not affected"),
                    path.health().reason());
        } finally {
            path.stop();
        }
    }

    @Test
    void callsLeaveNoThreadsBehind() {
        WebRtcJoinPath path = path(WebRtcSettings.GatewayKind.PEXIP, Optional.empty());
        path.start();
        try {
            int baseline = -1;
            java.util.Set<String> baselineNames = java.util.Set.of();
            long fdsBaseline = -1;
            int openBefore = sim.gateway().openSessions();
            for (int i = 0; i < LEAK_CALLS; i++) {
                WebRtcCall call = (WebRtcCall) path.dial(MEETING);
                Await.until(BOUND, () -> call.framesDecoded() > 2 || call.state() == CallState.ENDED, call::toString);
                assertEquals(CallState.CONNECTED, call.state(), () -> "ended: " + call.end());
                call.hangUp();
                Await.until(BOUND, () -> path.calls().isEmpty() && sim.gateway().openSessions() == openBefore,
                        () -> "call still open: " + path.calls() + ", gateway sessions " + sim.gateway().openSessions());
                // The native peer connection itself is gone, not only closed (webrtc-java 0.14.0's close() kept it: #239).
                assertEquals(Optional.of(PeerConnectionCloser.Outcome.FREED), call.nativeClosed(), call::toString);
                if (i == 0) {
                    baseline = Thread.activeCount();
                    baselineNames = threadNames();
                    fdsBaseline = openFds();
                }
            }
            // A thread a call leaves (a peer connection's, an HTTP client's selector) ends on its own shortly after
            // the call, not at once: wait for the count to settle; a leak never does.
            int first = baseline;
            java.util.Set<String> firstNames = baselineNames;
            Await.until(BOUND, () -> Thread.activeCount() <= first + 1, () -> "threads after " + LEAK_CALLS + " calls: "
                    + Thread.activeCount() + ", after the first: " + first + "; new since the first: "
                    + threadNames().stream().filter(n -> !firstNames.contains(n)).sorted().toList());
            // Each call's UDP sockets close with it (a leaked peer connection would keep its ports).
            long fds = openFds();
            assertTrue(fds <= fdsBaseline + 2, "open fds after " + LEAK_CALLS + " calls: " + fds + ", after the first: " + fdsBaseline);
        } finally {
            path.stop();
        }
    }

    private static long openFds() {
        try (var s = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
            return s.count();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Small in CI; WebRtcBench runs 100. */
    private static final int LEAK_CALLS = 4;

    private static java.util.Set<String> threadNames() {
        java.util.Set<String> names = new java.util.HashSet<>();
        Thread.getAllStackTraces().keySet().forEach(t -> names.add(t.getName() + "#" + t.getId()));
        return names;
    }

    private static WebRtcFarEnd.Report report(String session) {
        try {
            return sim.farEnd().report(session);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
