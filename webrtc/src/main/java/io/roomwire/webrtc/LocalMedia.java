package io.roomwire.webrtc;

import java.nio.ByteBuffer;

/**
 * What the WebRTC path sends as the room's camera and microphone, as raw frames. The only
 * implementation is {@link TestPatternMedia} (a moving bar and a steady tone), and it is what every
 * room sends, on a room PC as in the simulator and tests: no implementation reads the room's real
 * camera or microphone yet. Called from one media thread only.
 */
public interface LocalMedia {

    int width();

    int height();

    int framesPerSecond();

    /** Fills one I420 frame; {@code index} counts frames from the call's start. */
    void nextFrame(long index, ByteBuffer y, int strideY, ByteBuffer u, int strideU, ByteBuffer v, int strideV);

    /** Fills 10 ms of 48 kHz mono 16-bit little-endian PCM (960 bytes); {@code index} counts chunks. */
    void nextAudio(long index, byte[] pcm);
}
