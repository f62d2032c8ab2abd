package io.roomwire.webrtc;

import java.nio.ByteBuffer;

/**
 * A moving bar and a steady tone: what a WebRTC call sends from a room whose codec has no raw capture, and what
 * {@link CapturedMedia} sends while the room's capture cannot deliver (see {@link LocalMedia}).
 */
public final class TestPatternMedia implements LocalMedia {

    private final int width;
    private final int height;
    private final int fps;
    private final double toneHz;

    public TestPatternMedia(int width, int height, int fps, double toneHz) {
        if (width % 2 != 0 || height % 2 != 0 || width <= 0 || height <= 0) {
            throw new IllegalArgumentException("I420 needs an even, positive size, got " + width + "x" + height);
        }
        this.width = width;
        this.height = height;
        this.fps = fps;
        this.toneHz = toneHz;
    }

    @Override
    public int width() {
        return width;
    }

    @Override
    public int height() {
        return height;
    }

    @Override
    public int framesPerSecond() {
        return fps;
    }

    @Override
    public void nextFrame(long index, ByteBuffer y, int strideY, ByteBuffer u, int strideU, ByteBuffer v, int strideV) {
        int bar = (int) ((index * 8) % width);
        byte[] row = new byte[width];
        for (int x = 0; x < width; x++) {
            row[x] = (byte) (Math.abs(x - bar) < width / 16 ? 235 : 16 + (x * 200 / width));
        }
        for (int r = 0; r < height; r++) {
            y.put(r * strideY, row, 0, width);
        }
        byte[] chroma = new byte[width / 2];
        java.util.Arrays.fill(chroma, (byte) 128);
        for (int r = 0; r < height / 2; r++) {
            u.put(r * strideU, chroma, 0, width / 2);
            v.put(r * strideV, chroma, 0, width / 2);
        }
    }

    @Override
    public void nextAudio(long index, byte[] pcm) {
        for (int i = 0; i < 480; i++) {
            long n = index * 480 + i;
            short s = (short) (Math.sin(2 * Math.PI * toneHz * n / 48000.0) * 8000);
            pcm[2 * i] = (byte) s;
            pcm[2 * i + 1] = (byte) (s >> 8);
        }
    }
}
