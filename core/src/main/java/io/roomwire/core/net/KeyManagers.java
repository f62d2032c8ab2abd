package io.roomwire.core.net;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * TLS key managers for a key and its chain that live in memory only (MQTT's, SIP's and MDM's TLS contexts).
 * The JDK's way, a PKCS#12 {@code KeyStore} handed to a {@code KeyManagerFactory}, encrypts the key into the
 * store with PBKDF2 and AES and decrypts it again for the key manager, for each context, for a store that is never
 * written: work at every start that protects nothing (docs/performance.md, rounds 2 and 14). The key manager here
 * holds the key and chain as given and chooses them by the rules of the JDK's default ({@code SunX509}): the
 * leaf's key algorithm must be the one asked for ({@code EC}, {@code RSA}, {@code EdDSA}; {@code EC_RSA} also asks
 * that the leaf be signed by an RSA key), and when the peer names the issuers it accepts, one certificate of the chain
 * must have been issued by one of them.
 */
public final class KeyManagers {

    /** The one alias: there is one key. */
    static final String ALIAS = "key";

    private KeyManagers() {
    }

    /** Key managers presenting {@code key} with {@code chain} (leaf first). */
    public static KeyManager[] of(PrivateKey key, Certificate[] chain) throws GeneralSecurityException {
        if (chain.length == 0) {
            throw new GeneralSecurityException("a key needs its certificate chain, leaf first; none was given");
        }
        X509Certificate[] x509 = new X509Certificate[chain.length];
        for (int i = 0; i < chain.length; i++) {
            if (!(chain[i] instanceof X509Certificate c)) {
                throw new GeneralSecurityException("certificate " + i + " of the chain is not X.509: " + chain[i].getType());
            }
            x509[i] = c;
        }
        if (!x509[0].getPublicKey().getAlgorithm().equals(key.getAlgorithm())) {
            throw new GeneralSecurityException("the key (" + key.getAlgorithm() + ") does not belong to the certificate ("
                    + x509[0].getPublicKey().getAlgorithm() + ", " + x509[0].getSubjectX500Principal() + ")");
        }
        return new KeyManager[] {new InMemory(key, x509)};
    }

    private static final class InMemory extends X509ExtendedKeyManager {
        private final PrivateKey key;
        private final X509Certificate[] chain;

        InMemory(PrivateKey key, X509Certificate[] chain) {
            this.key = key;
            this.chain = chain;
        }

        /** Whether the key can answer for {@code keyType} ("EC", or "EC_RSA": an EC key in an RSA-signed leaf). */
        private boolean fits(String keyType, Principal[] issuers) {
            if (keyType == null) {
                return false;
            }
            int sep = keyType.indexOf('_');
            String keyAlgorithm = sep < 0 ? keyType : keyType.substring(0, sep);
            if (!chain[0].getPublicKey().getAlgorithm().equals(keyAlgorithm)) {
                return false;
            }
            if (sep >= 0 && !signedWith(keyType.substring(sep + 1))) {
                return false;
            }
            if (issuers == null || issuers.length == 0) {
                return true;
            }
            List<Principal> accepted = Arrays.asList(issuers);
            return Arrays.stream(chain).anyMatch(c -> accepted.contains(c.getIssuerX500Principal()));
        }

        /** Whether the leaf was signed with a key of this algorithm: its issuer's, or its signature's name without one. */
        private boolean signedWith(String algorithm) {
            if (chain.length > 1) {
                return chain[1].getPublicKey().getAlgorithm().equals(algorithm);
            }
            return chain[0].getSigAlgName().toUpperCase(Locale.ROOT).contains("WITH" + algorithm.toUpperCase(Locale.ROOT));
        }

        private String alias(String[] keyTypes, Principal[] issuers) {
            if (keyTypes == null) {
                return null;
            }
            for (String t : keyTypes) {
                if (fits(t, issuers)) {
                    return ALIAS;
                }
            }
            return null;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return fits(keyType, issuers) ? new String[] {ALIAS} : null;
        }

        @Override
        public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
            return alias(keyTypes, issuers);
        }

        @Override
        public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
            return alias(keyTypes, issuers);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return fits(keyType, issuers) ? new String[] {ALIAS} : null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return fits(keyType, issuers) ? ALIAS : null;
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return fits(keyType, issuers) ? ALIAS : null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return ALIAS.equals(alias) ? chain.clone() : null;
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return ALIAS.equals(alias) ? key : null;
        }
    }
}
