package io.roomwire.hal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * The room's camera and microphone as raw frames, for a media stack that encodes them itself (the WebRTC
 * path) rather than asking the codec for RTP. A session runs only while it is open: nothing captures, and no
 * device is held, between sessions. Offered by {@link Codec#rawCapture()}.
 */
public interface RawCapture {

    /** Audio comes as 10 ms chunks of 48 kHz mono signed 16-bit little-endian PCM: 480 samples, 960 bytes. */
    int AUDIO_CHUNK_BYTES = 960;

    /** The picture a session delivers: I420 scaled to {@code width}x{@code height} at {@code framesPerSecond}. */
    record Format(int width, int height, int framesPerSecond) {
        public Format {
            if (width <= 0 || height <= 0 || width % 2 != 0 || height % 2 != 0) {
                throw new IllegalArgumentException("I420 needs an even, positive size, got " + width + "x" + height);
            }
            if (framesPerSecond <= 0 || framesPerSecond > 60) {
                throw new IllegalArgumentException("frame rate must be 1 to 60 frames per second, got " + framesPerSecond);
            }
        }

        /** Bytes of one tightly packed I420 picture (Y, then U, then V). */
        public int frameBytes() {
            return width * height * 3 / 2;
        }
    }

    /**
     * Starts the camera and microphone at {@code format}. Fails at once, with a sentence naming what is missing
     * and what to do, when the capture cannot start (a missing GStreamer element, an unplugged camera).
     */
    Session open(Format format) throws IOException;

    /**
     * A running capture. Reads never block: they copy what the devices delivered last, so a slow or stalled
     * camera repeats its last picture instead of holding up the caller.
     */
    interface Session extends AutoCloseable {

        Format format();

        /**
         * Copies the newest picture into the three planes (rows of {@code width}, {@code width/2} and
         * {@code width/2} bytes at the given strides); false, and nothing copied, before the first picture.
         */
        boolean latestFrame(ByteBuffer y, int strideY, ByteBuffer u, int strideU, ByteBuffer v, int strideV);

        /** Pictures the camera delivered so far (some may never have been read: only the newest is kept). */
        long framesCaptured();

        /**
         * Fills {@code pcm} ({@link #AUDIO_CHUNK_BYTES} bytes) with the oldest 10 ms of microphone audio not yet
         * read, or with silence when none is waiting; false for silence.
         */
        boolean nextAudio(byte[] pcm);

        /** Why the capture is not delivering (the pipeline failed or stopped), newest reason; empty while it works. */
        Optional<String> problem();

        /** Stops capturing and releases the devices. Idempotent. */
        @Override
        void close();
    }
}
