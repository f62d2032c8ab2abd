package io.roomwire.sim.cloud;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * A certificate authority for the simulated cloud (throw-away, or kept in a {@link CloudState}): an EC P-256 CA, server
 * certificates for 127.0.0.1/localhost, and client certificates (directly or from a PKCS#10
 * CSR). Everything is real X.509, accepted by the JDK, OpenSSL and Mosquitto.
 */
public final class SimPki {

    /** A certificate with its private key (and the chain up to, not including, the CA). */
    public record Issued(X509Certificate certificate, PrivateKey key) {

        public String certificatePem() {
            return pem(certificate);
        }

        /** The private key as PKCS#8 PEM ("PRIVATE KEY"), which OpenSSL, Mosquitto and BouncyCastle all read. */
        public String keyPem() {
            try {
                return pem(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(key, null).generate());
            } catch (org.bouncycastle.util.io.pem.PemGenerationException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private final String name;
    private final KeyPair caKeys;
    private final X509Certificate caCert;

    public SimPki(String name) {
        this.name = name;
        try {
            this.caKeys = ecKeyPair();
            // Real time on purpose: the JDK's TLS checks certificate validity against the system clock.
            Instant now = Instant.now();
            X500Name subject = new X500Name("CN=" + name + " Root CA,O=Roomwire Simulator");
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(3650))),
                    subject, caKeys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(caKeys.getPublic()));
            this.caCert = sign(b);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("Cannot create simulator CA", e);
        }
    }

    private SimPki(String name, KeyPair caKeys, X509Certificate caCert) {
        this.name = name;
        this.caKeys = caKeys;
        this.caCert = caCert;
    }

    /**
     * The CA kept in {@code state} under {@code entry} (its certificate and PKCS#8 key as PEM), or a new one written
     * there first: a restarted cloud keeps the CA its devices' certificates and trust files name.
     */
    public static SimPki durable(String name, CloudState state, String entry) {
        try {
            Optional<byte[]> kept = state.read(entry);
            if (kept.isPresent()) {
                return restore(name, new String(kept.get(), StandardCharsets.UTF_8), entry);
            }
            SimPki fresh = new SimPki(name);
            String pem = fresh.caPem() + new Issued(fresh.caCert, fresh.caKeys.getPrivate()).keyPem();
            state.write(entry, () -> pem.getBytes(StandardCharsets.UTF_8), true);
            return fresh;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot keep the " + name + " CA in the cloud's state (" + entry + "): "
                    + e.getMessage(), e);
        }
    }

    private static SimPki restore(String name, String pem, String entry) throws IOException {
        X509Certificate cert = null;
        PrivateKey key = null;
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            for (Object o; (o = parser.readObject()) != null; ) {
                if (o instanceof X509CertificateHolder h) {
                    cert = new JcaX509CertificateConverter().getCertificate(h);
                } else if (o instanceof PrivateKeyInfo k) {
                    key = new JcaPEMKeyConverter().getPrivateKey(k);
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IOException("the kept CA certificate cannot be read: " + e.getMessage(), e);
        }
        if (cert == null || key == null) {
            throw new IOException("the kept CA " + entry + " lacks its " + (cert == null ? "certificate" : "key"));
        }
        return new SimPki(name, new KeyPair(cert.getPublicKey(), key), cert);
    }

    public String name() {
        return name;
    }

    public X509Certificate caCertificate() {
        return caCert;
    }

    public String caPem() {
        return pem(caCert);
    }

    /** A TLS server certificate for 127.0.0.1, ::1 and localhost (plus any extra DNS names). */
    public Issued issueServer(String commonName, String... dnsNames) {
        try {
            KeyPair kp = ecKeyPair();
            List<GeneralName> sans = new ArrayList<>();
            sans.add(new GeneralName(GeneralName.dNSName, "localhost"));
            for (String d : dnsNames) {
                sans.add(new GeneralName(GeneralName.dNSName, d));
            }
            sans.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
            sans.add(new GeneralName(GeneralName.iPAddress, "::1"));
            X509Certificate c = issue(new X500Name("CN=" + commonName), kp.getPublic(),
                    Duration.ofDays(365), KeyPurposeId.id_kp_serverAuth, new GeneralNames(sans.toArray(GeneralName[]::new)));
            return new Issued(c, kp.getPrivate());
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A TLS client certificate with a fresh key. */
    public Issued issueClient(String commonName, Duration validity) {
        try {
            KeyPair kp = ecKeyPair();
            return new Issued(issue(new X500Name("CN=" + commonName), kp.getPublic(), validity,
                    KeyPurposeId.id_kp_clientAuth, null), kp.getPrivate());
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client certificate for the key in a PKCS#10 CSR (its signature is checked first). */
    public X509Certificate signCsr(byte[] csrDer, String commonName, Duration validity) throws GeneralSecurityException {
        try {
            JcaPKCS10CertificationRequest csr = new JcaPKCS10CertificationRequest(new PKCS10CertificationRequest(csrDer));
            if (!csr.isSignatureValid(new org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder()
                    .build(csr.getPublicKey()))) {
                throw new GeneralSecurityException("CSR signature does not verify");
            }
            X500Name subject = commonName != null ? new X500Name("CN=" + commonName) : csr.getSubject();
            return issue(subject, csr.getPublicKey(), validity, KeyPurposeId.id_kp_clientAuth, null);
        } catch (IOException | org.bouncycastle.operator.OperatorCreationException | org.bouncycastle.pkcs.PKCSException e) {
            throw new GeneralSecurityException("Bad CSR: " + e.getMessage(), e);
        }
    }

    private X509Certificate issue(X500Name subject, PublicKey key, Duration validity, KeyPurposeId purpose,
                                  GeneralNames sans) throws GeneralSecurityException, IOException {
        Instant now = Instant.now(); // real time: TLS validates against the system clock, not a test's virtual one
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCert, serial(),
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(validity)), subject, key)
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
                .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
                .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCert))
                .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(key));
        if (sans != null) {
            b.addExtension(Extension.subjectAlternativeName, false, sans);
        }
        return sign(b);
    }

    private X509Certificate sign(X509v3CertificateBuilder b) throws GeneralSecurityException {
        try {
            ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate());
            return new JcaX509CertificateConverter().getCertificate(b.build(signer));
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    /** An SSLContext that presents {@code identity} (may be null) and trusts this CA only. */
    public SSLContext sslContext(Issued identity) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            if (identity != null) {
                ks.setKeyEntry("id", identity.key(), new char[0],
                        new java.security.cert.Certificate[] {identity.certificate(), caCert});
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, new char[0]);
            KeyStore ts = KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            ts.setCertificateEntry("ca", caCert);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ts);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), RANDOM);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes the CA as PEM to {@code file} (0644). */
    public Path writeCaPem(Path file) {
        return writePem(file, caPem(), false);
    }

    /** Writes PEM text; private keys are written 0600. */
    public static Path writePem(Path file, String pem, boolean secret) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, pem);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(secret ? "rw-------" : "rw-r--r--"));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String pem(Object o) {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            w.writeObject(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sw.toString();
    }

    public static X509Certificate parseCertificate(byte[] der) throws GeneralSecurityException {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    }

    public static KeyPair ecKeyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return g.generateKeyPair();
    }

    private static BigInteger serial() {
        return new BigInteger(64, RANDOM).add(BigInteger.ONE);
    }

    /** Loopback address used by every simulated service. */
    public static InetAddress loopback() {
        return InetAddress.getLoopbackAddress();
    }
}
