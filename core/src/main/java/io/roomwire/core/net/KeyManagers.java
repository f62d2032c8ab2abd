package io.roomwire.core.net;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import javax.crypto.spec.PBEParameterSpec;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;

/**
 * TLS key managers for a key and its chain that live in memory only. The usual
 * {@code KeyStore.setKeyEntry(alias, key, password, chain)} on a PKCS#12 store encrypts the key with
 * 10,000 PBKDF2 iterations and the key manager decrypts it again, for each of three TLS contexts
 * (MQTT, SIP, MDM). A store that is never written protects nothing, so one iteration is enough. The
 * start-up gain is not shown to exceed noise: a JFR profile put PBKDF2 at 48 of 252 CPU samples of a
 * start, but measured, one iteration took CPU to "all services UP" from 2,780 to 2,690 ms (~90 ms),
 * within the ~330 ms the same build varies between runs (docs/performance.md, round 2).
 */
public final class KeyManagers {

    private static final SecureRandom RANDOM = new SecureRandom();

    private KeyManagers() {
    }

    /** Key managers presenting {@code key} with {@code chain} (leaf first). */
    public static KeyManager[] of(PrivateKey key, Certificate[] chain) throws GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try {
            ks.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException("cannot create an in-memory key store: " + e.getMessage(), e);
        }
        char[] none = new char[0];
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        ks.setEntry("key", new KeyStore.PrivateKeyEntry(key, chain), new KeyStore.PasswordProtection(none,
                "PBEWithHmacSHA256AndAES_256", new PBEParameterSpec(salt, 1)));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, none);
        return kmf.getKeyManagers();
    }
}
