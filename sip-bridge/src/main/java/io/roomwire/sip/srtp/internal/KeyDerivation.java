package io.roomwire.sip.srtp.internal;

/**
 * SRTP session key derivation (RFC 3711 §4.3) with a key derivation rate of 0: each session key is
 * the AES-CM keystream under the master key, starting at (master salt XOR label << 48) * 2^16.
 */
public final class KeyDerivation {

    public static final int LABEL_RTP_ENCRYPTION = 0;
    public static final int LABEL_RTP_AUTH = 1;
    public static final int LABEL_RTP_SALT = 2;
    public static final int LABEL_RTCP_ENCRYPTION = 3;
    public static final int LABEL_RTCP_AUTH = 4;
    public static final int LABEL_RTCP_SALT = 5;

    private KeyDerivation() {
    }

    /** Derives {@code length} bytes of session key material for {@code label} (0..5). */
    public static byte[] derive(byte[] masterKey, byte[] masterSalt, int label, int length) {
        byte[] iv = new byte[16];
        System.arraycopy(masterSalt, 0, iv, 0, 14);
        // key_id = label || r (48 bits, r = 0) is right-aligned with the 112-bit salt
        iv[7] ^= (byte) label;
        byte[] out = new byte[length];
        new AesCounterMode(masterKey).keystream(iv, out, 0, length);
        return out;
    }
}
