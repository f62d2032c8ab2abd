package io.roomwire.sip.ua;

import io.roomwire.sip.SipSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import io.roomwire.core.net.KeyManagers;
import javax.net.ssl.TrustManagerFactory;

/** Builds the SIP TLS context from the {@code sip.tls.*} PEM files. */
public final class TlsFiles {

    private TlsFiles() {
    }

    /**
     * @throws IllegalArgumentException naming the file and the key to fix when a file is missing or unreadable
     */
    public static SSLContext sslContext(SipSettings s) {
        return sslContext(s.trustFile(), s.certificateFile(), s.keyFile());
    }

    public static SSLContext sslContext(Optional<Path> trust, Optional<Path> cert, Optional<Path> key) {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (trust.isPresent()) {
                KeyStore ts = KeyStore.getInstance("PKCS12");
                ts.load(null, null);
                int i = 0;
                for (Certificate c : certificates(trust.get(), "sip.tls.trust-file")) {
                    ts.setCertificateEntry("ca" + i++, c);
                }
                tmf.init(ts);
            } else {
                tmf.init((KeyStore) null);
            }
            javax.net.ssl.KeyManager[] km = null;
            if (cert.isPresent() && key.isPresent()) {
                Collection<? extends Certificate> chain = certificates(cert.get(), "sip.tls.certificate-file");
                km = KeyManagers.of(privateKey(key.get()), chain.toArray(Certificate[]::new));
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(km, tmf.getTrustManagers(), new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("SIP TLS setup failed: " + e.getMessage(), e);
        }
    }

    private static Collection<? extends Certificate> certificates(Path file, String key) throws IOException {
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException("cannot read " + file + " (" + key + ")");
        }
        try (InputStream in = Files.newInputStream(file)) {
            Collection<? extends Certificate> c = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (c.isEmpty()) {
                throw new IllegalArgumentException("no certificate in " + file + " (" + key + ")");
            }
            return c;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not a PEM certificate: " + file + " (" + key + "): " + e.getMessage());
        }
    }

    private static PrivateKey privateKey(Path file) throws IOException {
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException("cannot read " + file + " (sip.tls.key-file)");
        }
        String pem = Files.readString(file, StandardCharsets.US_ASCII);
        int b = pem.indexOf("-----BEGIN PRIVATE KEY-----");
        int e = pem.indexOf("-----END PRIVATE KEY-----");
        if (b < 0 || e < b) {
            throw new IllegalArgumentException(file + " is not a PKCS#8 PEM key (sip.tls.key-file): convert it with "
                    + "'openssl pkcs8 -topk8 -nocrypt'");
        }
        byte[] der = Base64.getMimeDecoder().decode(pem.substring(b + 27, e));
        for (String alg : new String[] {"EC", "RSA", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException ignored) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException("unsupported key type in " + file + " (sip.tls.key-file): use EC or RSA");
    }
}
