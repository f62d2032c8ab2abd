package io.roomwire.hal;

import java.nio.ByteBuffer;

/**
 * A picture's three I420 planes (rows of {@code width}, {@code width/2} and {@code width/2} bytes at their strides)
 * to and from one tightly packed array (Y, then U, then V): what a raw capture hands out and a raw playout takes in.
 */
public final class I420 {

    private I420() {
    }

    /** Copies the planes into one packed array of {@code width*height*3/2} bytes. */
    public static byte[] pack(int width, int height, ByteBuffer y, int strideY, ByteBuffer u, int strideU, ByteBuffer v,
                              int strideV) {
        byte[] out = new byte[width * height * 3 / 2];
        int at = 0;
        for (int r = 0; r < height; r++, at += width) {
            y.get(r * strideY, out, at, width);
        }
        for (int r = 0; r < height / 2; r++, at += width / 2) {
            u.get(r * strideU, out, at, width / 2);
        }
        for (int r = 0; r < height / 2; r++, at += width / 2) {
            v.get(r * strideV, out, at, width / 2);
        }
        return out;
    }

    /** Copies a packed array back into the planes: the inverse of {@link #pack}. */
    public static void unpack(byte[] packed, int width, int height, ByteBuffer y, int strideY, ByteBuffer u, int strideU,
                              ByteBuffer v, int strideV) {
        int at = 0;
        for (int r = 0; r < height; r++, at += width) {
            y.put(r * strideY, packed, at, width);
        }
        for (int r = 0; r < height / 2; r++, at += width / 2) {
            u.put(r * strideU, packed, at, width / 2);
        }
        for (int r = 0; r < height / 2; r++, at += width / 2) {
            v.put(r * strideV, packed, at, width / 2);
        }
    }
}
