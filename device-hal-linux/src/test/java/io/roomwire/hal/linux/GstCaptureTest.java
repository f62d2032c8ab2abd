package io.roomwire.hal.linux;

import static io.roomwire.hal.linux.GstLaunches.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.roomwire.hal.PeripheralStatus;
import io.roomwire.hal.RawCapture;
import io.roomwire.hal.testing.Ffmpeg;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The raw capture's real gst-launch-1.0 pipelines, with videotestsrc (SMPTE bars) and audiotestsrc (a 440 Hz tone)
 * standing in for the V4L2 camera and the microphone.
 */
class GstCaptureTest {

    private static final Duration BOUND = Duration.ofSeconds(30);
    private static final RawCapture.Format FORMAT = new RawCapture.Format(320, 180, 15);

    private final GstCodec codec = GstCodec.testSources(320, 180, 15);
    private final Set<Long> before = GstLaunches.running();

    @AfterEach
    void noPipelineOutlivesItsSession() {
        await(BOUND, () -> GstLaunches.runningExcept(before).isEmpty(), "the capture's gst-launch-1.0 processes to end");
    }

    @Test
    void deliversBarsOfTheAskedSizeAtRoughlyTheAskedRate() throws Exception {
        try (RawCapture.Session s = codec.rawCapture().orElseThrow().open(FORMAT)) {
            Set<Long> started = GstLaunches.running();
            started.removeAll(before);
            assertEquals(2, started.size(), "one camera and one microphone pipeline: " + started);
            await(BOUND, () -> s.framesCaptured() >= 3, "the first pictures");
            long from = s.framesCaptured();
            long t0 = System.nanoTime();
            await(BOUND, () -> s.framesCaptured() >= from + 30, "30 more pictures");
            double fps = 30 / ((System.nanoTime() - t0) / 1e9);
            assertTrue(fps > 10 && fps < 20, "asked for 15 fps, got " + fps);
            // 30+ pictures read back to back: each is still exactly one aligned picture (no byte was lost or added)
            Picture p = Picture.of(s);
            // SMPTE bars, top row, left to right: white 235 ... blue 41 (BT.601 limited range, 100 % bars)
            assertEquals(235, p.y(10, 10), 8, "the white bar at the left");
            assertEquals(41, p.y(310, 10), 8, "the blue bar at the right");
            assertTrue(p.u(155, 5) > 200, "blue's chroma at the right, U=" + p.u(155, 5));
            assertEquals(128, p.u(5, 5), 8, "white has no chroma");
            assertEquals(List.of(), codec.problems());
        }
    }

    @Test
    void theMicrophoneIs48kHzMonoPcmInTenMillisecondChunks() throws Exception {
        try (RawCapture.Session s = codec.rawCapture().orElseThrow().open(FORMAT)) {
            byte[] chunk = new byte[RawCapture.AUDIO_CHUNK_BYTES];
            await(BOUND, () -> s.nextAudio(chunk), "the first audio");
            short[] pcm = new short[200 * 480];
            int chunks = 0;
            long t0 = System.nanoTime();
            long deadline = t0 + BOUND.toNanos();
            while (chunks < 200) {
                if (System.nanoTime() > deadline) {
                    fail("only " + chunks + " chunks of audio within " + BOUND);
                }
                if (s.nextAudio(chunk)) {
                    for (int i = 0; i < 480; i++) {
                        pcm[chunks * 480 + i] = (short) ((chunk[2 * i] & 0xff) | (chunk[2 * i + 1] << 8));
                    }
                    chunks++;
                } else {
                    LockSupport.parkNanos(5_000_000);
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            // 200 chunks are 2 s of 48 kHz mono; at 44.1 kHz or in stereo they would come at another pace
            assertTrue(seconds > 1.6 && seconds < 2.6, "2 s of audio took " + seconds + " s");
            // and a 440 Hz tone read as 48 kHz is 440 Hz (at another rate the energy would sit elsewhere)
            double p440 = Ffmpeg.goertzel(pcm, 4800, 4800, 440, 48000);
            assertTrue(p440 * 2 / (4800.0 * Ffmpeg.energy(pcm, 4800, 4800)) > 0.8, "not a clean 440 Hz tone");
            assertEquals(0.4 * 32767 / Math.sqrt(2), Ffmpeg.rms(pcm), 500, "audiotestsrc volume=0.4");
        }
    }

    @Test
    void keepsOnlyTheNewestPictureAndNeverWaitsForTheCamera() throws Exception {
        try (RawCapture.Session s = codec.rawCapture().orElseThrow().open(FORMAT)) {
            await(BOUND, () -> s.framesCaptured() >= 2, "the first pictures");
            // Nobody reads for 20 pictures: the pipe is still drained (else the camera would stall at the pipe's size).
            long unread = s.framesCaptured();
            await(BOUND, () -> s.framesCaptured() >= unread + 20, "20 pictures nobody read");
            // Two reads with no picture in between give the same picture: the newest is repeated, not a queue drained.
            Picture[] same = samePictureTwice(s);
            assertArrayEquals(same[0].bytes, same[1].bytes, "a second read without a new picture differs");
            // Once a newer picture arrived, a read gives it (the bars' noise patch changes every picture).
            long at = s.framesCaptured();
            await(BOUND, () -> s.framesCaptured() > at, "one more picture");
            assertFalse(java.util.Arrays.equals(same[0].bytes, Picture.of(s).bytes), "a newer picture read as the old one");
        }
    }

    @Test
    void aKilledPipelineIsAClearProblemAndReadsGoOnWithoutBlocking() throws Exception {
        RawCapture.Session s = codec.rawCapture().orElseThrow().open(FORMAT);
        try {
            await(BOUND, () -> s.framesCaptured() >= 5, "the first pictures");
            ProcessHandle camera = GstLaunches.runningExcept(before).stream().map(pid -> ProcessHandle.of(pid).orElseThrow())
                    .filter(h -> h.info().arguments().map(a -> List.of(a).contains("videotestsrc")).orElse(false))
                    .findFirst().orElseThrow(() -> new AssertionError("no camera pipeline running"));
            camera.destroyForcibly();
            await(BOUND, () -> s.problem().isPresent(), "the problem");
            assertTrue(s.problem().get().contains("camera capture pipeline"), s.problem().get());
            await(BOUND, () -> s.problem().get().contains("stopped on its own"), "the pipeline's exit: " + s.problem());
            long frozen = s.framesCaptured();
            // the last picture is still there, returned at once, and no more come
            long t0 = System.nanoTime();
            for (int i = 0; i < 100; i++) {
                assertTrue(Picture.of(s).y(10, 10) > 200);
            }
            assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "reads blocked on a dead pipeline");
            assertEquals(frozen, s.framesCaptured());
            // the device's health shows it as the media engine's problem
            assertEquals(PeripheralStatus.State.FAILED, codec.status().orElseThrow().state());
            assertTrue(codec.status().orElseThrow().detail().contains("camera capture pipeline"), codec.status().toString());
        } finally {
            s.close();
        }
        // a new session starts afresh: the old problem is gone once it runs
        try (RawCapture.Session again = codec.rawCapture().orElseThrow().open(FORMAT)) {
            await(BOUND, () -> again.framesCaptured() >= 2, "pictures from the new session");
            assertEquals(List.of(), codec.problems());
        }
    }

    @Test
    void aMissingElementIsAClearErrorNamingItAndItsPackage() {
        GstCodec noVideorate = new GstCodec(GstPipelines.Options.test(320, 180, 15), e -> !e.equals("videorate"));
        IOException e = assertThrows(IOException.class, () -> noVideorate.rawCapture().orElseThrow().open(FORMAT));
        assertTrue(e.getMessage().contains("videorate") && e.getMessage().contains("gstreamer1.0-plugins-base"), e.getMessage());
        assertEquals(List.of(e.getMessage()), noVideorate.problems());
        assertEquals(e.getMessage(), noVideorate.status().orElseThrow().detail());
        assertTrue(GstLaunches.runningExcept(before).isEmpty(), "a pipeline started although an element is missing");
    }

    @Test
    void aSipCallsSessionOpeningKeepsTheCapturesProblem() throws Exception {
        GstCodec noVideorate = new GstCodec(GstPipelines.Options.test(320, 180, 15), e -> !e.equals("videorate"));
        IOException e = assertThrows(IOException.class, () -> noVideorate.rawCapture().orElseThrow().open(FORMAT));
        try (var sip = noVideorate.open(List.of(new io.roomwire.hal.Codec.StreamPlan(io.roomwire.hal.MediaKind.AUDIO, 0,
                "PCMU", 8000, null)))) {
            assertEquals(List.of(e.getMessage()), noVideorate.problems(), "the capture's problem is not that call's to clear");
        }
    }

    @Test
    void everyElementTheCaptureUsesIsInstalledHere() {
        assertEquals(java.util.Optional.empty(), codec.firstMissing(new GstPipelines(GstPipelines.Options.test(320, 180, 15))
                .captureElements()));
        assertEquals(java.util.Optional.empty(), codec.firstMissing(new GstPipelines(new GstPipelines.Options(
                GstPipelines.Io.DEVICES, "/dev/video0", 1280, 720, 30)).captureElements()));
    }

    /** Reads one picture twice with no new picture captured in between (retried if one came). */
    private static Picture[] samePictureTwice(RawCapture.Session s) {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (System.nanoTime() < deadline) {
            long c1 = s.framesCaptured();
            Picture a = Picture.of(s);
            Picture b = Picture.of(s);
            if (s.framesCaptured() == c1) {
                return new Picture[] {a, b};
            }
        }
        throw new AssertionError("a new picture came between every two reads for " + BOUND);
    }

    /** One picture read into planes with padded strides, as a video frame buffer lays them out. */
    private record Picture(byte[] bytes, int stride) {
        static Picture of(RawCapture.Session s) {
            int w = s.format().width();
            int h = s.format().height();
            int stride = w + 32;
            ByteBuffer y = ByteBuffer.allocate(stride * h);
            ByteBuffer u = ByteBuffer.allocate(stride / 2 * h / 2);
            ByteBuffer v = ByteBuffer.allocate(stride / 2 * h / 2);
            assertTrue(s.latestFrame(y, stride, u, stride / 2, v, stride / 2), "no picture yet");
            byte[] all = new byte[y.capacity() + u.capacity() + v.capacity()];
            y.get(0, all, 0, y.capacity());
            u.get(0, all, y.capacity(), u.capacity());
            v.get(0, all, y.capacity() + u.capacity(), v.capacity());
            return new Picture(all, stride);
        }

        int y(int x, int row) {
            return bytes[row * stride + x] & 0xff;
        }

        int u(int x, int row) {
            return bytes[180 * stride + row * (stride / 2) + x] & 0xff;
        }
    }
}
