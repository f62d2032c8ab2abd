package io.roomwire.sim.room.broker;

import com.hivemq.embedded.EmbeddedHiveMQ;
import io.roomwire.sim.cloud.SimPki;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.tinylog.Logger;

/**
 * The simulated room's MQTT 5 broker: HiveMQ Community Edition running in-process, so the
 * simulated room needs nothing installed. It listens on 127.0.0.1 only, on a free port, with TLS
 * and client certificates required (issued by the simulator's CA); anonymous usage statistics
 * are off. Sessions and retained messages are kept in memory (a simulation needs no RocksDB
 * files; they last as long as the process). It writes the CA and an operator identity as PEM
 * files so that the printed {@code roomwire ctl} line can be pasted as it is.
 */
public final class EmbeddedBroker implements RoomBroker {

    private final Path dir;
    private final SimPki pki;
    private final int port;
    private final EmbeddedHiveMQ hivemq;

    private EmbeddedBroker(Path dir, SimPki pki, int port, EmbeddedHiveMQ hivemq) {
        this.dir = dir;
        this.pki = pki;
        this.port = port;
        this.hivemq = hivemq;
    }

    /**
     * Starts a broker whose folders (configuration, data, extensions, PEM files) live under
     * {@code dir}; they are created before HiveMQ starts, as it requires.
     */
    public static EmbeddedBroker start(Path dir, SimPki pki) {
        try {
            Path conf = Files.createDirectories(dir.resolve("conf"));
            Path data = Files.createDirectories(dir.resolve("data"));
            Path extensions = Files.createDirectories(dir.resolve("extensions"));
            // HiveMQ's libraries unpack native code into java.io.tmpdir: make sure it exists
            Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
            String password = randomPassword();
            SimPki.Issued server = pki.issueServer("roomwire-sim-broker");
            writeStore(conf.resolve("broker.jks"), password, ks -> ks.setKeyEntry("broker", server.key(),
                    password.toCharArray(), new Certificate[] {server.certificate(), pki.caCertificate()}));
            writeStore(conf.resolve("trust.jks"), password, ks -> ks.setCertificateEntry("ca", pki.caCertificate()));
            pki.writeCaPem(dir.resolve("ca.pem"));
            SimPki.Issued operator = pki.issueClient("operator", Duration.ofDays(365));
            SimPki.writePem(dir.resolve("operator.pem"), operator.certificatePem(), false);
            SimPki.writePem(dir.resolve("operator.key"), pkcs8(operator.key()), true);
            // the operator's command-signing key: the simulated room lists operator-sign.pub in mqtt.operator-keys
            java.security.KeyPair signing = SimPki.ecKeyPair();
            SimPki.writePem(dir.resolve("operator-sign.key"), pkcs8(signing.getPrivate()), true);
            SimPki.writePem(dir.resolve("operator-sign.pub"), SimPki.pem(signing.getPublic()), false);
            int port = freePort();
            Files.writeString(conf.resolve("config.xml"), config(port, conf, password));
            EmbeddedHiveMQ hivemq = EmbeddedHiveMQ.builder()
                    .withConfigurationFolder(conf)
                    .withDataFolder(data)
                    .withExtensionsFolder(extensions)
                    .withoutLoggingBootstrap()
                    .build();
            hivemq.start().get(60, TimeUnit.SECONDS);
            EmbeddedBroker b = new EmbeddedBroker(dir, pki, port, hivemq);
            Logger.info("Simulated MQTT broker (HiveMQ CE) listening on {}", b.url());
            return b;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot create the operator signing key: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare the broker folders in " + dir + ": " + e.getMessage(), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("The embedded MQTT broker did not start: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the broker", e);
        }
    }

    private static String config(int port, Path conf, String password) {
        return String.join("\n",
                "<?xml version=\"1.0\"?>",
                "<hivemq>",
                "  <listeners>",
                "    <tls-tcp-listener>",
                "      <port>" + port + "</port>",
                "      <bind-address>127.0.0.1</bind-address>",
                "      <tls>",
                "        <keystore>",
                "          <path>" + conf.resolve("broker.jks") + "</path>",
                "          <password>" + password + "</password>",
                "          <private-key-password>" + password + "</private-key-password>",
                "        </keystore>",
                "        <truststore>",
                "          <path>" + conf.resolve("trust.jks") + "</path>",
                "          <password>" + password + "</password>",
                "        </truststore>",
                "        <client-authentication-mode>REQUIRED</client-authentication-mode>",
                "      </tls>",
                "    </tls-tcp-listener>",
                "  </listeners>",
                "  <persistence>",
                "    <mode>in-memory</mode>",
                "  </persistence>",
                "  <anonymous-usage-statistics>",
                "    <enabled>false</enabled>",
                "  </anonymous-usage-statistics>",
                "</hivemq>",
                "");
    }

    @FunctionalInterface
    private interface StoreFiller {
        void fill(KeyStore ks) throws GeneralSecurityException;
    }

    private static void writeStore(Path file, String password, StoreFiller filler) throws IOException {
        try {
            KeyStore ks = KeyStore.getInstance("JKS");
            ks.load(null, null);
            filler.fill(ks);
            try (OutputStream out = Files.newOutputStream(file)) {
                ks.store(out, password.toCharArray());
            }
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot write key store " + file + ": " + e.getMessage(), e);
        }
    }

    private static String randomPassword() {
        byte[] b = new byte[18];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** PKCS#8 keeps the EC curve (the JDK's SEC1 rendering through PEM writers loses it). */
    static String pkcs8(PrivateKey k) {
        return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                .encodeToString(k.getEncoded()) + "\n-----END PRIVATE KEY-----\n";
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** {@code ssl://127.0.0.1:<port>}. */
    @Override
    public String url() {
        return "ssl://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** The CA that signed the broker's and every client's certificate (PEM). */
    @Override
    public Path caFile() {
        return dir.resolve("ca.pem");
    }

    @Override
    public Path operatorCertFile() {
        return dir.resolve("operator.pem");
    }

    @Override
    public Path operatorKeyFile() {
        return dir.resolve("operator.key");
    }

    /** The operator's private command-signing key (ECDSA P-256, PKCS#8 PEM, 0600). */
    @Override
    public Path operatorSigningKeyFile() {
        return dir.resolve("operator-sign.key");
    }

    /** Its public key (PEM): the value for the room's {@code mqtt.operator-keys}. */
    @Override
    public Path operatorPublicKeyFile() {
        return dir.resolve("operator-sign.pub");
    }

    /** A device identity (CN = device id) as PEM files {@code <id>.pem} and {@code <id>.key}; returns the certificate path. */
    @Override
    public Path issueDevice(String deviceId) {
        SimPki.Issued id = pki.issueClient(deviceId, Duration.ofDays(365));
        SimPki.writePem(dir.resolve(deviceId + ".key"), pkcs8(id.key()), true);
        return SimPki.writePem(dir.resolve(deviceId + ".pem"), id.certificatePem(), false);
    }

    /** Stops the broker and releases its threads and port. */
    @Override
    public void close() {
        try {
            hivemq.stop().get(30, TimeUnit.SECONDS);
            hivemq.close();
        } catch (ExecutionException | TimeoutException e) {
            Logger.warn("Embedded broker did not stop cleanly: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
