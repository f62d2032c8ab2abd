package io.roomwire.agent.mgmt;

import io.roomwire.sim.cloud.SimPki;
import java.security.PrivateKey;
import java.util.Base64;

/**
 * PKCS#8 PEM of a JDK private key. {@code SimPki.Issued.keyPem()} writes JDK EC keys as SEC1
 * "EC PRIVATE KEY" without the curve (the JDK's PKCS#8 inner structure omits it), which neither
 * BouncyCastle nor OpenSSL can read back; PKCS#8 keeps the curve in the algorithm identifier.
 */
final class TestPem {

    private TestPem() {
    }

    static String key(PrivateKey k) {
        return "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(k.getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
    }

    static String key(SimPki.Issued i) {
        return key(i.key());
    }
}
