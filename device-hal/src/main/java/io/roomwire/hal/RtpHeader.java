package io.roomwire.hal;

/** The fixed 12-byte RTP header (RFC 3550 §5.1, version 2, no padding, extension or CSRCs). */
public final class RtpHeader {

    public static final int LENGTH = 12;

    private RtpHeader() {
    }

    /** A packet of {@code payloadLength} zero bytes after a header with these fields. */
    public static byte[] packet(boolean marker, int payloadType, int sequence, long timestamp, int ssrc, int payloadLength) {
        byte[] p = new byte[LENGTH + payloadLength];
        write(p, marker, payloadType, sequence, timestamp, ssrc);
        return p;
    }

    /** Writes the header into {@code p[0..11]}; sequence and timestamp are taken modulo 2^16 and 2^32. */
    public static void write(byte[] p, boolean marker, int payloadType, int sequence, long timestamp, int ssrc) {
        p[0] = (byte) 0x80;
        p[1] = (byte) ((marker ? 0x80 : 0) | (payloadType & 0x7f));
        p[2] = (byte) (sequence >> 8);
        p[3] = (byte) sequence;
        p[4] = (byte) (timestamp >> 24);
        p[5] = (byte) (timestamp >> 16);
        p[6] = (byte) (timestamp >> 8);
        p[7] = (byte) timestamp;
        p[8] = (byte) (ssrc >> 24);
        p[9] = (byte) (ssrc >> 16);
        p[10] = (byte) (ssrc >> 8);
        p[11] = (byte) ssrc;
    }
}
