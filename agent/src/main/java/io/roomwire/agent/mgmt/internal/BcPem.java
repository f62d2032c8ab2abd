package io.roomwire.agent.mgmt.internal;

import java.io.IOException;
import java.io.StringReader;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * PEM reading with BouncyCastle: what {@link Pem} hands over when the text holds blocks the JDK does not
 * read (SEC1 {@code EC PRIVATE KEY}, PKCS#1 {@code RSA PRIVATE KEY}, ...), and operator signing keys.
 */
final class BcPem {

    private static final BouncyCastleProvider BC = new BouncyCastleProvider();

    private BcPem() {
    }

    static List<X509Certificate> certificates(String pem, String what) throws GeneralSecurityException {
        List<X509Certificate> out = new ArrayList<>();
        for (Object o : objects(pem, what)) {
            if (o instanceof X509CertificateHolder h) {
                out.add(new JcaX509CertificateConverter().getCertificate(h));
            }
        }
        if (out.isEmpty()) {
            throw new GeneralSecurityException(what + " holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)");
        }
        return out;
    }

    /** A private key as a JDK key (for TLS). */
    static PrivateKey privateKey(String pem, String what) throws GeneralSecurityException {
        return privateKey(pem, what, new JcaPEMKeyConverter());
    }

    /** A private key as a BouncyCastle key (for operator signatures). */
    static PrivateKey signingKey(String pem, String what) throws GeneralSecurityException {
        return privateKey(pem, what, new JcaPEMKeyConverter().setProvider(BC));
    }

    /** The BouncyCastle provider instance (not registered globally). */
    static java.security.Provider provider() {
        return BC;
    }

    private static PrivateKey privateKey(String pem, String what, JcaPEMKeyConverter conv) throws GeneralSecurityException {
        for (Object o : objects(pem, what)) {
            try {
                if (o instanceof PEMKeyPair kp) {
                    return conv.getPrivateKey(kp.getPrivateKeyInfo());
                }
                if (o instanceof PrivateKeyInfo pki) {
                    return conv.getPrivateKey(pki);
                }
            } catch (IOException e) {
                throw new GeneralSecurityException(what + ": unreadable private key: " + e.getMessage(), e);
            }
        }
        throw new GeneralSecurityException(what + " holds no unencrypted PEM private key "
                + "(expected -----BEGIN PRIVATE KEY----- or -----BEGIN EC PRIVATE KEY-----)");
    }

    /** Every public key in the text (PUBLIC KEY blocks, or the keys of certificates). */
    static List<PublicKey> publicKeys(String pem, String what) throws GeneralSecurityException {
        JcaPEMKeyConverter conv = new JcaPEMKeyConverter().setProvider(BC);
        List<PublicKey> out = new ArrayList<>();
        for (Object o : objects(pem, what)) {
            try {
                if (o instanceof SubjectPublicKeyInfo spki) {
                    out.add(conv.getPublicKey(spki));
                } else if (o instanceof X509CertificateHolder h) {
                    out.add(conv.getPublicKey(h.getSubjectPublicKeyInfo()));
                } else if (o instanceof PEMKeyPair kp) {
                    out.add(conv.getPublicKey(kp.getPublicKeyInfo()));
                }
            } catch (IOException e) {
                throw new GeneralSecurityException(what + ": unreadable public key: " + e.getMessage(), e);
            }
        }
        if (out.isEmpty()) {
            throw new GeneralSecurityException(what + " holds no PEM public key (expected -----BEGIN PUBLIC KEY-----)");
        }
        return out;
    }

    private static List<Object> objects(String pem, String what) throws GeneralSecurityException {
        List<Object> out = new ArrayList<>();
        try (PEMParser p = new PEMParser(new StringReader(pem))) {
            for (Object o = p.readObject(); o != null; o = p.readObject()) {
                out.add(o);
            }
        } catch (IOException e) {
            throw new GeneralSecurityException(what + " is not valid PEM: " + e.getMessage(), e);
        }
        return out;
    }
}
