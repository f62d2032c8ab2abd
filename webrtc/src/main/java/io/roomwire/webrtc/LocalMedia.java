package io.roomwire.webrtc;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * What the WebRTC path sends as the room's camera and microphone, as raw frames. A room whose codec offers a raw
 * capture ({@code Codec.rawCapture()}: GStreamer on a Linux room PC, the simulated camera in the simulator) sends
 * its camera and microphone through {@link CapturedMedia}; {@link TestPatternMedia} (a moving bar and a steady
 * tone) is what a room without one sends, and what {@link CapturedMedia} falls back to when its capture cannot
 * start. The frame and audio methods are called from one media thread only; {@link #start()} and {@link #stop()}
 * from the path, once per call each, so devices are held only while a WebRTC call is on.
 */
public interface LocalMedia {

    int width();

    int height();

    int framesPerSecond();

    /** Fills one I420 frame; {@code index} counts frames from the call's start. Must not block. */
    void nextFrame(long index, ByteBuffer y, int strideY, ByteBuffer u, int strideU, ByteBuffer v, int strideV);

    /** Fills 10 ms of 48 kHz mono 16-bit little-endian PCM (960 bytes); {@code index} counts chunks. Must not block. */
    void nextAudio(long index, byte[] pcm);

    /** A call that sends this media begins (before its first frame); calls may overlap. Nothing by default. */
    default void start() {
    }

    /** A call that began with {@link #start()} ended. Nothing by default. */
    default void stop() {
    }

    /** Why the room's own camera or microphone is not what is being sent, when it is not; empty otherwise. */
    default Optional<String> problem() {
        return Optional.empty();
    }
}
