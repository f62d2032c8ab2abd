package io.roomwire.webrtc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.health.Health;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.linux.GstCodec;
import io.roomwire.hal.sim.SimCamera;
import io.roomwire.hal.sim.SimRawCapture;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The WebRTC path's LocalMedia over the hardware layer's raw capture: real GStreamer pipelines, the simulated camera. */
class CapturedMediaTest {

    private static final Duration BOUND = Duration.ofSeconds(30);

    @Test
    void sendsTheCapturedPicturesAndMicrophoneOnlyWhileACallIsOn() {
        GstCodec codec = GstCodec.testSources(320, 180, 15);
        CapturedMedia media = new CapturedMedia(codec.rawCapture().orElseThrow(), 320, 180, 15, 440);
        TestPatternMedia pattern = new TestPatternMedia(320, 180, 15, 440);
        Set<Long> before = GstProcesses.running();
        assertArrayEquals(Frame.of(pattern, 3).bytes, Frame.of(media, 3).bytes, "no call: nothing captured");
        assertEquals(Set.of(), GstProcesses.startedSince(before), "a pipeline runs with no call on");

        media.start();
        media.start(); // a second call overlaps the first: one capture serves both
        assertEquals(2, GstProcesses.startedSince(before).size(), "one camera and one microphone pipeline");
        // SMPTE bars from GStreamer, through padded strides: white at the left, blue at the right
        Await.until(BOUND, () -> Frame.of(media, 0).y(10, 10) == 235, () -> "no bars: " + Frame.of(media, 0).y(10, 10));
        Frame f = Frame.of(media, 1);
        assertEquals(41, f.y(310, 10), 8);
        byte[] pcm = new byte[960];
        Await.until(BOUND, () -> {
            media.nextAudio(0, pcm);
            return peak(pcm) > 10_000;
        }, () -> "the microphone's tone never came (peak " + peak(pcm) + ")");
        assertEquals(Optional.empty(), media.problem());

        media.stop();
        assertTrue(media.capturing(), "the second call still sends the camera");
        media.stop();
        assertFalse(media.capturing());
        Await.until(BOUND, () -> GstProcesses.startedSince(before).isEmpty(), () -> "pipelines left after the last call");
        media.stop(); // more stops than starts change nothing
        assertFalse(media.capturing());
    }

    @Test
    void fallsBackToTheTestPatternWithAReasonTheHealthShowsWhenTheCaptureCannotStart() {
        VirtualScheduler scheduler = new VirtualScheduler();
        SimCamera camera = new SimCamera();
        camera.setHealthy(false);
        CapturedMedia media = new CapturedMedia(new SimRawCapture(scheduler, camera), 320, 180, 15, 440);
        WebRtcJoinPath path = new WebRtcJoinPath(WebRtcSettings.of(WebRtcSettings.GatewayKind.WHIP, "http://127.0.0.1:9/whip",
                Optional.empty(), "Room 7"), scheduler, new NativeWebRtc(), media);
        assertTrue(path.health().isUp());
        media.start();
        assertArrayEquals(Frame.of(new TestPatternMedia(320, 180, 15, 440), 7).bytes, Frame.of(media, 7).bytes,
                "the test pattern goes out instead");
        assertTrue(media.problem().orElseThrow().contains("unplugged"), media.problem().toString());
        assertEquals(Health.State.DEGRADED, path.health().state());
        assertTrue(path.health().reason().contains("test pattern"), path.health().reason());
        assertFalse(path.nativeLoaded(), "the capture's health needs no native library");
        media.stop();
        // the next call finds the camera back: its picture, and the reason is gone
        camera.setHealthy(true);
        media.start();
        assertEquals(180, Frame.of(media, 0).y(10, 10), "the simulated camera's white bar");
        assertTrue(path.health().isUp(), path.health().toString());
        media.stop();
    }

    @Test
    void aCameraThatDiesBeforeItsFirstPictureSendsTheTestPatternAndSaysWhy() {
        // A V4L2 device that does not exist: the pipeline starts, fails at once and never delivers a picture.
        GstCodec codec = GstCodec.devices("/dev/video-roomwire-missing");
        CapturedMedia media = new CapturedMedia(codec.rawCapture().orElseThrow(), 320, 180, 15, 440);
        Set<Long> before = GstProcesses.running();
        media.start();
        try {
            Await.until(BOUND, () -> codec.problems().stream().anyMatch(p -> p.contains("camera capture pipeline")),
                    () -> "no camera problem reported: " + codec.problems());
            assertTrue(media.problem().isPresent(), "the path's health is not told");
            assertArrayEquals(Frame.of(new TestPatternMedia(320, 180, 15, 440), 2).bytes, Frame.of(media, 2).bytes);
        } finally {
            media.stop();
        }
        Await.until(BOUND, () -> GstProcesses.startedSince(before).isEmpty(), () -> "pipelines left after the call");
    }

    private static int peak(byte[] pcm) {
        int peak = 0;
        for (int i = 0; i < pcm.length; i += 2) {
            peak = Math.max(peak, Math.abs((short) ((pcm[i] & 0xff) | (pcm[i + 1] << 8))));
        }
        return peak;
    }

    /** One frame filled through planes with padded strides, as webrtc-java's buffers lay them out. */
    record Frame(byte[] bytes, int stride) {
        static Frame of(LocalMedia m, long index) {
            int stride = m.width() + 64;
            int h = m.height();
            ByteBuffer y = ByteBuffer.allocateDirect(stride * h);
            ByteBuffer u = ByteBuffer.allocateDirect(stride / 2 * h / 2);
            ByteBuffer v = ByteBuffer.allocateDirect(stride / 2 * h / 2);
            m.nextFrame(index, y, stride, u, stride / 2, v, stride / 2);
            byte[] all = new byte[y.capacity() + u.capacity() + v.capacity()];
            y.get(0, all, 0, y.capacity());
            u.get(0, all, y.capacity(), u.capacity());
            v.get(0, all, y.capacity() + u.capacity(), v.capacity());
            return new Frame(all, stride);
        }

        int y(int x, int row) {
            return bytes[row * stride + x] & 0xff;
        }
    }
}
