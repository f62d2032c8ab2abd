package io.roomwire.provisioning.identity;

import io.roomwire.core.store.CorruptStateException;
import io.roomwire.core.store.FileStore;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.HexFormat;
import java.util.Optional;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.tinylog.Logger;

/**
 * The device's own key pair (EC P-256) and self-signed certificate, created on first start and
 * kept in the {@link FileStore} as two 0600 entries ({@value #KEY_ENTRY}, {@value #CERT_ENTRY}).
 * Builds PKCS#10 CSRs (MDM enrollment, MQTT mTLS) and derives symmetric keys for data at rest
 * (HKDF-SHA256), so a file encrypted on one device cannot be read on another.
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
        return pem(certificate);
    }

    /** The private key as PKCS#8 PEM; a secret: never log it. */
    public String privateKeyPem() {
        return pem(new PemObject("PRIVATE KEY", keyPair.getPrivate().getEncoded()));
    }

    /** A DER PKCS#10 request for this key with subject {@code CN=commonName}, signed SHA256withECDSA. */
    public byte[] csr(String commonName) {
        try {
            X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
            PKCS10CertificationRequest req = new JcaPKCS10CertificationRequestBuilder(subject, keyPair.getPublic())
                    .build(signer());
            return req.getEncoded();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String csrPem(String commonName) {
        return pem(new PemObject("CERTIFICATE REQUEST", csr(commonName)));
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
        byte[] ikm = org.bouncycastle.util.BigIntegers.asUnsignedByteArray(32, ((ECPrivateKey) keyPair.getPrivate()).getS());
        try {
            HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
            hkdf.init(new HKDFParameters(ikm, HKDF_SALT, purpose.getBytes(StandardCharsets.UTF_8)));
            byte[] out = new byte[length];
            hkdf.generateBytes(out, 0, length);
            return out;
        } finally {
            Arrays.fill(ikm, (byte) 0);
        }
    }

    @Override
    public String toString() {
        return "DeviceIdentity[" + fingerprint + ", " + certificate.getSubjectX500Principal().getName() + "]";
    }

    private static DeviceIdentity create(Clock clock, String deviceName) throws IdentityException {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            KeyPair kp = g.generateKeyPair();
            Instant now = clock.instant();
            X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
                    .addRDN(BCStyle.CN, deviceName).addRDN(BCStyle.O, "Roomwire device").build();
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, new BigInteger(64, RANDOM).add(BigInteger.ONE),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(CERT_VALIDITY)), subject, kp.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
            ContentSigner s = new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate());
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(b.build(s));
            return new DeviceIdentity(kp, cert);
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
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

    private ContentSigner signer() {
        try {
            return new JcaContentSignerBuilder("SHA256withECDSA").build(keyPair.getPrivate());
        } catch (OperatorCreationException e) {
            throw new IllegalStateException(e);
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
        try (PEMParser p = new PEMParser(new StringReader(pem))) {
            PemObject o = p.readPemObject();
            if (o == null || !"PRIVATE KEY".equals(o.getType())) {
                throw new IOException("not a PKCS#8 PEM private key");
            }
            return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(o.getContent()));
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IdentityException(IdentityException.Reason.CORRUPT, "Device private key " + store.pathOf(KEY_ENTRY)
                    + " cannot be parsed (" + e.getMessage() + "); restore it from backup or " + REKEY_HINT, e);
        }
    }

    private static X509Certificate parseCert(FileStore store, String pem) throws IdentityException {
        try (PEMParser p = new PEMParser(new StringReader(pem))) {
            PemObject o = p.readPemObject();
            if (o == null || !"CERTIFICATE".equals(o.getType())) {
                throw new IOException("not a PEM certificate");
            }
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new java.io.ByteArrayInputStream(o.getContent()));
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

    private static String pem(Object o) {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            w.writeObject(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sw.toString();
    }
}
