package io.roomwire.core.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The in-memory key manager in real TLS handshakes (the JDK's engines, both ends) and its choice of alias. */
class KeyManagersTest {

    private record Identity(PrivateKey key, X509Certificate[] chain) { }

    @TempDir
    static Path dir;
    private static Identity server;
    private static Identity client;
    private static Identity rsa;

    /** Keys and self-signed certificates made by the JDK's keytool, as an operator would make them. */
    @BeforeAll
    static void keys() throws Exception {
        server = keytool("server", "EC", "-groupname", "secp256r1");
        client = keytool("client", "EC", "-groupname", "secp256r1");
        rsa = keytool("rsa", "RSA", "-keysize", "2048");
    }

    private static Identity keytool(String name, String alg, String... size) throws Exception {
        Path store = dir.resolve(name + ".p12");
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", name, "-keyalg", alg, "-dname", "CN=" + name + ".room.test", "-validity", "2",
                "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", "secret", "-keypass", "secret"));
        cmd.addAll(List.of(size));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "keytool: " + out);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, "secret".toCharArray());
        }
        Certificate[] chain = ks.getCertificateChain(name);
        return new Identity((PrivateKey) ks.getKey(name, "secret".toCharArray()),
                java.util.Arrays.copyOf(chain, chain.length, X509Certificate[].class));
    }

    private static SSLContext context(Identity id, X509Certificate trusted) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("peer", trusted);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(KeyManagers.of(id.key(), id.chain()), tmf.getTrustManagers(), null);
        return ctx;
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void mutualTlsPresentsEachEndsKeyAndChain(String protocol) throws Exception {
        SSLEngine s = context(server, client.chain()[0]).createSSLEngine();
        s.setUseClientMode(false);
        s.setNeedClientAuth(true);
        SSLEngine c = context(client, server.chain()[0]).createSSLEngine("server.room.test", 8883);
        c.setUseClientMode(true);
        for (SSLEngine e : List.of(s, c)) {
            e.setEnabledProtocols(new String[] {protocol});
        }
        handshake(c, s);
        assertEquals(protocol, c.getSession().getProtocol());
        assertEquals(server.chain()[0], c.getSession().getPeerCertificates()[0], "the client saw the server's certificate");
        assertEquals(client.chain()[0], s.getSession().getPeerCertificates()[0], "the server saw the client's certificate");
    }

    @Test
    void aServerAskingForAnotherKeyTypeGetsNoAlias() throws Exception {
        X509ExtendedKeyManager km = manager(server);
        assertNull(km.chooseServerAlias("RSA", null, null));
        assertNull(km.chooseEngineServerAlias("EdDSA", null, null));
        assertEquals(KeyManagers.ALIAS, km.chooseEngineServerAlias("EC", null, null));
        assertEquals(KeyManagers.ALIAS, km.chooseClientAlias(new String[] {"RSA", "EC"}, null, null));
        assertNull(km.chooseEngineClientAlias(new String[] {"RSA", "RSASSA-PSS"}, null, null));
        assertNull(km.chooseEngineClientAlias(null, null, null));
        // EC_EC: an EC key in a leaf signed by an EC key (self-signed here); EC_RSA asks for an RSA signature
        assertEquals(KeyManagers.ALIAS, km.chooseServerAlias("EC_EC", null, null));
        assertNull(km.chooseServerAlias("EC_RSA", null, null));
        assertEquals(KeyManagers.ALIAS, manager(rsa).chooseServerAlias("RSA", null, null));
    }

    @Test
    void issuersNamedByThePeerMustHaveIssuedOneCertificateOfTheChain() throws Exception {
        X509ExtendedKeyManager km = manager(client);
        Principal other = new X500Principal("CN=Some Other CA");
        assertNull(km.chooseEngineClientAlias(new String[] {"EC"}, new Principal[] {other}, null));
        assertEquals(KeyManagers.ALIAS, km.chooseEngineClientAlias(new String[] {"EC"},
                new Principal[] {other, client.chain()[0].getIssuerX500Principal()}, null));
        assertEquals(KeyManagers.ALIAS, km.chooseEngineClientAlias(new String[] {"EC"}, new Principal[0], null));
        assertArrayEquals(new String[] {KeyManagers.ALIAS}, km.getClientAliases("EC", null));
        assertNull(km.getServerAliases("EC", new Principal[] {other}));
    }

    @Test
    void handsOutItsKeyAndACopyOfItsChainForItsOneAlias() throws Exception {
        X509ExtendedKeyManager km = manager(server);
        assertEquals(server.key(), km.getPrivateKey(KeyManagers.ALIAS));
        X509Certificate[] chain = km.getCertificateChain(KeyManagers.ALIAS);
        assertArrayEquals(server.chain(), chain);
        chain[0] = null;
        assertEquals(server.chain()[0], km.getCertificateChain(KeyManagers.ALIAS)[0], "callers cannot change its chain");
        assertNull(km.getPrivateKey("other"));
        assertNull(km.getCertificateChain("other"));
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefused() {
        GeneralSecurityException e = assertThrows(GeneralSecurityException.class, () -> KeyManagers.of(server.key(), rsa.chain()));
        assertTrue(e.getMessage().contains("does not belong"), e.getMessage());
        assertThrows(GeneralSecurityException.class, () -> KeyManagers.of(server.key(), new Certificate[0]));
    }

    private static X509ExtendedKeyManager manager(Identity id) throws GeneralSecurityException {
        KeyManager[] kms = KeyManagers.of(id.key(), id.chain());
        assertEquals(1, kms.length);
        return (X509ExtendedKeyManager) kms[0];
    }

    /** Runs both engines' handshake in memory; bounded, and failing if either end gives up. */
    private static void handshake(SSLEngine client, SSLEngine server) throws SSLException {
        int size = Math.max(client.getSession().getPacketBufferSize(), server.getSession().getPacketBufferSize());
        ByteBuffer toServer = ByteBuffer.allocate(4 * size);
        ByteBuffer toClient = ByteBuffer.allocate(4 * size);
        ByteBuffer scratch = ByteBuffer.allocate(4 * size);
        client.beginHandshake();
        server.beginHandshake();
        for (int i = 0; i < 200; i++) {
            boolean c = step(client, toClient, toServer, scratch);
            boolean s = step(server, toServer, toClient, scratch);
            if (c && s) {
                return;
            }
        }
        throw new AssertionError("no handshake after 200 steps: client " + client.getHandshakeStatus() + ", server "
                + server.getHandshakeStatus());
    }

    /** One step of one engine: true once its handshake is done. */
    private static boolean step(SSLEngine e, ByteBuffer in, ByteBuffer out, ByteBuffer scratch) throws SSLException {
        HandshakeStatus hs = e.getHandshakeStatus();
        switch (hs) {
            case NEED_WRAP -> e.wrap(ByteBuffer.allocate(0), out);
            case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                in.flip();
                SSLEngineResult r = e.unwrap(in, scratch);
                in.compact();
                scratch.clear();
                if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                    throw new SSLException("the peer closed the handshake");
                }
            }
            case NEED_TASK -> {
                Runnable task;
                while ((task = e.getDelegatedTask()) != null) {
                    task.run();
                }
            }
            default -> {
                return true;
            }
        }
        return false;
    }
}
