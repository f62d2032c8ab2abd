package io.roomwire.provisioning.identity;

import io.roomwire.core.store.CorruptStateException;
import io.roomwire.core.store.FileStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.tinylog.Logger;

/**
 * The device's own key pair (EC P-256) and self-signed certificate, created on first start and
 * kept in the {@link FileStore} as two 0600 entries ({@value #KEY_ENTRY}, {@value #CERT_ENTRY}).
 * Builds PKCS#10 CSRs (MDM enrollment, MQTT mTLS) and derives symmetric keys for data at rest
 * (HKDF-SHA256), so a file encrypted on one device cannot be read on another.
 *
 * <p>Loading, PEM and HKDF use the JDK only: BouncyCastle ({@link IdentityCertificates}) is loaded
 * when a certificate or CSR is built (first start, re-key, enrollment), not on every start.
 *
 * <p>A missing half, a corrupt entry, or a key that does not match its certificate is reported as
 * an {@link IdentityException}; the device is never re-keyed without an explicit {@link #rekey}.
 */
public final class DeviceIdentity {

    public static final String KEY_ENTRY = "device-identity.key";
    public static final String CERT_ENTRY = "device-identity.crt";
    /** Validity of the self-signed certificate; the key itself lives until an explicit re-key. */
    public static final Duration CERT_VALIDITY = Duration.ofDays(3650);
    /** What the operator runs to replace a broken identity (named in every error). */
    public static final String REKEY_HINT = "re-key explicitly with `roomwire enroll --rekey` "
            + "(the device must then be enrolled again)";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] HKDF_SALT = "roomwire/device-identity/v1".getBytes(StandardCharsets.US_ASCII);

    private final KeyPair keyPair;
    private final X509Certificate certificate;
    private final String fingerprint;

    private DeviceIdentity(KeyPair keyPair, X509Certificate certificate) {
        this.keyPair = keyPair;
        this.certificate = certificate;
        this.fingerprint = HexFormat.of().formatHex(sha256(keyPair.getPublic().getEncoded()));
    }

    /**
     * Loads the stored identity, or creates one when neither half exists (first start).
     *
     * @throws IdentityException when one half is missing, an entry is corrupt (it has been moved
     *     aside by the store), or the key does not match the certificate
     */
    public static DeviceIdentity loadOrCreate(FileStore store, Clock clock, String deviceName) throws IdentityException {
        ownerOnly(store);
        Optional<byte[]> key = readEntry(store, KEY_ENTRY, "private key");
        Optional<byte[]> cert = readEntry(store, CERT_ENTRY, "certificate");
        if (key.isEmpty() && cert.isEmpty()) {
            DeviceIdentity created = create(clock, deviceName);
            created.save(store);
            Logger.info("Created device identity {} (EC P-256, self-signed CN={})", created.fingerprint(), deviceName);
            return created;
        }
        if (key.isEmpty()) {
            throw new IdentityException(IdentityException.Reason.MISSING_KEY, "Device private key "
                    + store.pathOf(KEY_ENTRY) + " is missing but its certificate exists; not creating a new key "
                    + "silently: restore the file from backup or " + REKEY_HINT);
        }
        if (cert.isEmpty()) {
            throw new IdentityException(IdentityException.Reason.MISSING_CERTIFICATE, "Device certificate "
                    + store.pathOf(CERT_ENTRY) + " is missing but the private key exists; restore the file from "
                    + "backup or " + REKEY_HINT);
        }
        PrivateKey priv = parseKey(store, new String(key.get(), StandardCharsets.UTF_8));
        X509Certificate c = parseCert(store, new String(cert.get(), StandardCharsets.UTF_8));
        if (!matches(priv, c.getPublicKey())) {
            throw new IdentityException(IdentityException.Reason.MISMATCH, "Device private key "
                    + store.pathOf(KEY_ENTRY) + " does not belong to certificate " + store.pathOf(CERT_ENTRY)
                    + "; restore both files from the same backup or " + REKEY_HINT);
        }
        DeviceIdentity id = new DeviceIdentity(new KeyPair(c.getPublicKey(), priv), c);
        Logger.debug("Loaded device identity {}", id.fingerprint());
        return id;
    }

    /** The private key must be readable by the agent's user only: fix the modes, and say so loudly. */
    private static void ownerOnly(FileStore store) throws IdentityException {
        try {
            store.restrictToOwner(KEY_ENTRY).ifPresent(was -> Logger.warn("Device private key was readable by others ({}); "
                    + "made it owner-only (0600, folder 0700). If anyone else could have copied it, " + REKEY_HINT, was));
        } catch (IOException | UnsupportedOperationException e) {
            throw new IdentityException(IdentityException.Reason.IO, "Cannot make the device private key "
                    + store.pathOf(KEY_ENTRY) + " owner-only (" + e.getMessage() + "); refusing to use a key others may read: "
                    + "fix the owner and modes (chown to the agent's user, chmod 600) and start again", e);
        }
    }

    /** Replaces the identity with a new key pair and certificate (an explicit operator action). */
    public static DeviceIdentity rekey(FileStore store, Clock clock, String deviceName) throws IdentityException {
        DeviceIdentity created = create(clock, deviceName);
        created.save(store);
        Logger.warn("Device identity re-keyed on request: new key {}", created.fingerprint());
        return created;
    }

    public KeyPair keyPair() {
        return keyPair;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public String certificatePem() {
        try {
            return new PemBlock("CERTIFICATE", certificate.getEncoded()).text();
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException("cannot encode the device certificate: " + e.getMessage(), e);
        }
    }

    /** The private key as PKCS#8 PEM; a secret: never log it. */
    public String privateKeyPem() {
        return new PemBlock("PRIVATE KEY", keyPair.getPrivate().getEncoded()).text();
    }

    /** A DER PKCS#10 request for this key with subject {@code CN=commonName}, signed SHA256withECDSA. */
    public byte[] csr(String commonName) {
        return IdentityCertificates.csr(keyPair, commonName);
    }

    public String csrPem(String commonName) {
        return new PemBlock("CERTIFICATE REQUEST", csr(commonName)).text();
    }

    /** Lower-case hex SHA-256 of the DER SubjectPublicKeyInfo. */
    public String fingerprint() {
        return fingerprint;
    }

    /**
     * HKDF-SHA256 (RFC 5869) keyed by the private key, with {@code purpose} as info: the same
     * purpose gives the same key on this device and a different key on every other device.
     */
    public byte[] deriveKey(String purpose, int length) {
        if (length <= 0 || length > 255 * 32) {
            throw new IllegalArgumentException("HKDF-SHA256 length must be 1.." + 255 * 32 + ", got " + length);
        }
        byte[] ikm = unsigned32(((ECPrivateKey) keyPair.getPrivate()).getS());
        try {
            // RFC 5869 section 2.2 (extract) and 2.3 (expand) with HMAC-SHA256
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(HKDF_SALT, "HmacSHA256"));
            byte[] prk = mac.doFinal(ikm);
            mac.init(new SecretKeySpec(prk, "HmacSHA256"));
            Arrays.fill(prk, (byte) 0);
            byte[] info = purpose.getBytes(StandardCharsets.UTF_8);
            byte[] out = new byte[length];
            byte[] t = new byte[0];
            for (int done = 0, i = 1; done < length; i++) {
                mac.update(t);
                mac.update(info);
                mac.update((byte) i);
                t = mac.doFinal();
                int n = Math.min(t.length, length - done);
                System.arraycopy(t, 0, out, done, n);
                done += n;
            }
            Arrays.fill(t, (byte) 0);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM: " + e.getMessage(), e);
        } finally {
            Arrays.fill(ikm, (byte) 0);
        }
    }

    /** The private scalar as exactly 32 big-endian bytes (P-256), as the key material of HKDF. */
    private static byte[] unsigned32(java.math.BigInteger s) {
        byte[] raw = s.toByteArray();
        byte[] out = new byte[32];
        int n = Math.min(raw.length, 32);
        System.arraycopy(raw, raw.length - n, out, 32 - n, n);
        Arrays.fill(raw, (byte) 0);
        return out;
    }

    @Override
    public String toString() {
        return "DeviceIdentity[" + fingerprint + ", " + certificate.getSubjectX500Principal().getName() + "]";
    }

    private static DeviceIdentity create(Clock clock, String deviceName) throws IdentityException {
        try {
            KeyPair kp = IdentityCertificates.newKeyPair(RANDOM);
            return new DeviceIdentity(kp, IdentityCertificates.selfSigned(kp, deviceName, clock.instant(), CERT_VALIDITY, RANDOM));
        } catch (GeneralSecurityException e) {
            throw new IdentityException(IdentityException.Reason.IO, "Cannot create a device key pair: " + e.getMessage(), e);
        }
    }

    private void save(FileStore store) throws IdentityException {
        try {
            // Key first: a crash between the two writes leaves "certificate missing", which is reported.
            store.writeString(KEY_ENTRY, privateKeyPem(), FileStore.Sensitivity.SECRET);
            store.writeString(CERT_ENTRY, certificatePem(), FileStore.Sensitivity.SECRET);
        } catch (IOException e) {
            throw new IdentityException(IdentityException.Reason.IO, "Cannot write the device identity to "
                    + store.dir() + ": " + e.getMessage() + "; check that the state folder is writable", e);
        }
    }

    private static Optional<byte[]> readEntry(FileStore store, String entry, String what) throws IdentityException {
        try {
            return store.read(entry);
        } catch (CorruptStateException e) {
            throw new IdentityException(IdentityException.Reason.CORRUPT, "Device " + what + " is corrupt and was moved "
                    + "aside to " + e.movedTo() + "; restore it from backup or " + REKEY_HINT, e);
        } catch (IOException e) {
            throw new IdentityException(IdentityException.Reason.IO, "Cannot read device " + what + " "
                    + store.pathOf(entry) + ": " + e.getMessage(), e);
        }
    }

    private static PrivateKey parseKey(FileStore store, String pem) throws IdentityException {
        try {
            List<PemBlock> blocks = PemBlock.readAll(pem);
            if (blocks.isEmpty() || !"PRIVATE KEY".equals(blocks.get(0).label())) {
                throw new IOException("not a PKCS#8 PEM private key");
            }
            return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(blocks.get(0).der()));
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IdentityException(IdentityException.Reason.CORRUPT, "Device private key " + store.pathOf(KEY_ENTRY)
                    + " cannot be parsed (" + e.getMessage() + "); restore it from backup or " + REKEY_HINT, e);
        }
    }

    private static X509Certificate parseCert(FileStore store, String pem) throws IdentityException {
        try {
            List<PemBlock> blocks = PemBlock.readAll(pem);
            if (blocks.isEmpty() || !"CERTIFICATE".equals(blocks.get(0).label())) {
                throw new IOException("not a PEM certificate");
            }
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new java.io.ByteArrayInputStream(blocks.get(0).der()));
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IdentityException(IdentityException.Reason.CORRUPT, "Device certificate " + store.pathOf(CERT_ENTRY)
                    + " cannot be parsed (" + e.getMessage() + "); restore it from backup or " + REKEY_HINT, e);
        }
    }

    private static boolean matches(PrivateKey priv, PublicKey pub) {
        try {
            byte[] probe = "roomwire identity check".getBytes(StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(priv);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance("SHA256withECDSA");
            v.initVerify(pub);
            v.update(probe);
            return v.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

}
