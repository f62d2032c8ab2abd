package io.roomwire.sip.srtp;

import io.roomwire.sip.srtp.internal.AesCounterMode;
import io.roomwire.sip.srtp.internal.KeyDerivation;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;

/**
 * SRTP and SRTCP (RFC 3711) for one direction of one media stream: AES-CM encryption, HMAC-SHA1
 * authentication (SRTP tag per suite, SRTCP always 80 bits), session keys derived with a key
 * derivation rate of 0, roll-over counter estimation (§3.3.1, Appendix A) and a 64-packet replay
 * window per SSRC. A sending context protects, a receiving context unprotects; each keeps the state
 * of every SSRC it has seen (at most {@value #MAX_SSRCS}, the least recently used is forgotten).
 * With an MKI (RFC 3711 3.1, 3.4) the packets carry it between the encrypted part and the tag, outside
 * the authenticated portion; a packet with another MKI names a key this context does not have.
 * Thread-safe (methods are synchronized; the cipher and MAC instances are reused).
 */
public final class SrtpContext {

    /** Packets older than this many indexes behind the newest are refused as replays. */
    public static final int REPLAY_WINDOW = 64;
    static final int MAX_SSRCS = 32;
    private static final int RTP_HEADER = 12;
    private static final int SRTCP_INDEX_LENGTH = 4;

    private final boolean sending;
    private final SrtpSuite suite;
    private final int rtpTagLength;
    private final byte[] mki;
    private final AesCounterMode rtpCipher;
    private final AesCounterMode rtcpCipher;
    private final Mac rtpMac;
    private final Mac rtcpMac;
    private final byte[] rtpSalt;
    private final byte[] rtcpSalt;
    private final byte[] iv = new byte[16];
    private final byte[] mac = new byte[20];
    private final byte[] roc = new byte[4];
    private final Map<Integer, RtpState> rtpStates = lru();
    private final Map<Integer, RtcpState> rtcpStates = lru();

    private SrtpContext(SrtpKeys keys, boolean sending) {
        this.sending = sending;
        this.suite = keys.suite();
        this.rtpTagLength = suite.authTagLength();
        this.mki = keys.mki();
        byte[] mk = keys.masterKey();
        byte[] ms = keys.masterSalt();
        byte[] rtpKey = KeyDerivation.derive(mk, ms, KeyDerivation.LABEL_RTP_ENCRYPTION, 16);
        byte[] rtpAuth = KeyDerivation.derive(mk, ms, KeyDerivation.LABEL_RTP_AUTH, 20);
        rtpSalt = KeyDerivation.derive(mk, ms, KeyDerivation.LABEL_RTP_SALT, 14);
        byte[] rtcpKey = KeyDerivation.derive(mk, ms, KeyDerivation.LABEL_RTCP_ENCRYPTION, 16);
        byte[] rtcpAuth = KeyDerivation.derive(mk, ms, KeyDerivation.LABEL_RTCP_AUTH, 20);
        rtcpSalt = KeyDerivation.derive(mk, ms, KeyDerivation.LABEL_RTCP_SALT, 14);
        rtpCipher = new AesCounterMode(rtpKey);
        rtcpCipher = new AesCounterMode(rtcpKey);
        rtpMac = hmac(rtpAuth);
        rtcpMac = hmac(rtcpAuth);
        for (byte[] b : new byte[][] {mk, ms, rtpKey, rtpAuth, rtcpKey, rtcpAuth}) {
            Arrays.fill(b, (byte) 0);
        }
    }

    /** A context that protects what we send with our keys (the ones in our SDP). */
    public static SrtpContext forSending(SrtpKeys k) {
        return new SrtpContext(k, true);
    }

    /** A context that checks and decrypts what the far end sends with its keys (the ones in its SDP). */
    public static SrtpContext forReceiving(SrtpKeys k) {
        return new SrtpContext(k, false);
    }

    public SrtpSuite suite() {
        return suite;
    }

    /**
     * Encrypts and authenticates one RTP packet. Returns a new array: header, encrypted payload,
     * tag. Throws IllegalArgumentException if {@code rtp} is not an RTP packet.
     */
    public synchronized byte[] protectRtp(byte[] rtp, int off, int len) {
        requireRole(true);
        int hl = rtpHeaderLength(rtp, off, len);
        if (hl < 0) {
            throw new IllegalArgumentException("not an RTP packet (" + len + " bytes)");
        }
        int ssrc = readInt(rtp, off + 8);
        int seq = ((rtp[off + 2] & 0xff) << 8) | (rtp[off + 3] & 0xff);
        RtpState st = rtpStates.get(ssrc);
        if (st == null) {
            st = new RtpState(seq);
            rtpStates.put(ssrc, st);
        }
        long v = st.estimate(seq);
        st.update(v, seq);
        long index = (v << 16) | seq;
        byte[] out = new byte[len + mki.length + rtpTagLength];
        System.arraycopy(rtp, off, out, 0, len);
        rtpIv(rtpSalt, ssrc, index);
        rtpCipher.apply(iv, out, hl, len - hl);
        rtpTag(out, 0, len, v);
        System.arraycopy(mki, 0, out, len, mki.length);
        System.arraycopy(mac, 0, out, len + mki.length, rtpTagLength);
        return out;
    }

    /** Checks the tag and replay window of one SRTP packet and returns the plain RTP packet. */
    public synchronized byte[] unprotectRtp(byte[] srtp, int off, int len) throws SrtpException {
        requireRole(false);
        int body = len - rtpTagLength - mki.length;
        int hl = body < RTP_HEADER ? -1 : rtpHeaderLength(srtp, off, body);
        if (hl < 0) {
            throw new SrtpException(SrtpException.Reason.TOO_SHORT, "SRTP packet too short or not RTP (" + len + " bytes)");
        }
        requireMki(srtp, off + body);
        int ssrc = readInt(srtp, off + 8);
        int seq = ((srtp[off + 2] & 0xff) << 8) | (srtp[off + 3] & 0xff);
        RtpState st = rtpStates.get(ssrc);
        long v = st == null ? 0 : st.estimate(seq);
        long index = (v << 16) | seq;
        if (st != null && st.replay.seen(index)) {
            throw new SrtpException(SrtpException.Reason.REPLAYED, "SRTP packet replayed or too old (seq " + seq + ")");
        }
        rtpTag(srtp, off, body, v);
        if (!tagMatches(srtp, off + body + mki.length, rtpTagLength)) {
            throw new SrtpException(SrtpException.Reason.AUTH_FAILED, "SRTP authentication failed (seq " + seq + ")");
        }
        if (st == null) {
            st = new RtpState(seq);
            rtpStates.put(ssrc, st);
        }
        st.update(v, seq);
        st.replay.accept(index);
        byte[] out = Arrays.copyOfRange(srtp, off, off + body);
        rtpIv(rtpSalt, ssrc, index);
        rtpCipher.apply(iv, out, hl, body - hl);
        return out;
    }

    /** Encrypts and authenticates one RTCP compound packet (E flag set, 80-bit tag). */
    public synchronized byte[] protectRtcp(byte[] rtcp, int off, int len) {
        requireRole(true);
        if (len < 8 || (rtcp[off] & 0xc0) != 0x80) {
            throw new IllegalArgumentException("not an RTCP packet (" + len + " bytes)");
        }
        int ssrc = readInt(rtcp, off + 4);
        RtcpState st = rtcpStates.computeIfAbsent(ssrc, s -> new RtcpState());
        st.sendIndex = (st.sendIndex + 1) & 0x7fffffff;
        int index = st.sendIndex;
        byte[] out = new byte[len + SRTCP_INDEX_LENGTH + mki.length + SrtpSuite.SRTCP_AUTH_TAG_LENGTH];
        System.arraycopy(rtcp, off, out, 0, len);
        rtpIv(rtcpSalt, ssrc, index);
        rtcpCipher.apply(iv, out, 8, len - 8);
        writeInt(out, len, 0x80000000 | index);
        rtcpTag(out, 0, len + SRTCP_INDEX_LENGTH);
        System.arraycopy(mki, 0, out, len + SRTCP_INDEX_LENGTH, mki.length);
        System.arraycopy(mac, 0, out, len + SRTCP_INDEX_LENGTH + mki.length, SrtpSuite.SRTCP_AUTH_TAG_LENGTH);
        return out;
    }

    /** Checks and decrypts one SRTCP packet, returning the plain RTCP compound packet. */
    public synchronized byte[] unprotectRtcp(byte[] srtcp, int off, int len) throws SrtpException {
        requireRole(false);
        int tagAt = len - SrtpSuite.SRTCP_AUTH_TAG_LENGTH;
        int mkiAt = tagAt - mki.length;
        int indexAt = mkiAt - SRTCP_INDEX_LENGTH;
        if (indexAt < 8 || (srtcp[off] & 0xc0) != 0x80) {
            throw new SrtpException(SrtpException.Reason.TOO_SHORT, "SRTCP packet too short or not RTCP (" + len + " bytes)");
        }
        requireMki(srtcp, off + mkiAt);
        int ssrc = readInt(srtcp, off + 4);
        int ei = readInt(srtcp, off + indexAt);
        boolean encrypted = ei < 0;
        long index = ei & 0x7fffffffL;
        RtcpState st = rtcpStates.get(ssrc);
        if (st != null && st.replay.seen(index)) {
            throw new SrtpException(SrtpException.Reason.REPLAYED, "SRTCP packet replayed (index " + index + ")");
        }
        rtcpTag(srtcp, off, mkiAt);
        if (!tagMatches(srtcp, off + tagAt, SrtpSuite.SRTCP_AUTH_TAG_LENGTH)) {
            throw new SrtpException(SrtpException.Reason.AUTH_FAILED, "SRTCP authentication failed (index " + index + ")");
        }
        if (st == null) {
            st = new RtcpState();
            rtcpStates.put(ssrc, st);
        }
        st.replay.accept(index);
        byte[] out = Arrays.copyOfRange(srtcp, off, off + indexAt);
        if (encrypted) {
            rtpIv(rtcpSalt, ssrc, index);
            rtcpCipher.apply(iv, out, 8, indexAt - 8);
        }
        return out;
    }

    /** The packet's MKI must be ours: another one names a master key we were never given (RFC 3711 3.3). */
    private void requireMki(byte[] packet, int at) throws SrtpException {
        int diff = 0;
        for (int i = 0; i < mki.length; i++) {
            diff |= mki[i] ^ packet[at + i];
        }
        if (diff != 0) {
            throw new SrtpException(SrtpException.Reason.AUTH_FAILED, "SRTP packet names an unknown MKI");
        }
    }

    private void requireRole(boolean protect) {
        if (protect != sending) {
            throw new IllegalStateException(sending ? "this SRTP context only protects (forSending)"
                    : "this SRTP context only unprotects (forReceiving)");
        }
    }

    /** IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (index * 2^16), RFC 3711 §4.1.1. */
    private void rtpIv(byte[] salt, int ssrc, long index) {
        System.arraycopy(salt, 0, iv, 0, 14);
        iv[14] = 0;
        iv[15] = 0;
        iv[4] ^= (byte) (ssrc >>> 24);
        iv[5] ^= (byte) (ssrc >>> 16);
        iv[6] ^= (byte) (ssrc >>> 8);
        iv[7] ^= (byte) ssrc;
        for (int i = 0; i < 6; i++) {
            iv[13 - i] ^= (byte) (index >>> (8 * i));
        }
    }

    private void rtpTag(byte[] data, int off, int len, long rolloverCounter) {
        writeInt(roc, 0, (int) rolloverCounter);
        try {
            rtpMac.update(data, off, len);
            rtpMac.update(roc, 0, 4);
            rtpMac.doFinal(mac, 0);
        } catch (ShortBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    private void rtcpTag(byte[] data, int off, int len) {
        try {
            rtcpMac.update(data, off, len);
            rtcpMac.doFinal(mac, 0);
        } catch (ShortBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Compares the computed tag with the packet's in constant time. */
    private boolean tagMatches(byte[] packet, int at, int n) {
        int diff = 0;
        for (int i = 0; i < n; i++) {
            diff |= mac[i] ^ packet[at + i];
        }
        return diff == 0;
    }

    /** Length of the RTP header (fixed part, CSRCs, extension), or -1 if it does not fit. */
    static int rtpHeaderLength(byte[] p, int off, int len) {
        if (len < RTP_HEADER || (p[off] & 0xc0) != 0x80) {
            return -1;
        }
        int hl = RTP_HEADER + 4 * (p[off] & 0x0f);
        if ((p[off] & 0x10) != 0) {
            if (hl + 4 > len) {
                return -1;
            }
            hl += 4 + 4 * (((p[off + hl + 2] & 0xff) << 8) | (p[off + hl + 3] & 0xff));
        }
        return hl <= len ? hl : -1;
    }

    private static Mac hmac(byte[] key) {
        try {
            Mac m = Mac.getInstance("HmacSHA1");
            m.init(new SecretKeySpec(key, "HmacSHA1"));
            return m;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA1 is not available in this JVM", e);
        }
    }

    private static int readInt(byte[] b, int o) {
        return ((b[o] & 0xff) << 24) | ((b[o + 1] & 0xff) << 16) | ((b[o + 2] & 0xff) << 8) | (b[o + 3] & 0xff);
    }

    private static void writeInt(byte[] b, int o, int v) {
        b[o] = (byte) (v >>> 24);
        b[o + 1] = (byte) (v >>> 16);
        b[o + 2] = (byte) (v >>> 8);
        b[o + 3] = (byte) v;
    }

    private static <V> Map<Integer, V> lru() {
        return new LinkedHashMap<>(8, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Integer, V> eldest) {
                return size() > MAX_SSRCS;
            }
        };
    }

    /** Roll-over counter and highest sequence number of one SSRC (RFC 3711 Appendix A). */
    private static final class RtpState {
        long roc;
        int highestSeq;
        final ReplayWindow replay = new ReplayWindow();

        RtpState(int firstSeq) {
            highestSeq = firstSeq;
        }

        long estimate(int seq) {
            if (highestSeq < 32768) {
                return seq - highestSeq > 32768 ? (roc - 1) & 0xffffffffL : roc;
            }
            return highestSeq - 32768 > seq ? (roc + 1) & 0xffffffffL : roc;
        }

        void update(long v, int seq) {
            if (v == ((roc + 1) & 0xffffffffL)) {
                roc = v;
                highestSeq = seq;
            } else if (v == roc && seq > highestSeq) {
                highestSeq = seq;
            }
        }
    }

    private static final class RtcpState {
        int sendIndex;
        final ReplayWindow replay = new ReplayWindow();
    }

    /** Sliding window over packet indexes: the newest index and a bit per older one. */
    private static final class ReplayWindow {
        long newest = -1;
        long bits;

        boolean seen(long index) {
            if (newest < 0 || index > newest) {
                return false;
            }
            long delta = newest - index;
            return delta >= REPLAY_WINDOW || ((bits >>> delta) & 1) != 0;
        }

        void accept(long index) {
            if (index > newest) {
                long shift = newest < 0 ? REPLAY_WINDOW : index - newest;
                bits = shift >= REPLAY_WINDOW ? 1 : (bits << shift) | 1;
                newest = index;
            } else {
                bits |= 1L << (newest - index);
            }
        }
    }
}
