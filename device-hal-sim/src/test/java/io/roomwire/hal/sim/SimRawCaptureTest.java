package io.roomwire.hal.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.Camera;
import io.roomwire.hal.RawCapture;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SimRawCaptureTest {

    private static final RawCapture.Format FORMAT = new RawCapture.Format(320, 180, 15);

    private final VirtualScheduler scheduler = new VirtualScheduler();
    private final SimCamera camera = new SimCamera();
    private final RawCapture capture = new SimCodec(scheduler, java.net.InetAddress.getLoopbackAddress(), camera)
            .rawCapture().orElseThrow();

    @Test
    void theCamerasPictureIsColourBarsWithABlockThatMovesWithTheClock() throws Exception {
        try (RawCapture.Session s = capture.open(FORMAT)) {
            Planes a = Planes.of(s);
            assertEquals(180, a.y(5, 10), "75 % white at the left");
            assertEquals(35, a.y(315, 10), "75 % blue at the right");
            assertEquals(212, a.u(157, 5), "blue's U");
            int blockAt = a.firstWhiteInStrip();
            scheduler.advance(Duration.ofMillis(200)); // three pictures at 15 fps
            Planes b = Planes.of(s);
            assertEquals(blockAt + 3 * 4, b.firstWhiteInStrip(), "the block moves 4 pixels a picture");
            assertEquals(4, s.framesCaptured());
        }
    }

    @Test
    void aPresetRecallShiftsThePicture() throws Exception {
        try (RawCapture.Session s = capture.open(FORMAT)) {
            assertEquals(180, Planes.of(s).y(10, 10), "white at x=10 in the overview");
            camera.moveTo(new Camera.Position(0.5, 0, 0));
            // panned right by half: the picture moves by an eighth of its width (40 px), yellow now at x=10
            assertEquals(162, Planes.of(s).y(10, 10));
        }
    }

    @Test
    void theMicrophoneIsTheCodecsToneSequenceAt48kHz() throws Exception {
        try (RawCapture.Session s = capture.open(FORMAT)) {
            short[] pcm = new short[200 * 480];
            byte[] chunk = new byte[RawCapture.AUDIO_CHUNK_BYTES];
            for (int c = 0; c < 200; c++) {
                assertTrue(s.nextAudio(chunk));
                for (int i = 0; i < 480; i++) {
                    pcm[c * 480 + i] = (short) ((chunk[2 * i] & 0xff) | (chunk[2 * i + 1] << 8));
                }
            }
            assertTrue(dominates(pcm, 12_000, 440), "440 Hz in the first second");
            assertTrue(dominates(pcm, 60_000, 880), "880 Hz in the second");
        }
    }

    @Test
    void anUnpluggedCameraCannotBeOpenedAndFreezesARunningCapture() throws Exception {
        try (RawCapture.Session s = capture.open(FORMAT)) {
            camera.setHealthy(false);
            int at = Planes.of(s).firstWhiteInStrip();
            scheduler.advance(Duration.ofSeconds(1));
            assertEquals(at, Planes.of(s).firstWhiteInStrip(), "the picture moved with the camera unplugged");
            assertTrue(s.problem().orElseThrow().contains("unplugged"));
            camera.setHealthy(true);
            assertFalse(s.problem().isPresent());
        }
        camera.setHealthy(false);
        IOException e = assertThrows(IOException.class, () -> capture.open(FORMAT));
        assertTrue(e.getMessage().contains("unplugged"), e.getMessage());
    }

    /** Whether {@code hz} holds most of the energy of 4800 samples from {@code off} (Goertzel). */
    private static boolean dominates(short[] x, int off, int hz) {
        double w = 2 * Math.PI * hz / 48000;
        double s1 = 0;
        double s2 = 0;
        double energy = 0;
        for (int i = off; i < off + 4800; i++) {
            double s0 = x[i] + 2 * Math.cos(w) * s1 - s2;
            s2 = s1;
            s1 = s0;
            energy += (double) x[i] * x[i];
        }
        double power = s1 * s1 + s2 * s2 - 2 * Math.cos(w) * s1 * s2;
        return power * 2 / (4800.0 * energy) > 0.8;
    }

    private record Planes(ByteBuffer y, ByteBuffer u) {
        static Planes of(RawCapture.Session s) {
            ByteBuffer y = ByteBuffer.allocate(320 * 180);
            ByteBuffer u = ByteBuffer.allocate(160 * 90);
            ByteBuffer v = ByteBuffer.allocate(160 * 90);
            assertTrue(s.latestFrame(y, 320, u, 160, v, 160));
            return new Planes(y, u);
        }

        int y(int x, int row) {
            return y.get(row * 320 + x) & 0xff;
        }

        int u(int x, int row) {
            return u.get(row * 160 + x) & 0xff;
        }

        int firstWhiteInStrip() {
            for (int x = 0; x < 320; x++) {
                if (y(x, 170) == 235) {
                    return x;
                }
            }
            throw new AssertionError("no moving block in the strip");
        }
    }
}
