package io.roomwire.provisioning.identity;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Supplier;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Data at rest sealed with AES-256-GCM under a key derived (HKDF-SHA256) from the device's private
 * key for one purpose, with the store entry's name as associated data: a file copied to another
 * device, or renamed to another entry, does not open. The key is only as safe as the device key
 * file beside it (see docs/security.md).
 *
 * <p>Layout: 4-byte magic, version byte 1, 12-byte nonce, ciphertext + 16-byte tag.
 */
public final class AtRestCipher {

    private static final int VERSION = 1;
    private static final int NONCE = 12;
    private static final int TAG = 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Why sealed bytes could not be opened. */
    public enum Failure { NOT_SEALED, WRONG_KEY, NO_KEY, BROKEN }

    /** The bytes could not be opened; {@link #failure()} says why. */
    public static final class OpenException extends Exception {
        private static final long serialVersionUID = 1L;
        private final Failure failure;

        OpenException(Failure failure, String message, Throwable cause) {
            super(message, cause);
            this.failure = failure;
        }

        public Failure failure() {
            return failure;
        }
    }

    private final Supplier<Optional<DeviceIdentity>> identity;
    private final String purpose;
    private final byte[] magic;
    private volatile SecretKeySpec key;

    private AtRestCipher(Supplier<Optional<DeviceIdentity>> identity, String purpose, String magic) {
        if (magic.length() != 4) {
            throw new IllegalArgumentException("magic must be 4 ASCII characters: " + magic);
        }
        this.identity = identity;
        this.purpose = purpose;
        this.magic = magic.getBytes(StandardCharsets.US_ASCII);
    }

    /** A cipher for {@code purpose} under {@code id}'s key, tagging its output with {@code magic}. */
    public static AtRestCipher of(DeviceIdentity id, String purpose, String magic) {
        return new AtRestCipher(() -> Optional.of(id), purpose, magic);
    }

    /** As {@link #of}, for an identity that is loaded later (the agent's identity service). */
    public static AtRestCipher lazy(Supplier<Optional<DeviceIdentity>> id, String purpose, String magic) {
        return new AtRestCipher(id, purpose, magic);
    }

    /** Whether {@code raw} starts with this cipher's magic (else: plaintext from an older version, or junk). */
    public boolean isSealed(byte[] raw) {
        return raw.length >= magic.length && Arrays.equals(raw, 0, magic.length, magic, 0, magic.length);
    }

    public byte[] seal(String entry, byte[] plain) throws IOException {
        try {
            byte[] nonce = new byte[NONCE];
            RANDOM.nextBytes(nonce);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key(), new GCMParameterSpec(TAG * 8, nonce));
            c.updateAAD(entry.getBytes(StandardCharsets.UTF_8));
            byte[] ct = c.doFinal(plain);
            return ByteBuffer.allocate(magic.length + 1 + NONCE + ct.length).put(magic).put((byte) VERSION).put(nonce).put(ct)
                    .array();
        } catch (OpenException e) {
            throw new IOException(e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IOException("Cannot encrypt " + entry + ": " + e.getMessage(), e);
        }
    }

    public byte[] open(String entry, byte[] raw) throws OpenException {
        if (!isSealed(raw) || raw.length < magic.length + 1 + NONCE + TAG || raw[magic.length] != VERSION) {
            throw new OpenException(Failure.NOT_SEALED, "is not sealed by this device (unknown format or version)", null);
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key(), new GCMParameterSpec(TAG * 8, raw, magic.length + 1, NONCE));
            c.updateAAD(entry.getBytes(StandardCharsets.UTF_8));
            int off = magic.length + 1 + NONCE;
            return c.doFinal(raw, off, raw.length - off);
        } catch (AEADBadTagException e) {
            throw new OpenException(Failure.WRONG_KEY, "cannot be decrypted with this device's key (copied from another "
                    + "device, altered, or the device was re-keyed)", e);
        } catch (GeneralSecurityException e) {
            throw new OpenException(Failure.BROKEN, "cannot be decrypted: " + e.getMessage(), e);
        }
    }

    private SecretKeySpec key() throws OpenException {
        SecretKeySpec k = key;
        if (k == null) {
            DeviceIdentity id = identity.get().orElseThrow(() -> new OpenException(Failure.NO_KEY,
                    "the device identity is not loaded yet, so its data-at-rest key is not available", null));
            byte[] raw = id.deriveKey(purpose, 32);
            k = new SecretKeySpec(raw, "AES");
            Arrays.fill(raw, (byte) 0);
            key = k;
        }
        return k;
    }
}
