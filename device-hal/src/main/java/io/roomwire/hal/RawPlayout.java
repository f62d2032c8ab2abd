package io.roomwire.hal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * The room's display and speaker fed raw frames, the mirror of {@link RawCapture}: for a media stack that decodes
 * the far end's media itself (the WebRTC path) rather than handing the codec RTP. Pictures are I420 of any even
 * size (a new size is taken as it comes); audio is 10 ms chunks of 48 kHz mono or stereo signed 16-bit
 * little-endian PCM, played at the speaker volume of {@link Codec#controls()}, which applies live. Nothing plays,
 * and no device is held, between sessions. Offered by {@link Codec#rawPlayout()}.
 */
public interface RawPlayout {

    /** The audio's sample rate: 48 kHz, Opus's own (RFC 7587 §4.1), so wideband audio stays wideband. */
    int SAMPLE_RATE = 48000;

    /** Samples per channel in one 10 ms chunk at {@link #SAMPLE_RATE}. */
    int CHUNK_SAMPLES = 480;

    /** Starts a playout for one call. Fails at once, with a sentence naming what is missing and what to do. */
    Session open() throws IOException;

    /**
     * A running playout. Its calls never block: a picture or chunk the display or speaker cannot take now is dropped
     * and counted, so a stalled sink never holds up the decoder that feeds it.
     */
    interface Session extends AutoCloseable {

        /**
         * Shows one picture: {@code width}x{@code height} I420 (even sizes), its planes' rows {@code width},
         * {@code width/2} and {@code width/2} bytes long at the given strides; copied before this returns.
         * False when it was dropped (the display is behind, or not working: see {@link #problem()}).
         *
         * @throws IllegalArgumentException for an odd or non-positive size, or planes too small for it
         */
        boolean show(int width, int height, ByteBuffer y, int strideY, ByteBuffer u, int strideU, ByteBuffer v, int strideV);

        /**
         * Plays 10 ms of audio: {@link #CHUNK_SAMPLES} frames of {@code channels} (1 or 2, interleaved) S16LE samples
         * at 48 kHz from {@code pcm}, {@code 2 * channels * CHUNK_SAMPLES} bytes; copied before this returns. False
         * when it was dropped.
         *
         * @throws IllegalArgumentException for another channel count or a short buffer
         */
        boolean play(byte[] pcm, int channels);

        /** Pictures handed to the display so far. */
        long framesShown();

        /** Pictures dropped so far: the display was behind or not working. */
        long framesDropped();

        /** 10 ms chunks dropped so far: the speaker was behind or not working. */
        long audioChunksDropped();

        /** Why the display or speaker is not playing (its pipeline failed or stopped), newest reason; empty while it works. */
        Optional<String> problem();

        /** Stops playing and releases the display and speaker. Idempotent. */
        @Override
        void close();
    }

    /** Checks a picture's size and planes for {@link Session#show}. */
    static void checkPicture(int width, int height, ByteBuffer y, int strideY, ByteBuffer u, int strideU, ByteBuffer v,
                             int strideV) {
        if (width <= 0 || height <= 0 || width % 2 != 0 || height % 2 != 0) {
            throw new IllegalArgumentException("I420 needs an even, positive size, got " + width + "x" + height);
        }
        if (strideY < width || strideU < width / 2 || strideV < width / 2
                || y.capacity() < (long) strideY * (height - 1) + width
                || u.capacity() < (long) strideU * (height / 2 - 1) + width / 2
                || v.capacity() < (long) strideV * (height / 2 - 1) + width / 2) {
            throw new IllegalArgumentException("the planes of a " + width + "x" + height + " picture are too small (strides "
                    + strideY + "/" + strideU + "/" + strideV + ")");
        }
    }

    /** Checks a chunk for {@link Session#play}. */
    static void checkChunk(byte[] pcm, int channels) {
        if (channels != 1 && channels != 2) {
            throw new IllegalArgumentException("the speaker plays mono or stereo, got " + channels + " channels");
        }
        if (pcm.length < 2 * channels * CHUNK_SAMPLES) {
            throw new IllegalArgumentException("10 ms of " + channels + "-channel 48 kHz audio is " + 2 * channels * CHUNK_SAMPLES
                    + " bytes, got " + pcm.length);
        }
    }
}
