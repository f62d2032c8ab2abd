package io.roomwire.sip.media.internal;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Builds and reads the RTCP packets the relay needs (RFC 3550 §6.4, §6.5): SR, RR, SDES CNAME. */
public final class Rtcp {

    public static final int SR = 200;
    public static final int RR = 201;
    public static final int SDES = 202;
    /** Payload-specific feedback (RFC 4585 §6.1): FMT 1 is PLI (§6.3.1), FMT 4 is FIR (RFC 5104 §4.3.1). */
    public static final int PSFB = 206;
    private static final int FMT_PLI = 1;
    private static final int FMT_FIR = 4;
    private static final long NTP_EPOCH_OFFSET = 2_208_988_800L;

    private Rtcp() {
    }

    /** One reception report block. */
    public record ReportBlock(int ssrc, int fractionLost, int cumulativeLost, long extendedHighestSeq,
                              long jitter, long lastSr, long delaySinceLastSr) { }

    /** What a received compound packet said that the relay uses. */
    public record Parsed(boolean hasSenderReport, int senderSsrc, long senderNtpMiddle, List<ReportBlock> blocks,
                         boolean keyframeRequested) { }

    /** The 64-bit NTP timestamp of an instant. */
    public static long ntp(Instant t) {
        long seconds = t.getEpochSecond() + NTP_EPOCH_OFFSET;
        long fraction = (((long) t.getNano()) << 32) / 1_000_000_000L;
        return (seconds << 32) | fraction;
    }

    /** The middle 32 bits of an NTP timestamp: the unit of LSR and of round-trip arithmetic. */
    public static long middle(long ntp) {
        return (ntp >>> 16) & 0xffffffffL;
    }

    /** True if the second byte is an RTCP packet type (200-204), the RFC 5761 demultiplexing rule. */
    public static boolean looksLikeRtcp(byte[] p, int off, int len) {
        if (len < 8) {
            return false;
        }
        int pt = p[off + 1] & 0xff;
        return pt >= 192 && pt <= 223;
    }

    /**
     * A compound packet: an SR (when {@code sender} is present) or an RR, with at most one report
     * block, followed by an SDES CNAME chunk.
     */
    public static byte[] compound(int ssrc, Sender sender, ReportBlock block, String cname) {
        int rc = block == null ? 0 : 1;
        int first = 8 + (sender != null ? 20 : 0) + 24 * rc;
        byte[] name = cname.getBytes(StandardCharsets.UTF_8);
        int nameLen = Math.min(name.length, 255);
        int chunk = 4 + 2 + nameLen + 1;
        chunk = (chunk + 3) & ~3;
        int sdes = 4 + chunk;
        byte[] out = new byte[first + sdes];
        out[0] = (byte) (0x80 | rc);
        out[1] = (byte) (sender != null ? SR : RR);
        put16(out, 2, first / 4 - 1);
        put32(out, 4, ssrc);
        int o = 8;
        if (sender != null) {
            put32(out, o, (int) (sender.ntp >>> 32));
            put32(out, o + 4, (int) sender.ntp);
            put32(out, o + 8, (int) sender.rtpTimestamp);
            put32(out, o + 12, (int) sender.packets);
            put32(out, o + 16, (int) sender.octets);
            o += 20;
        }
        if (block != null) {
            put32(out, o, block.ssrc);
            out[o + 4] = (byte) block.fractionLost;
            int cl = Math.max(-0x800000, Math.min(0x7fffff, block.cumulativeLost));
            out[o + 5] = (byte) (cl >> 16);
            out[o + 6] = (byte) (cl >> 8);
            out[o + 7] = (byte) cl;
            put32(out, o + 8, (int) block.extendedHighestSeq);
            put32(out, o + 12, (int) block.jitter);
            put32(out, o + 16, (int) block.lastSr);
            put32(out, o + 20, (int) block.delaySinceLastSr);
        }
        o = first;
        out[o] = (byte) 0x81;
        out[o + 1] = (byte) SDES;
        put16(out, o + 2, sdes / 4 - 1);
        put32(out, o + 4, ssrc);
        out[o + 8] = 1;
        out[o + 9] = (byte) nameLen;
        System.arraycopy(name, 0, out, o + 10, nameLen);
        return out;
    }

    /** Sender information of an SR. */
    public record Sender(long ntp, long rtpTimestamp, long packets, long octets) { }

    /** Reads SRs, RRs and keyframe requests (PLI, FIR) out of a compound packet; throws IllegalArgumentException when malformed. */
    public static Parsed parse(byte[] p, int off, int len) {
        int o = off;
        int end = off + len;
        boolean sr = false;
        int senderSsrc = 0;
        long ntpMiddle = 0;
        List<ReportBlock> blocks = new ArrayList<>();
        boolean keyframe = false;
        while (o + 4 <= end) {
            if ((p[o] & 0xc0) != 0x80) {
                throw new IllegalArgumentException("RTCP version is not 2");
            }
            int count = p[o] & 0x1f;
            int pt = p[o + 1] & 0xff;
            int length = 4 * (((p[o + 2] & 0xff) << 8 | (p[o + 3] & 0xff)) + 1);
            if (o + length > end) {
                throw new IllegalArgumentException("RTCP length field runs past the packet");
            }
            int b = -1;
            // PLI is 12 bytes (sender and media SSRC); FIR adds 8-byte entries (RFC 5104 §4.3.1.1).
            if (pt == PSFB && ((count == FMT_PLI && length >= 12) || (count == FMT_FIR && length >= 20))) {
                keyframe = true;
            }
            if (pt == SR && length >= 28) {
                sr = true;
                senderSsrc = get32(p, o + 4);
                long ntp = ((long) get32(p, o + 8) << 32) | (get32(p, o + 12) & 0xffffffffL);
                ntpMiddle = middle(ntp);
                b = o + 28;
            } else if (pt == RR && length >= 8) {
                if (!sr) {
                    senderSsrc = get32(p, o + 4);
                }
                b = o + 8;
            }
            if (b >= 0) {
                for (int i = 0; i < count && b + 24 <= o + length; i++, b += 24) {
                    int cl = ((p[b + 5] & 0xff) << 16) | ((p[b + 6] & 0xff) << 8) | (p[b + 7] & 0xff);
                    if ((cl & 0x800000) != 0) {
                        cl |= 0xff000000;
                    }
                    blocks.add(new ReportBlock(get32(p, b), p[b + 4] & 0xff, cl, get32(p, b + 8) & 0xffffffffL,
                            get32(p, b + 12) & 0xffffffffL, get32(p, b + 16) & 0xffffffffL, get32(p, b + 20) & 0xffffffffL));
                }
            }
            o += length;
        }
        if (o == off) {
            throw new IllegalArgumentException("empty RTCP packet");
        }
        return new Parsed(sr, senderSsrc, ntpMiddle, blocks, keyframe);
    }

    static void put16(byte[] b, int o, int v) {
        b[o] = (byte) (v >>> 8);
        b[o + 1] = (byte) v;
    }

    static void put32(byte[] b, int o, int v) {
        b[o] = (byte) (v >>> 24);
        b[o + 1] = (byte) (v >>> 16);
        b[o + 2] = (byte) (v >>> 8);
        b[o + 3] = (byte) v;
    }

    static int get32(byte[] b, int o) {
        return ((b[o] & 0xff) << 24) | ((b[o + 1] & 0xff) << 16) | ((b[o + 2] & 0xff) << 8) | (b[o + 3] & 0xff);
    }
}
