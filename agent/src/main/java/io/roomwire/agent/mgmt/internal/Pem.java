package io.roomwire.agent.mgmt.internal;

import io.roomwire.agent.mgmt.TlsMaterial;
import io.roomwire.core.net.KeyManagers;
import io.roomwire.provisioning.identity.PemBlock;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.KeySpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * PEM reading for certificates, private keys (PKCS#8 and SEC1) and public keys. Texts made only of
 * {@code CERTIFICATE}, {@code PRIVATE KEY} and {@code PUBLIC KEY} blocks (what the agent's own files and
 * brokers hold) are read with the JDK; anything else ({@code EC PRIVATE KEY}, {@code RSA PRIVATE KEY},
 * ...) goes to BouncyCastle ({@link BcPem}), which then loads on that first use only.
 */
public final class Pem {

    private static final Set<String> JDK_LABELS = Set.of("CERTIFICATE", "PRIVATE KEY", "PUBLIC KEY");
    /** Key algorithms tried in order for PKCS#8 and SubjectPublicKeyInfo blocks. */
    private static final List<String> KEY_ALGORITHMS = List.of("EC", "Ed25519", "RSA");

    private Pem() {
    }

    public static List<X509Certificate> certificates(String pem, String what) throws GeneralSecurityException {
        List<PemBlock> blocks = jdkBlocks(pem, what);
        if (blocks == null) {
            return BcPem.certificates(pem, what);
        }
        List<X509Certificate> out = new ArrayList<>();
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        for (PemBlock b : blocks) {
            if (b.label().equals("CERTIFICATE")) {
                out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(b.der())));
            }
        }
        if (out.isEmpty()) {
            throw new GeneralSecurityException(what + " holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)");
        }
        return out;
    }

    /** A private key as a JDK key (for TLS). */
    public static PrivateKey privateKey(String pem, String what) throws GeneralSecurityException {
        List<PemBlock> blocks = jdkBlocks(pem, what);
        if (blocks == null) {
            return BcPem.privateKey(pem, what);
        }
        for (PemBlock b : blocks) {
            if (b.label().equals("PRIVATE KEY")) {
                return (PrivateKey) key(new PKCS8EncodedKeySpec(b.der()), true, what + ": unreadable private key");
            }
        }
        throw new GeneralSecurityException(what + " holds no unencrypted PEM private key "
                + "(expected -----BEGIN PRIVATE KEY----- or -----BEGIN EC PRIVATE KEY-----)");
    }

    /** A private key as a BouncyCastle key (for operator signatures; the operator's tool, not the agent's start). */
    public static PrivateKey signingKey(String pem, String what) throws GeneralSecurityException {
        return BcPem.signingKey(pem, what);
    }

    /** The BouncyCastle provider instance (not registered globally); loads BouncyCastle. */
    public static java.security.Provider provider() {
        return BcPem.provider();
    }

    /** Every public key in the text (PUBLIC KEY blocks, or the keys of certificates), as JDK keys. */
    public static List<PublicKey> publicKeys(String pem, String what) throws GeneralSecurityException {
        List<PemBlock> blocks = jdkBlocks(pem, what);
        if (blocks == null) {
            return BcPem.publicKeys(pem, what);
        }
        List<PublicKey> out = new ArrayList<>();
        CertificateFactory cf = null;
        for (PemBlock b : blocks) {
            if (b.label().equals("PUBLIC KEY")) {
                out.add((PublicKey) key(new X509EncodedKeySpec(b.der()), false, what + ": unreadable public key"));
            } else if (b.label().equals("CERTIFICATE")) {
                cf = cf == null ? CertificateFactory.getInstance("X.509") : cf;
                out.add(cf.generateCertificate(new ByteArrayInputStream(b.der())).getPublicKey());
            }
        }
        if (out.isEmpty()) {
            throw new GeneralSecurityException(what + " holds no PEM public key (expected -----BEGIN PUBLIC KEY-----)");
        }
        return out;
    }

    /** The text's blocks when the JDK reads them all; null when one needs BouncyCastle. */
    private static List<PemBlock> jdkBlocks(String pem, String what) throws GeneralSecurityException {
        List<PemBlock> blocks;
        try {
            blocks = PemBlock.readAll(pem);
        } catch (IOException e) {
            throw new GeneralSecurityException(what + " is not valid PEM: " + e.getMessage(), e);
        }
        for (PemBlock b : blocks) {
            if (!JDK_LABELS.contains(b.label())) {
                return null;
            }
        }
        return blocks;
    }

    private static java.security.Key key(KeySpec spec, boolean isPrivate, String failure) throws GeneralSecurityException {
        GeneralSecurityException last = null;
        for (String alg : KEY_ALGORITHMS) {
            try {
                KeyFactory f = KeyFactory.getInstance(alg);
                return isPrivate ? f.generatePrivate(spec) : f.generatePublic(spec);
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw new GeneralSecurityException(failure + " (not an EC, Ed25519 or RSA key: " + last.getMessage() + ")", last);
    }
    /** A TLS client context: trusts the given CA (or the JVM default) and presents the client identity when given. */
    public static SSLContext clientContext(TlsMaterial tls) throws GeneralSecurityException {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (tls.caPem().isPresent()) {
                KeyStore ts = KeyStore.getInstance("PKCS12");
                ts.load(null, null);
                int i = 0;
                for (X509Certificate c : certificates(tls.caPem().get(), "mqtt.ca-file")) {
                    ts.setCertificateEntry("ca" + i++, c);
                }
                tmf.init(ts);
            } else {
                tmf.init((KeyStore) null);
            }
            javax.net.ssl.KeyManager[] km = null;
            if (tls.clientCertPem().isPresent()) {
                List<X509Certificate> chain = certificates(tls.clientCertPem().get(), "mqtt.client-cert");
                PrivateKey key = privateKey(tls.clientKeyPem().orElseThrow(), "mqtt.client-key");
                km = KeyManagers.of(key, chain.toArray(Certificate[]::new));
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(km, tmf.getTrustManagers(), new SecureRandom());
            return ctx;
        } catch (IOException e) {
            throw new GeneralSecurityException(e.getMessage(), e);
        }
    }
}
