package io.roomwire.webrtc;

import io.roomwire.hal.RawCapture;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Optional;
import org.tinylog.Logger;

/**
 * The room's own camera and microphone for the WebRTC path, from the hardware layer's {@link RawCapture}. The
 * capture runs only while a call is on: the first call's {@link #start()} opens it, the last call's {@link #stop()}
 * closes it. The media thread only copies what the capture holds (never waits on a device): a stalled camera repeats
 * its last picture, a microphone that has nothing sends silence. Black is sent until the first picture arrives.
 * When the capture cannot start (a missing GStreamer element, an unplugged camera), or dies before its first
 * picture, the call goes on with {@link TestPatternMedia} and {@link #problem()} says why, for the path's health.
 */
public final class CapturedMedia implements LocalMedia {

    private final RawCapture capture;
    private final RawCapture.Format format;
    private final LocalMedia fallback;
    /** Calls on now; guarded by this. */
    private int calls;
    private volatile RawCapture.Session session;
    /** Why the capture could not start, or what the last session's capture ended with; cleared by the next start. */
    private volatile String lastProblem;

    /** Sends {@code capture} at {@code width}x{@code height}, {@code fps}; the fallback's tone is {@code fallbackToneHz}. */
    public CapturedMedia(RawCapture capture, int width, int height, int fps, double fallbackToneHz) {
        this.capture = Objects.requireNonNull(capture, "capture");
        this.format = new RawCapture.Format(width, height, fps);
        this.fallback = new TestPatternMedia(width, height, fps, fallbackToneHz);
    }

    @Override
    public int width() {
        return format.width();
    }

    @Override
    public int height() {
        return format.height();
    }

    @Override
    public int framesPerSecond() {
        return format.framesPerSecond();
    }

    @Override
    public synchronized void start() {
        if (calls++ > 0) {
            return;
        }
        lastProblem = null;
        try {
            session = capture.open(format);
        } catch (IOException | RuntimeException e) {
            lastProblem = "The room's camera and microphone are not sent over WebRTC, a test pattern is: " + e.getMessage();
            Logger.warn("{}", lastProblem);
        }
    }

    @Override
    public synchronized void stop() {
        if (calls == 0) {
            return;
        }
        if (--calls > 0) {
            return;
        }
        RawCapture.Session s = session;
        session = null;
        if (s != null) {
            s.problem().ifPresent(p -> lastProblem = p);
            s.close();
        }
    }

    /** Whether a capture session is open (a call is on and the capture started). */
    public boolean capturing() {
        return session != null;
    }

    @Override
    public void nextFrame(long index, ByteBuffer y, int strideY, ByteBuffer u, int strideU, ByteBuffer v, int strideV) {
        RawCapture.Session s = session;
        if (s == null) {
            fallback.nextFrame(index, y, strideY, u, strideU, v, strideV);
        } else if (!s.latestFrame(y, strideY, u, strideU, v, strideV)) {
            if (s.problem().isPresent()) {
                fallback.nextFrame(index, y, strideY, u, strideU, v, strideV);
            } else {
                black(y, strideY, u, strideU, v, strideV);
            }
        }
    }

    private void black(ByteBuffer y, int strideY, ByteBuffer u, int strideU, ByteBuffer v, int strideV) {
        int w = format.width();
        byte[] luma = new byte[w];
        java.util.Arrays.fill(luma, (byte) 16);
        byte[] chroma = new byte[w / 2];
        java.util.Arrays.fill(chroma, (byte) 128);
        for (int r = 0; r < format.height(); r++) {
            y.put(r * strideY, luma, 0, w);
        }
        for (int r = 0; r < format.height() / 2; r++) {
            u.put(r * strideU, chroma, 0, w / 2);
            v.put(r * strideV, chroma, 0, w / 2);
        }
    }

    @Override
    public void nextAudio(long index, byte[] pcm) {
        RawCapture.Session s = session;
        if (s == null) {
            fallback.nextAudio(index, pcm);
        } else {
            s.nextAudio(pcm);
        }
    }

    @Override
    public Optional<String> problem() {
        RawCapture.Session s = session;
        Optional<String> now = s == null ? Optional.empty() : s.problem();
        return now.isPresent() ? now : Optional.ofNullable(lastProblem);
    }
}
