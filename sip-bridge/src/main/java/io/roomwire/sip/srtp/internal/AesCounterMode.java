package io.roomwire.sip.srtp.internal;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES in counter mode as RFC 3711 §4.1.1 defines it: keystream block i is AES(key, IV + i). The
 * counter blocks of a whole packet go through one reused AES/ECB cipher call (the hot path).
 * Not thread-safe: one instance per direction, used under its owner's lock.
 */
public final class AesCounterMode {

    private final Cipher ecb;
    private byte[] counters = new byte[0];
    private byte[] stream = new byte[0];

    public AesCounterMode(byte[] key) {
        try {
            ecb = Cipher.getInstance("AES/ECB/NoPadding");
            ecb.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES is not available in this JVM", e);
        }
    }

    /** Writes {@code len} keystream bytes starting at counter block {@code iv} into {@code out}. */
    public void keystream(byte[] iv, byte[] out, int off, int len) {
        int blocks = (len + 15) >>> 4;
        fill(iv, blocks);
        System.arraycopy(stream, 0, out, off, len);
    }

    /** XORs {@code data[off, off+len)} with the keystream that starts at counter block {@code iv}. */
    public void apply(byte[] iv, byte[] data, int off, int len) {
        if (len <= 0) {
            return;
        }
        int blocks = (len + 15) >>> 4;
        fill(iv, blocks);
        byte[] ks = stream;
        for (int i = 0; i < len; i++) {
            data[off + i] ^= ks[i];
        }
    }

    private void fill(byte[] iv, int blocks) {
        int n = blocks << 4;
        if (counters.length < n) {
            counters = new byte[Math.max(n, 256)];
            stream = new byte[counters.length];
        }
        System.arraycopy(iv, 0, counters, 0, 16);
        for (int b = 1; b < blocks; b++) {
            int p = b << 4;
            System.arraycopy(counters, p - 16, counters, p, 16);
            for (int i = p + 15; i >= p; i--) {
                if (++counters[i] != 0) {
                    break;
                }
            }
        }
        try {
            ecb.doFinal(counters, 0, n, stream, 0);
        } catch (ShortBufferException | javax.crypto.IllegalBlockSizeException | javax.crypto.BadPaddingException e) {
            throw new IllegalStateException("AES counter block encryption failed", e);
        }
    }
}
