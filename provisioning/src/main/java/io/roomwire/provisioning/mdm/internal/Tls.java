package io.roomwire.provisioning.mdm.internal;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLContext;
import io.roomwire.core.net.KeyManagers;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** Builds TLS contexts: trusted roots (configured, else the JDK's) plus, for OMA-DM, the client identity. */
public final class Tls {

    private static final SecureRandom RANDOM = new SecureRandom();

    private Tls() {
    }

    /** The JDK's default trust anchors. */
    public static List<X509Certificate> systemAnchors() {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init((KeyStore) null);
            List<X509Certificate> out = new ArrayList<>();
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509TrustManager x) {
                    out.addAll(List.of(x.getAcceptedIssuers()));
                }
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("No default trust store: " + e.getMessage(), e);
        }
    }

    /**
     * A context trusting {@code anchors} (the JDK's when empty) plus {@code extraAnchors}, and
     * presenting {@code key} with {@code chain} when given.
     */
    public static SSLContext context(List<X509Certificate> anchors, List<X509Certificate> extraAnchors,
                                     Optional<PrivateKey> key, List<X509Certificate> chain) {
        try {
            Set<X509Certificate> trust = new LinkedHashSet<>(anchors.isEmpty() ? systemAnchors() : anchors);
            trust.addAll(extraAnchors);
            KeyStore ts = KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            int i = 0;
            for (X509Certificate c : trust) {
                ts.setCertificateEntry("ca" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ts);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(key.isPresent() ? KeyManagers.of(key.get(), chain.toArray(Certificate[]::new)) : null,
                    tmf.getTrustManagers(), RANDOM);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("Cannot build a TLS context: " + e.getMessage(), e);
        }
    }
}
