package io.roomwire.sim.cloud.gateway.media;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.digests.SHA1Digest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.modes.CTRModeCipher;
import org.bouncycastle.crypto.modes.SICBlockCipher;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;

/**
 * A deliberately separate, compact SRTP/SRTCP (RFC 3711, AES-CM + HMAC-SHA1, kdr 0) on BouncyCastle,
 * so that the simulated gateway checks the bridge's own implementation instead of agreeing with it
 * by construction. One instance is one direction. It tracks the roll-over counter per SSRC but keeps
 * no replay window (the simulator trusts loopback; replay protection is tested in the bridge).
 */
final class GatewaySrtp {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final int tagLength;
    private final CTRModeCipher rtpCipher = SICBlockCipher.newInstance(AESEngine.newInstance());
    private final CTRModeCipher rtcpCipher = SICBlockCipher.newInstance(AESEngine.newInstance());
    private final HMac rtpMac = new HMac(new SHA1Digest());
    private final HMac rtcpMac = new HMac(new SHA1Digest());
    private final byte[] rtpSalt;
    private final byte[] rtcpSalt;
    private final Map<Integer, long[]> rocs = new HashMap<>(); // ssrc -> {roc, highest seq}
    private final Map<Integer, Integer> rtcpIndex = new HashMap<>();

    /** {@code keyParams} is the SDES key parameter: {@code inline:<base64 key||salt>[|lifetime]}. */
    GatewaySrtp(String suite, String keyParams) {
        this.tagLength = suite.endsWith("_32") ? 4 : 10;
        String b64 = keyParams.startsWith("inline:") ? keyParams.substring(7) : keyParams;
        int bar = b64.indexOf('|');
        byte[] both = Base64.getDecoder().decode(bar < 0 ? b64 : b64.substring(0, bar));
        if (both.length != 30) {
            throw new IllegalArgumentException("SDES key must be 30 bytes, got " + both.length);
        }
        byte[] key = Arrays.copyOf(both, 16);
        byte[] salt = Arrays.copyOfRange(both, 16, 30);
        rtpCipher.init(true, new ParametersWithIV(new KeyParameter(derive(key, salt, 0, 16)), new byte[16]));
        rtpMac.init(new KeyParameter(derive(key, salt, 1, 20)));
        rtpSalt = derive(key, salt, 2, 14);
        rtcpCipher.init(true, new ParametersWithIV(new KeyParameter(derive(key, salt, 3, 16)), new byte[16]));
        rtcpMac.init(new KeyParameter(derive(key, salt, 4, 20)));
        rtcpSalt = derive(key, salt, 5, 14);
    }

    /** A fresh SDES key parameter ({@code inline:...}) for the gateway's own sending direction. */
    static String newKeyParams() {
        byte[] both = new byte[30];
        RANDOM.nextBytes(both);
        return "inline:" + Base64.getEncoder().encodeToString(both);
    }

    private static byte[] derive(byte[] key, byte[] salt, int label, int n) {
        byte[] iv = new byte[16];
        System.arraycopy(salt, 0, iv, 0, 14);
        iv[7] ^= (byte) label;
        CTRModeCipher c = SICBlockCipher.newInstance(AESEngine.newInstance());
        c.init(true, new ParametersWithIV(new KeyParameter(key), iv));
        byte[] out = new byte[n];
        c.processBytes(new byte[n], 0, n, out, 0);
        return out;
    }

    synchronized byte[] protectRtp(byte[] p, int len) {
        int hl = headerLength(p, len);
        int ssrc = int32(p, 8);
        int seq = seq(p);
        long[] st = rocs.computeIfAbsent(ssrc, s -> new long[] {0, seq});
        if (seq < st[1] && st[1] - seq > 0x8000) {
            st[0]++;
        }
        if (seq > st[1] || st[1] - seq > 0x8000) {
            st[1] = seq;
        }
        long roc = st[0];
        byte[] out = Arrays.copyOf(p, len + tagLength);
        crypt(rtpCipher, rtpSalt, ssrc, (roc << 16) | seq, out, hl, len - hl);
        byte[] tag = tag(rtpMac, out, len, roc);
        System.arraycopy(tag, 0, out, len, tagLength);
        return out;
    }

    /** The plain packet, or null when it does not authenticate. */
    synchronized byte[] unprotectRtp(byte[] p, int len) {
        int body = len - tagLength;
        if (body < 12) {
            return null;
        }
        int hl = headerLength(p, body);
        if (hl < 0) {
            return null;
        }
        int ssrc = int32(p, 8);
        int seq = seq(p);
        long[] st = rocs.get(ssrc);
        long roc = 0;
        if (st != null) {
            roc = st[0];
            if (st[1] < 0x8000 && seq - st[1] > 0x8000) {
                roc--;
            } else if (st[1] >= 0x8000 && st[1] - 0x8000 > seq) {
                roc++;
            }
        }
        if (roc < 0) {
            return null; // from before the stream began: refuse
        }
        byte[] tag = tag(rtpMac, p, body, roc);
        if (!org.bouncycastle.util.Arrays.constantTimeAreEqual(tagLength, tag, 0, p, body)) {
            return null;
        }
        if (st == null) {
            rocs.put(ssrc, new long[] {0, seq});
        } else if (roc > st[0]) {
            st[0] = roc;
            st[1] = seq;
        } else if (roc == st[0] && seq > st[1]) {
            st[1] = seq;
        }
        byte[] out = Arrays.copyOf(p, body);
        crypt(rtpCipher, rtpSalt, ssrc, (roc << 16) | seq, out, hl, body - hl);
        return out;
    }

    synchronized byte[] protectRtcp(byte[] p, int len) {
        int ssrc = int32(p, 4);
        int index = rtcpIndex.merge(ssrc, 1, Integer::sum) & 0x7fffffff;
        byte[] out = Arrays.copyOf(p, len + 14);
        crypt(rtcpCipher, rtcpSalt, ssrc, index, out, 8, len - 8);
        put32(out, len, 0x80000000 | index);
        byte[] tag = tag(rtcpMac, out, len + 4, -1);
        System.arraycopy(tag, 0, out, len + 4, 10);
        return out;
    }

    synchronized byte[] unprotectRtcp(byte[] p, int len) {
        int end = len - 14;
        if (end < 8) {
            return null;
        }
        byte[] tag = tag(rtcpMac, p, len - 10, -1);
        if (!org.bouncycastle.util.Arrays.constantTimeAreEqual(10, tag, 0, p, len - 10)) {
            return null;
        }
        int ei = int32(p, end);
        byte[] out = Arrays.copyOf(p, end);
        if (ei < 0) {
            crypt(rtcpCipher, rtcpSalt, int32(p, 4), ei & 0x7fffffff, out, 8, end - 8);
        }
        return out;
    }

    private static void crypt(CTRModeCipher c, byte[] salt, int ssrc, long index, byte[] buf, int off, int n) {
        byte[] iv = new byte[16];
        System.arraycopy(salt, 0, iv, 0, 14);
        for (int i = 0; i < 4; i++) {
            iv[4 + i] ^= (byte) (ssrc >>> (24 - 8 * i));
        }
        for (int i = 0; i < 6; i++) {
            iv[8 + i] ^= (byte) (index >>> (40 - 8 * i));
        }
        c.init(true, new ParametersWithIV(null, iv));
        c.processBytes(buf, off, n, buf, off);
    }

    /** HMAC-SHA1 over {@code buf[0, n)} and, for SRTP ({@code roc >= 0}), the 32-bit ROC. */
    private static byte[] tag(HMac mac, byte[] buf, int n, long roc) {
        mac.update(buf, 0, n);
        if (roc >= 0) {
            byte[] r = new byte[4];
            put32(r, 0, (int) roc);
            mac.update(r, 0, 4);
        }
        byte[] out = new byte[20];
        mac.doFinal(out, 0);
        return out;
    }

    static int headerLength(byte[] p, int len) {
        if (len < 12 || (p[0] & 0xc0) != 0x80) {
            return -1;
        }
        int hl = 12 + 4 * (p[0] & 0x0f);
        if ((p[0] & 0x10) != 0 && hl + 4 <= len) {
            hl += 4 + 4 * (((p[hl + 2] & 0xff) << 8) | (p[hl + 3] & 0xff));
        }
        return hl <= len ? hl : -1;
    }

    static int seq(byte[] p) {
        return ((p[2] & 0xff) << 8) | (p[3] & 0xff);
    }

    static int int32(byte[] b, int o) {
        return ((b[o] & 0xff) << 24) | ((b[o + 1] & 0xff) << 16) | ((b[o + 2] & 0xff) << 8) | (b[o + 3] & 0xff);
    }

    static void put32(byte[] b, int o, int v) {
        b[o] = (byte) (v >>> 24);
        b[o + 1] = (byte) (v >>> 16);
        b[o + 2] = (byte) (v >>> 8);
        b[o + 3] = (byte) v;
    }
}
