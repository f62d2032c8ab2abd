package io.roomwire.hal.sim;

import io.roomwire.hal.RawPlayout;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The simulated display and speaker fed raw frames: the display records what it shows (pictures so far, the last
 * one's size and mean luma), and the speaker is the codec's ({@link SimCodec#onSpeaker}), which plays the PCM at the
 * panel's volume as it plays a SIP call's audio. Neither ever falls behind, so nothing is dropped.
 */
public final class SimRawPlayout implements RawPlayout {

    /**
     * What the display showed: pictures so far (over all sessions), and the size and mean luma (I420 Y, 0..255) of the
     * last one; {@link #NONE} before the first.
     */
    public record Shown(long frames, int width, int height, double meanLuma) {
        public static final Shown NONE = new Shown(0, 0, 0, -1);
    }

    private final SimCodec codec;
    private final AtomicInteger open = new AtomicInteger();
    private volatile Shown shown = Shown.NONE;

    SimRawPlayout(SimCodec codec) {
        this.codec = codec;
    }

    @Override
    public Session open() {
        open.incrementAndGet();
        return new SimSession();
    }

    /** What the display showed so far. */
    public Shown shown() {
        return shown;
    }

    /** Sessions open now: a call holds one, so 0 between calls. */
    public int openSessions() {
        return open.get();
    }

    private final class SimSession implements Session {
        private long frames;
        private volatile boolean closed;

        @Override
        public boolean show(int width, int height, ByteBuffer y, int strideY, ByteBuffer u, int strideU, ByteBuffer v,
                            int strideV) {
            RawPlayout.checkPicture(width, height, y, strideY, u, strideU, v, strideV);
            if (closed) {
                return false;
            }
            long sum = 0;
            for (int r = 0; r < height; r++) {
                for (int x = 0; x < width; x++) {
                    sum += y.get(r * strideY + x) & 0xff;
                }
            }
            synchronized (SimRawPlayout.this) {
                shown = new Shown(shown.frames() + 1, width, height, (double) sum / (width * height));
            }
            synchronized (this) {
                frames++;
            }
            return true;
        }

        @Override
        public boolean play(byte[] pcm, int channels) {
            RawPlayout.checkChunk(pcm, channels);
            if (closed) {
                return false;
            }
            short[] samples = new short[channels * CHUNK_SAMPLES];
            for (int i = 0; i < samples.length; i++) {
                samples[i] = (short) ((pcm[2 * i] & 0xff) | (pcm[2 * i + 1] << 8));
            }
            codec.playOnSpeaker(samples, SAMPLE_RATE, channels);
            return true;
        }

        @Override
        public synchronized long framesShown() {
            return frames;
        }

        @Override
        public long framesDropped() {
            return 0;
        }

        @Override
        public long audioChunksDropped() {
            return 0;
        }

        @Override
        public Optional<String> problem() {
            return Optional.empty();
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                open.decrementAndGet();
            }
        }
    }
}
