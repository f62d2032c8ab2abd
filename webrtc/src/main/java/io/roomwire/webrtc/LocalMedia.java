package io.roomwire.webrtc;

import java.nio.ByteBuffer;

/**
 * The room's camera and microphone as raw frames for the WebRTC path: the hardware layer on a room
 * PC, {@link TestPatternMedia} in the simulator and tests. Called from one media thread only.
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
