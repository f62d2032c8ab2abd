package io.roomwire.hal;

/**
 * G.711 companding of 16-bit linear samples (ITU-T G.711; PCMU and PCMA of RFC 3551 §4.5.14): what the simulated
 * codec sends and decodes, and how the WebRTC path hands the far end's audio to a codec.
 */
public final class G711 {

    private G711() {
    }

    public static byte muLaw(short sample) {
        final int bias = 0x84;
        int sign = (sample >> 8) & 0x80;
        int s = sign != 0 ? -sample : sample;
        s = Math.min(s, 32635) + bias;
        int exponent = 7;
        for (int mask = 0x4000; (s & mask) == 0 && exponent > 0; mask >>= 1) {
            exponent--;
        }
        int mantissa = (s >> (exponent + 3)) & 0x0f;
        return (byte) ~(sign | (exponent << 4) | mantissa);
    }

    public static byte aLaw(short sample) {
        int sign = sample >= 0 ? 0x80 : 0;
        int s = sample >= 0 ? sample : Math.min(-sample, 32767);
        s >>= 3; // G.711 A-law works on 13-bit magnitudes
        int exponent = 0;
        for (int v = s >> 5; v > 0 && exponent < 7; v >>= 1) {
            exponent++;
        }
        int mantissa = exponent == 0 ? (s >> 1) & 0x0f : (s >> exponent) & 0x0f;
        return (byte) ((sign | (exponent << 4) | mantissa) ^ 0x55); // even bits inverted on the wire
    }

    /** The linear sample of a mu-law byte (G.711 Table 2a). */
    public static short muLawDecode(byte b) {
        int u = ~b & 0xff;
        int t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
        return (short) ((u & 0x80) != 0 ? 0x84 - t : t - 0x84);
    }

    /** The linear sample of an A-law byte (G.711 Table 1a). */
    public static short aLawDecode(byte b) {
        int a = (b ^ 0x55) & 0xff;
        int t = (a & 0x0f) << 4;
        int segment = (a & 0x70) >> 4;
        if (segment == 0) {
            t += 8;
        } else {
            t = (t + 0x108) << (segment - 1);
        }
        return (short) ((a & 0x80) != 0 ? t : -t);
    }
}
