package io.roomwire.webrtc.internal;

import dev.onvoid.webrtc.media.video.I420Buffer;
import dev.onvoid.webrtc.media.video.VideoFrame;
import io.roomwire.hal.RawPlayout;
import java.io.IOException;
import java.util.Optional;
import org.tinylog.Logger;

/**
 * The far end's decoded pictures on the room's display and its decoded audio on the room's speaker, through the
 * codec's {@link RawPlayout}: pictures as I420 at the size the far end sends, audio as 10 ms chunks of 48 kHz PCM
 * (mono or stereo, as decoded), so the Opus wideband the gateway sent stays wideband. The codec applies the panel's
 * speaker volume to it as to a SIP call's audio. Pictures come on libwebrtc's decoder thread, audio on the audio
 * module's playout thread; the playout never blocks either (it drops what its sinks cannot take).
 */
final class FarEndPlayout implements AutoCloseable {

    private final RawPlayout.Session session;
    private final String callId;
    // Audio state: touched on the playout thread only (onData), and by close under the same lock.
    private final Object audioLock = new Object();
    private byte[] chunk = new byte[0];
    private int channels;
    private int filled;
    /** Resampler state for audio decoded at another rate: the next output instant after the previous input frame. */
    private long phase;
    private short[] previous = new short[0];
    private boolean warnedFormat;
    private volatile boolean closed;

    private FarEndPlayout(RawPlayout.Session session, String callId) {
        this.session = session;
        this.callId = callId;
    }

    /** A playout session on {@code playout}; empty (logged) when it cannot start, e.g. a missing GStreamer element. */
    static Optional<FarEndPlayout> open(RawPlayout playout, String callId) {
        try {
            return Optional.of(new FarEndPlayout(playout.open(), callId));
        } catch (IOException | RuntimeException e) {
            Logger.warn("Call {}: the far end's media cannot be shown and played, the codec's raw playout did not start: {}",
                    callId, e.getMessage());
            return Optional.empty();
        }
    }

    /** Shows one decoded picture; the caller still owns (and releases) {@code frame}. */
    void show(VideoFrame frame) {
        if (closed) {
            return;
        }
        I420Buffer i420 = frame.buffer.toI420();
        try {
            session.show(i420.getWidth(), i420.getHeight(), i420.getDataY(), i420.getStrideY(), i420.getDataU(),
                    i420.getStrideU(), i420.getDataV(), i420.getStrideV());
        } catch (IllegalArgumentException e) {
            Logger.debug("Call {}: a picture the display cannot take: {}", callId, e.getMessage());
        } finally {
            // An I420 frame's toI420() is the frame's own buffer (released with the frame); a converted one is new.
            if (i420 != frame.buffer) {
                i420.release();
            }
        }
    }

    /**
     * Plays what webrtc-java's audio sink delivered ({@code frames} frames of {@code channelsIn} interleaved 16-bit
     * native-order samples at {@code sampleRate}), in 10 ms chunks of 48 kHz; more than two channels keep the first two.
     */
    void play(byte[] data, int bitsPerSample, int sampleRate, int channelsIn, int frames) {
        synchronized (audioLock) {
            if (closed) {
                return;
            }
            if (bitsPerSample != 16 || channelsIn < 1 || sampleRate < 8000 || sampleRate > 192000) {
                if (!warnedFormat) {
                    warnedFormat = true;
                    Logger.warn("Call {}: the far end's audio came as {} bit, {} Hz, {} channels: not played", callId,
                            bitsPerSample, sampleRate, channelsIn);
                }
                return;
            }
            int out = Math.min(2, channelsIn);
            if (out != channels) {
                channels = out;
                chunk = new byte[2 * out * RawPlayout.CHUNK_SAMPLES];
                previous = new short[out];
                filled = 0;
                phase = 0;
            }
            for (int f = 0; f < frames; f++) {
                if (sampleRate == RawPlayout.SAMPLE_RATE) {
                    for (int c = 0; c < out; c++) {
                        put(sample(data, f * channelsIn + c));
                    }
                    continue;
                }
                // Linear interpolation to 48 kHz. An input interval is 48000 units and output instants are sampleRate
                // units apart: emit each one that falls between the previous input frame and this one.
                while (phase < RawPlayout.SAMPLE_RATE) {
                    for (int c = 0; c < out; c++) {
                        int now = sample(data, f * channelsIn + c);
                        put((short) (previous[c] + (now - previous[c]) * phase / RawPlayout.SAMPLE_RATE));
                    }
                    phase += sampleRate;
                }
                phase -= RawPlayout.SAMPLE_RATE;
                for (int c = 0; c < out; c++) {
                    previous[c] = sample(data, f * channelsIn + c);
                }
            }
        }
    }

    private static short sample(byte[] data, int index) {
        return (short) ((data[2 * index] & 0xff) | (data[2 * index + 1] << 8)); // native order: little-endian on x86-64
    }

    private void put(short s) {
        chunk[2 * filled] = (byte) s;
        chunk[2 * filled + 1] = (byte) (s >> 8);
        if (++filled == channels * RawPlayout.CHUNK_SAMPLES) {
            session.play(chunk, channels);
            filled = 0;
        }
    }

    @Override
    public void close() {
        synchronized (audioLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        session.close();
    }
}
