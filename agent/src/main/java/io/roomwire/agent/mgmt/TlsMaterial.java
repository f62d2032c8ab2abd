package io.roomwire.agent.mgmt;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * PEM text for a TLS session with the broker: the CA certificates to trust (empty: the JVM's
 * default trust store) and, for mutual TLS, a client certificate chain and its private key.
 * The key text is never printed by {@link #toString()}.
 */
public final class TlsMaterial {

    private final String caPem;
    private final String clientCertPem;
    private final String clientKeyPem;

    private TlsMaterial(String caPem, String clientCertPem, String clientKeyPem) {
        this.caPem = caPem;
        this.clientCertPem = clientCertPem;
        this.clientKeyPem = clientKeyPem;
        if ((clientCertPem == null) != (clientKeyPem == null)) {
            throw new IllegalArgumentException("a client certificate needs its private key and the other way round "
                    + "(set both mqtt.client-cert and mqtt.client-key)");
        }
    }

    /** @param caPem may be null (system trust); cert and key both given or both null */
    public static TlsMaterial ofPem(String caPem, String clientCertPem, String clientKeyPem) {
        return new TlsMaterial(caPem, clientCertPem, clientKeyPem);
    }

    /** Reads PEM files; null paths are left out. */
    public static TlsMaterial fromFiles(Path caFile, Path clientCert, Path clientKey) throws IOException {
        return new TlsMaterial(read(caFile), read(clientCert), read(clientKey));
    }

    private static String read(Path p) throws IOException {
        if (p == null) {
            return null;
        }
        try {
            return Files.readString(p, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IOException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    public Optional<String> caPem() {
        return Optional.ofNullable(caPem);
    }

    public Optional<String> clientCertPem() {
        return Optional.ofNullable(clientCertPem);
    }

    public Optional<String> clientKeyPem() {
        return Optional.ofNullable(clientKeyPem);
    }

    @Override
    public String toString() {
        return "TlsMaterial[ca=" + (caPem != null ? "given" : "system") + ", clientCert="
                + (clientCertPem != null ? "given" : "none") + "]";
    }
}
