package io.roomwire.sip.srtp;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * The master key (16 bytes) and master salt (14 bytes) of one SRTP direction, as exchanged by SDES
 * ({@code a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:<base64(key||salt)>[|lifetime][|MKI:length]}),
 * and the master key identifier its packets carry (empty when the key has none; RFC 3711 3.1,
 * RFC 4568 6.1). Arrays are copied in and out; {@link #toString()} never shows key material.
 */
public record SrtpKeys(SrtpSuite suite, byte[] masterKey, byte[] masterSalt, byte[] mki) {

    public static final int MASTER_KEY_LENGTH = 16;
    public static final int MASTER_SALT_LENGTH = 14;
    /** Longest MKI taken: RFC 4568 allows 1-128 bytes; endpoints use 1-4 (the SDES field counts up to 2^32). */
    public static final int MAX_MKI_LENGTH = 4;

    private static final SecureRandom RANDOM = new SecureRandom();

    public SrtpKeys {
        Objects.requireNonNull(suite, "suite");
        if (masterKey == null || masterKey.length != MASTER_KEY_LENGTH) {
            throw new IllegalArgumentException("SRTP master key must be 16 bytes");
        }
        if (masterSalt == null || masterSalt.length != MASTER_SALT_LENGTH) {
            throw new IllegalArgumentException("SRTP master salt must be 14 bytes");
        }
        if (mki == null || mki.length > MAX_MKI_LENGTH) {
            throw new IllegalArgumentException("SRTP MKI must be 0-" + MAX_MKI_LENGTH + " bytes");
        }
        masterKey = masterKey.clone();
        masterSalt = masterSalt.clone();
        mki = mki.clone();
    }

    /** Keys without an MKI. */
    public SrtpKeys(SrtpSuite suite, byte[] masterKey, byte[] masterSalt) {
        this(suite, masterKey, masterSalt, new byte[0]);
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

    @Override
    public byte[] mki() {
        return mki.clone();
    }

    public int mkiLength() {
        return mki.length;
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
     * Parses an SDES key parameter (RFC 4568 6.1): {@code inline:KEY}, an optional lifetime
     * ({@code KEY|2^31}) and an optional MKI ({@code KEY|2^20|1:4}: value 1 in 4 bytes), whose
     * value then goes on every packet of that key.
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
        byte[] mki = new byte[0];
        for (int i = 1; i < parts.length; i++) {
            if (parts[i].contains(":")) {
                if (i != parts.length - 1) {
                    throw new SrtpException(SrtpException.Reason.BAD_KEY, "a=crypto MKI (" + parts[i]
                            + ") must be the last '|' field");
                }
                mki = mki(parts[i]);
            } else if (!parts[i].matches("2\\^[0-9]{1,2}|[0-9]{1,20}")) {
                throw new SrtpException(SrtpException.Reason.BAD_KEY, "a=crypto key lifetime '" + parts[i]
                        + "' is neither 2^n nor a number");
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
                Arrays.copyOfRange(both, MASTER_KEY_LENGTH, both.length), mki);
        Arrays.fill(both, (byte) 0);
        return k;
    }

    /** {@code value:length} (RFC 4568 6.1): the value in decimal, written big-endian into length bytes. */
    private static byte[] mki(String field) throws SrtpException {
        String[] vl = field.split(":", -1);
        if (vl.length != 2 || !vl[0].matches("[0-9]{1,10}") || !vl[1].matches("[0-9]{1,3}")) {
            throw new SrtpException(SrtpException.Reason.BAD_KEY, "a=crypto MKI '" + field + "' is not value:length");
        }
        int length = Integer.parseInt(vl[1]);
        long value = Long.parseLong(vl[0]);
        if (length < 1 || length > MAX_MKI_LENGTH) {
            throw new SrtpException(SrtpException.Reason.BAD_KEY, "a=crypto MKI length " + length
                    + " is not supported (1-" + MAX_MKI_LENGTH + " bytes)");
        }
        if (length < 8 && value >= 1L << (8 * length)) {
            throw new SrtpException(SrtpException.Reason.BAD_KEY, "a=crypto MKI value " + value + " does not fit in "
                    + length + " bytes");
        }
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            out[length - 1 - i] = (byte) (value >>> (8 * i));
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SrtpKeys k && k.suite == suite && Arrays.equals(k.masterKey, masterKey)
                && Arrays.equals(k.masterSalt, masterSalt) && Arrays.equals(k.mki, mki);
    }

    @Override
    public int hashCode() {
        return Objects.hash(suite, Arrays.hashCode(masterKey), Arrays.hashCode(masterSalt), Arrays.hashCode(mki));
    }

    @Override
    public String toString() {
        return "SrtpKeys[" + suite.sdpName() + ", key=***]";
    }
}
