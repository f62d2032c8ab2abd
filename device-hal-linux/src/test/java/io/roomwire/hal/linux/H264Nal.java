package io.roomwire.hal.linux;

/** Reads RTP payloads of H.264 (RFC 6184 §5.2): does this packet carry (part of) an IDR slice? */
final class H264Nal {

    private H264Nal() {
    }

    static boolean carriesIdr(byte[] p, int off, int end) {
        if (end <= off) {
            return false;
        }
        int type = p[off] & 0x1f;
        if (type == 5) {
            return true;
        }
        if (type == 28 && end > off + 1) { // FU-A: the start fragment names the NAL type (§5.8)
            return (p[off + 1] & 0x80) != 0 && (p[off + 1] & 0x1f) == 5;
        }
        if (type == 24) { // STAP-A: 16-bit sizes, then NAL units (§5.7.1)
            int i = off + 1;
            while (i + 2 < end) {
                int size = ((p[i] & 0xff) << 8) | (p[i + 1] & 0xff);
                if ((p[i + 2] & 0x1f) == 5) {
                    return true;
                }
                i += 2 + size;
            }
        }
        return false;
    }
}
