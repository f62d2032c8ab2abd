package io.roomwire.hal.linux;

import static io.roomwire.hal.linux.GstLaunches.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.hal.Codec;
import io.roomwire.hal.MediaKind;
import io.roomwire.hal.PeripheralStatus;
import io.roomwire.hal.RawPlayout;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The raw playout's real gst-launch-1.0 pipelines, fed on standard input, with fake sinks standing in for the display
 * and the speaker: what reached them is read from gst-launch's own output (the identity's per-picture lines and caps
 * just before the display sink, the level element just before the speaker sink).
 */
class GstRawPlayoutTest {

    private static final Duration BOUND = Duration.ofSeconds(30);

    private final GstCodec codec = GstCodec.testSources(320, 180, 15);
    private final Set<Long> before = GstLaunches.running();

    @AfterEach
    void noPipelineOutlivesItsSession() {
        await(BOUND, () -> GstLaunches.runningExcept(before).isEmpty(), "the playout's gst-launch-1.0 processes to end");
        assertEquals(0, codec.openPlayouts());
    }

    @Test
    void showsEachPictureAtItsSizeAndANewSizeRestartsTheDisplayPipeline() throws Exception {
        try (RawPlayout.Session s = codec.rawPlayout().orElseThrow().open()) {
            GstRawPlayout.GstSession g = (GstRawPlayout.GstSession) s;
            assertEquals(Set.of(), GstLaunches.runningExcept(before), "a pipeline runs before the first picture");
            for (int i = 1; i <= 10; i++) {
                assertTrue(show(s, 320, 180, 100), "picture " + i + " dropped");
                int n = i;
                await(BOUND, () -> g.playout(MediaKind.VIDEO).framesDecoded() == n, "picture " + n + " at the display sink");
            }
            Codec.Playout shown = g.playout(MediaKind.VIDEO);
            assertEquals(320, shown.width());
            assertEquals(180, shown.height());
            assertEquals(10, s.framesShown());
            assertEquals(0, s.framesDropped());
            long first = g.pid(MediaKind.VIDEO).orElseThrow();
            assertEquals(Set.of(first), GstLaunches.runningExcept(before), "only the display's pipeline: no audio was played");

            // the far end sends a smaller picture: a new pipeline shows it at its size
            assertTrue(show(s, 160, 90, 50));
            await(BOUND, () -> g.playout(MediaKind.VIDEO).framesDecoded() == 1 && g.playout(MediaKind.VIDEO).width() == 160,
                    "the 160x90 picture at the display sink: " + g.playout(MediaKind.VIDEO));
            assertEquals(90, g.playout(MediaKind.VIDEO).height());
            assertNotEquals(first, g.pid(MediaKind.VIDEO).orElseThrow(), "the display's pipeline restarted");
            await(BOUND, () -> GstLaunches.runningExcept(before).size() == 1, "the 320x180 pipeline to end");
            assertEquals(List.of(), codec.problems());
        }
    }

    @Test
    void theSpeakerPlaysAtThePanelsVolumeAndAVolumePressAppliesToTheRunningPlayout() throws Exception {
        codec.setControls(new Codec.Controls(false, false, 50));
        try (RawPlayout.Session s = codec.rawPlayout().orElseThrow().open()) {
            GstRawPlayout.GstSession g = (GstRawPlayout.GstSession) s;
            Tone tone = new Tone(2);
            // a stereo sine of amplitude 16384 is -9.0 dBov: at 50 % the speaker plays it 6 dB lower
            double at50 = levelWhilePlaying(s, g, tone, level -> Math.abs(level - (-9.03 - 6.02)) < 0.5);
            codec.setControls(new Codec.Controls(false, false, 25));
            long pid = g.pid(MediaKind.AUDIO).orElseThrow();
            double at25 = levelWhilePlaying(s, g, tone, level -> Math.abs(level - (-9.03 - 12.04)) < 0.5
                    && g.pid(MediaKind.AUDIO).map(p -> p != pid).orElse(false));
            assertEquals(-6.02, at25 - at50, 0.7, "at 50 %: " + at50 + " dBov, at 25 %: " + at25 + " dBov");
            assertEquals(List.of(), codec.problems());
        }
    }

    @Test
    void aStalledDisplayDropsAndCountsPicturesAndNeverBlocksTheCaller() throws Exception {
        try (RawPlayout.Session s = codec.rawPlayout().orElseThrow().open()) {
            GstRawPlayout.GstSession g = (GstRawPlayout.GstSession) s;
            assertTrue(show(s, 1280, 720, 100));
            await(BOUND, () -> g.playout(MediaKind.VIDEO).framesDecoded() == 1, "the first picture at the display sink");
            long pid = g.pid(MediaKind.VIDEO).orElseThrow();
            signal("STOP", pid); // the display takes nothing more: the pipe (64 KiB) fills within the next picture
            try {
                long t0 = System.nanoTime();
                int taken = 0;
                for (int i = 0; i < 100; i++) {
                    taken += show(s, 1280, 720, 100) ? 1 : 0;
                }
                long millis = (System.nanoTime() - t0) / 1_000_000;
                // one picture may be in the blocked write, two in the queue; all others are dropped at once
                assertTrue(taken <= 3, taken + " of 100 pictures taken by a stalled display");
                assertEquals(100 - taken, s.framesDropped());
                assertTrue(millis < 5000, "100 pictures to a stalled display took " + millis + " ms");
            } finally {
                signal("CONT", pid);
            }
        }
    }

    @Test
    void aKilledPipelineIsAClearProblemAndLaterPicturesAreDroppedAtOnce() throws Exception {
        try (RawPlayout.Session s = codec.rawPlayout().orElseThrow().open()) {
            GstRawPlayout.GstSession g = (GstRawPlayout.GstSession) s;
            assertTrue(show(s, 320, 180, 100));
            await(BOUND, () -> g.playout(MediaKind.VIDEO).framesDecoded() == 1, "the first picture at the display sink");
            ProcessHandle.of(g.pid(MediaKind.VIDEO).orElseThrow()).orElseThrow().destroyForcibly();
            await(BOUND, () -> s.problem().isPresent(), "the problem");
            assertTrue(s.problem().get().contains("display pipeline"), s.problem().get());
            assertEquals(PeripheralStatus.State.FAILED, codec.status().orElseThrow().state());
            assertTrue(codec.status().orElseThrow().detail().contains("display pipeline"), codec.status().toString());
            long dropped = s.framesDropped();
            for (int i = 0; i < 20; i++) {
                show(s, 320, 180, 100);
            }
            await(BOUND, () -> s.framesDropped() == dropped + 20, "20 pictures dropped: " + s.framesDropped());
            assertEquals(Set.of(), GstLaunches.runningExcept(before), "a dead display is not restarted for every picture");
        }
        // the next call's playout starts afresh
        try (RawPlayout.Session again = codec.rawPlayout().orElseThrow().open()) {
            assertEquals(List.of(), codec.problems());
            assertTrue(show(again, 320, 180, 100));
            await(BOUND, () -> ((GstRawPlayout.GstSession) again).playout(MediaKind.VIDEO).framesDecoded() == 1, "a picture again");
        }
    }

    @Test
    void aMissingElementIsAClearErrorNamingItAndItsPackage() {
        GstCodec noParser = new GstCodec(GstPipelines.Options.test(320, 180, 15), e -> !e.equals("rawvideoparse"));
        IOException e = assertThrows(IOException.class, () -> noParser.rawPlayout().orElseThrow().open());
        assertTrue(e.getMessage().contains("rawvideoparse") && e.getMessage().contains("gstreamer1.0-plugins-base"), e.getMessage());
        assertEquals(List.of(e.getMessage()), noParser.problems());
        assertEquals(e.getMessage(), noParser.status().orElseThrow().detail());
    }

    @Test
    void badPicturesAndChunksAreRefusedWithTheReason() throws Exception {
        try (RawPlayout.Session s = codec.rawPlayout().orElseThrow().open()) {
            ByteBuffer b = ByteBuffer.allocate(1000);
            IllegalArgumentException odd = assertThrows(IllegalArgumentException.class, () -> s.show(31, 18, b, 31, b, 16, b, 16));
            assertTrue(odd.getMessage().contains("31x18"), odd.getMessage());
            IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                    () -> s.show(320, 180, b, 320, b, 160, b, 160));
            assertTrue(small.getMessage().contains("too small"), small.getMessage());
            IllegalArgumentException six = assertThrows(IllegalArgumentException.class, () -> s.play(new byte[5760], 6));
            assertTrue(six.getMessage().contains("6 channels"), six.getMessage());
            assertThrows(IllegalArgumentException.class, () -> s.play(new byte[960], 2));
            assertFalse(s.problem().isPresent());
        }
    }

    @Test
    void everyElementThePlayoutUsesIsInstalledHere() {
        assertEquals(java.util.Optional.empty(), codec.firstMissing(new GstPipelines(GstPipelines.Options.test(320, 180, 15))
                .playoutElements()));
        assertEquals(java.util.Optional.empty(), codec.firstMissing(new GstPipelines(new GstPipelines.Options(
                GstPipelines.Io.DEVICES, "/dev/video0", 1280, 720, 30)).playoutElements()));
    }

    /** Plays the tone until the speaker sink's level satisfies {@code reached}; returns that level. */
    private static double levelWhilePlaying(RawPlayout.Session s, GstRawPlayout.GstSession g, Tone tone,
                                            java.util.function.DoublePredicate reached) {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (System.nanoTime() < deadline) {
            s.play(tone.next(), tone.channels);
            java.util.OptionalDouble level = g.playout(MediaKind.AUDIO).audioLevelDbov();
            if (level.isPresent() && reached.test(level.getAsDouble())) {
                return level.getAsDouble();
            }
            LockSupport.parkNanos(5_000_000); // about real time: two chunks per 10 ms would fill the queue
        }
        throw new AssertionError("the speaker's level never got there: " + g.playout(MediaKind.AUDIO));
    }

    /** A 1 kHz sine of amplitude 16384 in 10 ms chunks of 48 kHz S16LE, the same on every channel. */
    private static final class Tone {
        final int channels;
        private long n;

        Tone(int channels) {
            this.channels = channels;
        }

        byte[] next() {
            byte[] pcm = new byte[2 * channels * RawPlayout.CHUNK_SAMPLES];
            for (int i = 0; i < RawPlayout.CHUNK_SAMPLES; i++, n++) {
                short v = (short) Math.round(16384 * Math.sin(2 * Math.PI * 1000 * n / 48000.0));
                for (int c = 0; c < channels; c++) {
                    int at = 2 * (i * channels + c);
                    pcm[at] = (byte) v;
                    pcm[at + 1] = (byte) (v >> 8);
                }
            }
            return pcm;
        }
    }

    /** One flat grey picture of luma {@code luma} with padded strides, as a decoder's buffer lays it out. */
    private static boolean show(RawPlayout.Session s, int width, int height, int luma) {
        int stride = width + 16;
        ByteBuffer y = ByteBuffer.allocate(stride * height);
        ByteBuffer u = ByteBuffer.allocate(stride / 2 * height / 2);
        ByteBuffer v = ByteBuffer.allocate(stride / 2 * height / 2);
        for (int i = 0; i < y.capacity(); i++) {
            y.put(i, (byte) luma);
        }
        for (int i = 0; i < u.capacity(); i++) {
            u.put(i, (byte) 128);
            v.put(i, (byte) 128);
        }
        return s.show(width, height, y, stride, u, stride / 2, v, stride / 2);
    }

    private static void signal(String name, long pid) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start();
        assertTrue(p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0, "kill -" + name + " " + pid);
    }
}
