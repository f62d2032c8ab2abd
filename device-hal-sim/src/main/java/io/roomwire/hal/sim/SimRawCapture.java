package io.roomwire.hal.sim;

import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.RawCapture;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Optional;

/**
 * The simulated camera and microphone as raw frames: the camera's picture is the seven 75 % colour bars of the
 * codec's H.264 clip over a black strip in which a white block moves one step per picture, the whole picture
 * shifted by the camera's pan (so a preset recall shows); the microphone is the codec's tone sequence (440 Hz,
 * then 880 Hz) at 48 kHz. Pictures follow the scheduler's clock, so a virtual clock drives them. An unplugged
 * {@link SimCamera} fails {@link #open}, and freezes the picture of a running session with a problem.
 */
public final class SimRawCapture implements RawCapture {

    /** 75 % bars in BT.601 limited range, left to right: white, yellow, cyan, green, magenta, red, blue (Y, U, V). */
    private static final int[][] BARS = {
        {180, 128, 128}, {162, 44, 142}, {131, 156, 44}, {112, 72, 58}, {84, 184, 198}, {65, 100, 212}, {35, 212, 114},
    };

    private final Scheduler scheduler;
    private final SimCamera camera;

    public SimRawCapture(Scheduler scheduler, SimCamera camera) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.camera = Objects.requireNonNull(camera, "camera");
    }

    @Override
    public Session open(Format format) throws IOException {
        if (!camera.healthy()) {
            throw new IOException("The simulated camera is unplugged, so it cannot be captured: plug it in again"
                    + " (SimCamera.setHealthy(true))");
        }
        return new SimSession(Objects.requireNonNull(format, "format"));
    }

    private final class SimSession implements Session {
        private final Format format;
        private final long openedAtMillis = scheduler.clock().millis();
        private final ToneSequence tone = new ToneSequence(48000, 8000);
        private long frozenAt = -1;
        private long drawn;

        SimSession(Format format) {
            this.format = format;
        }

        @Override
        public Format format() {
            return format;
        }

        /** Pictures since the session opened, by the scheduler's clock; stands still while the camera is unplugged. */
        private synchronized long pictureIndex() {
            long now = Math.max(0, scheduler.clock().millis() - openedAtMillis) * format.framesPerSecond() / 1000;
            if (!camera.healthy()) {
                if (frozenAt < 0) {
                    frozenAt = now;
                }
                return frozenAt;
            }
            frozenAt = -1;
            return now;
        }

        @Override
        public boolean latestFrame(ByteBuffer y, int strideY, ByteBuffer u, int strideU, ByteBuffer v, int strideV) {
            long index = pictureIndex();
            int w = format.width();
            int h = format.height();
            int shift = (int) Math.round(camera.position().pan() * w / 4);
            byte[] barY = new byte[w];
            byte[] barU = new byte[w / 2];
            byte[] barV = new byte[w / 2];
            for (int x = 0; x < w; x++) {
                int[] c = BARS[Math.floorMod(x + shift, w) * BARS.length / w];
                barY[x] = (byte) c[0];
                if (x % 2 == 0) {
                    barU[x / 2] = (byte) c[1];
                    barV[x / 2] = (byte) c[2];
                }
            }
            int block = Math.max(2, w / 16);
            int blockAt = (int) (index * 4 % Math.max(1, w - block));
            byte[] stripY = new byte[w];
            for (int x = 0; x < w; x++) {
                stripY[x] = (byte) (x >= blockAt && x < blockAt + block ? 235 : 16);
            }
            byte[] grey = new byte[w / 2];
            java.util.Arrays.fill(grey, (byte) 128);
            int stripFrom = h * 2 / 3;
            for (int r = 0; r < h; r++) {
                y.put(r * strideY, r < stripFrom ? barY : stripY, 0, w);
            }
            for (int r = 0; r < h / 2; r++) {
                boolean bars = r * 2 < stripFrom;
                u.put(r * strideU, bars ? barU : grey, 0, w / 2);
                v.put(r * strideV, bars ? barV : grey, 0, w / 2);
            }
            synchronized (this) {
                drawn = Math.max(drawn, index + 1);
            }
            return true;
        }

        @Override
        public synchronized long framesCaptured() {
            return Math.max(drawn, pictureIndex() + 1);
        }

        @Override
        public boolean nextAudio(byte[] pcm) {
            for (int i = 0; i < AUDIO_CHUNK_BYTES / 2; i++) {
                short s = tone.next();
                pcm[2 * i] = (byte) s;
                pcm[2 * i + 1] = (byte) (s >> 8);
            }
            return true;
        }

        @Override
        public Optional<String> problem() {
            return camera.healthy() ? Optional.empty()
                    : Optional.of("The simulated camera was unplugged during the capture: its last picture is repeated");
        }

        @Override
        public void close() {
            // nothing held: the simulated devices need no release
        }
    }
}
