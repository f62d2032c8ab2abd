package io.roomwire.sip.srtp;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * The master key (16 bytes) and master salt (14 bytes) of one SRTP direction, as exchanged by SDES
 * ({@code a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:<base64(key||salt)>}). Arrays are copied in and
 * out; {@link #toString()} never shows key material.
 */
public record SrtpKeys(SrtpSuite suite, byte[] masterKey, byte[] masterSalt) {

    public static final int MASTER_KEY_LENGTH = 16;
    public static final int MASTER_SALT_LENGTH = 14;

    private static final SecureRandom RANDOM = new SecureRandom();

    public SrtpKeys {
        Objects.requireNonNull(suite, "suite");
        if (masterKey == null || masterKey.length != MASTER_KEY_LENGTH) {
            throw new IllegalArgumentException("SRTP master key must be 16 bytes");
        }
        if (masterSalt == null || masterSalt.length != MASTER_SALT_LENGTH) {
            throw new IllegalArgumentException("SRTP master salt must be 14 bytes");
        }
        masterKey = masterKey.clone();
        masterSalt = masterSalt.clone();
    }

    /** Fresh keys from a {@link SecureRandom}, for our side of an offer or answer. */
    public static SrtpKeys random(SrtpSuite suite) {
        byte[] k = new byte[MASTER_KEY_LENGTH];
        byte[] s = new byte[MASTER_SALT_LENGTH];
        RANDOM.nextBytes(k);
        RANDOM.nextBytes(s);
        return new SrtpKeys(suite, k, s);
    }

    @Override
    public byte[] masterKey() {
        return masterKey.clone();
    }

    @Override
    public byte[] masterSalt() {
        return masterSalt.clone();
    }

    /** The SDES key parameter: base64 of key followed by salt (40 characters, no "inline:" prefix). */
    public String toSdesInline() {
        byte[] both = new byte[MASTER_KEY_LENGTH + MASTER_SALT_LENGTH];
        System.arraycopy(masterKey, 0, both, 0, MASTER_KEY_LENGTH);
        System.arraycopy(masterSalt, 0, both, MASTER_KEY_LENGTH, MASTER_SALT_LENGTH);
        String s = Base64.getEncoder().encodeToString(both);
        Arrays.fill(both, (byte) 0);
        return s;
    }

    /**
     * Parses an SDES key parameter. Accepts {@code inline:} and a lifetime suffix
     * ({@code KEY|2^31}); refuses an MKI ({@code KEY|2^31|1:4}), which we do not put on packets.
     */
    public static SrtpKeys fromSdesInline(SrtpSuite suite, String inline) throws SrtpException {
        if (inline == null) {
            throw new SrtpException(SrtpException.Reason.BAD_KEY, "a=crypto has no key parameter");
        }
        String s = inline.trim();
        if (s.regionMatches(true, 0, "inline:", 0, 7)) {
            s = s.substring(7);
        }
        String[] parts = s.split("\\|", -1);
        if (parts.length > 3) {
            throw new SrtpException(SrtpException.Reason.BAD_KEY, "a=crypto key parameter has too many '|' fields");
        }
        for (int i = 1; i < parts.length; i++) {
            if (parts[i].contains(":")) {
                throw new SrtpException(SrtpException.Reason.BAD_KEY,
                        "a=crypto asks for an MKI (" + parts[i] + "), which is not supported: offer a crypto line without MKI");
            }
        }
        byte[] both;
        try {
            both = Base64.getDecoder().decode(parts[0]);
        } catch (IllegalArgumentException e) {
            throw new SrtpException(SrtpException.Reason.BAD_KEY, "a=crypto key is not valid base64");
        }
        if (both.length != MASTER_KEY_LENGTH + MASTER_SALT_LENGTH) {
            throw new SrtpException(SrtpException.Reason.BAD_KEY,
                    "a=crypto key is " + both.length + " bytes; " + suite.sdpName() + " needs 30 (16 key + 14 salt)");
        }
        SrtpKeys k = new SrtpKeys(suite, Arrays.copyOfRange(both, 0, MASTER_KEY_LENGTH),
                Arrays.copyOfRange(both, MASTER_KEY_LENGTH, both.length));
        Arrays.fill(both, (byte) 0);
        return k;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SrtpKeys k && k.suite == suite && Arrays.equals(k.masterKey, masterKey)
                && Arrays.equals(k.masterSalt, masterSalt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(suite, Arrays.hashCode(masterKey), Arrays.hashCode(masterSalt));
    }

    @Override
    public String toString() {
        return "SrtpKeys[" + suite.sdpName() + ", key=***]";
    }
}
