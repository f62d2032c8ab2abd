package io.roomwire.hal.sim;

/**
 * The receive side of H.264 over RTP (RFC 6184) as far as the room needs it without decoding pixels:
 * which access units a decoder could show, and the picture size from the SPS. A picture counts when
 * its access unit arrived whole (no sequence gap, ended by the marker bit, RFC 6184 §5.1) and the
 * reference chain is intact since an IDR picture; after a loss nothing counts until the next IDR,
 * as a decoder without concealment would show a frozen or broken picture until then.
 */
final class H264Receiver {

    private static final int STAP_A = 24;
    private static final int FU_A = 28;

    private long frames;
    private int width;
    private int height;
    private boolean referenceIntact;
    private int expectedSeq = -1;
    private int ssrc;
    private long unitTimestamp = -1;
    private boolean unitHasSlice;
    private boolean unitHasIdr;
    private boolean unitDamaged;

    /** One RTP packet of the negotiated H.264 payload type: its payload is {@code p[off, end)}. */
    synchronized void packet(byte[] p, int off, int end, int seq, long timestamp, int packetSsrc, boolean marker) {
        if (expectedSeq >= 0 && packetSsrc != ssrc) {
            expectedSeq = -1; // a new source starts its own sequence (RFC 3550 §8.2)
            endUnit(true);
        }
        ssrc = packetSsrc;
        if (expectedSeq >= 0 && seq != expectedSeq) {
            if (((seq - expectedSeq) & 0xffff) >= 0x8000) {
                return; // late or duplicated: its access unit is already judged
            }
            referenceIntact = false; // something is missing: what depends on it cannot be shown
            if (timestamp == unitTimestamp) {
                unitDamaged = true;
            }
        }
        expectedSeq = (seq + 1) & 0xffff;
        if (timestamp != unitTimestamp) {
            endUnit(true); // the previous unit's marker packet never came
            unitTimestamp = timestamp;
        }
        if (end > off) {
            int type = p[off] & 0x1f;
            if (type == STAP_A) { // 16-bit sizes, then NAL units (§5.7.1)
                int i = off + 1;
                while (i + 2 < end) {
                    int size = ((p[i] & 0xff) << 8) | (p[i + 1] & 0xff);
                    nal(p, i + 2, Math.min(end, i + 2 + size));
                    i += 2 + size;
                }
            } else if (type == FU_A) { // the start fragment names the NAL type (§5.8)
                if (end > off + 1 && (p[off + 1] & 0x80) != 0) {
                    slice(p[off + 1] & 0x1f);
                }
            } else if (type >= 1 && type <= 23) {
                nal(p, off, end);
            }
        }
        if (marker) {
            endUnit(false);
        }
    }

    private void nal(byte[] p, int off, int end) {
        int type = p[off] & 0x1f;
        if (type == H264Clip.NAL_SPS) {
            int[] size = H264Sps.pictureSize(p, off, end);
            if (size != null) {
                width = size[0];
                height = size[1];
            }
        }
        slice(type);
    }

    private void slice(int type) {
        if (type == H264Clip.NAL_IDR) {
            unitHasIdr = true;
        }
        if (type >= 1 && type <= 5) {
            unitHasSlice = true;
        }
    }

    private void endUnit(boolean withoutMarker) {
        if (unitHasSlice) {
            if (withoutMarker || unitDamaged) {
                referenceIntact = false;
            } else if (unitHasIdr) {
                referenceIntact = true;
                frames++;
            } else if (referenceIntact) {
                frames++;
            }
        }
        unitHasSlice = false;
        unitHasIdr = false;
        unitDamaged = false;
        unitTimestamp = -1;
    }

    synchronized long frames() {
        return frames;
    }

    synchronized int width() {
        return width;
    }

    synchronized int height() {
        return height;
    }
}
