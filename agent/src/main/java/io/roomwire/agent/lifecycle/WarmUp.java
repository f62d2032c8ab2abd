package io.roomwire.agent.lifecycle;

import io.roomwire.agent.mgmt.paho.PahoMqttTransport;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * What the start does on its spare core while {@code main} builds the CLI, starts logging and builds the
 * agent on the other (docs/performance.md, rounds 6 and 7). Nothing here is loaded for its result: each step
 * does early, beside the main thread, what the start would otherwise do later on a busy core, and if one fails it
 * simply happens where it is needed.
 * <ol>
 * <li>Opens the class path's jars: the first class-path resource look-up (tinylog's service files, as its
 *     configuration loads) opens every jar and reads its central directory, 65-80 ms for a checkout's 63 jars.</li>
 * <li>Builds a TLS client hello in memory (no socket, a trust manager that trusts nothing): the JDK's TLS
 *     context, its cipher suite and signature scheme tables, the security providers and the key-share code are
 *     loaded and compiled before the first real handshake (MQTT's, on the start's critical path) and the device
 *     identity's key check need them.</li>
 * <li>Sets up what Paho's first client needs and no client of its own ({@link PahoMqttTransport#warmUp}): MQTT's
 *     connection is the last service to come UP.</li>
 * </ol>
 */
public final class WarmUp {

    private WarmUp() {
    }

    /** Starts the warm-up on a daemon thread of its own and returns it. */
    public static Thread start() {
        Thread t = new Thread(() -> {
            openClassPath();
            try {
                tlsClientHello();
            } catch (GeneralSecurityException | SSLException | RuntimeException e) {
                // nothing to do: the first handshake loads what it needs
            }
            PahoMqttTransport.warmUp();
        }, "roomwire-warm-up");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void openClassPath() {
        try {
            WarmUp.class.getClassLoader().getResource("META-INF/roomwire-opens-the-class-path");
        } catch (RuntimeException e) {
            // nothing to do: the class path opens at its first look-up instead
        }
    }

    /** The first record of a TLS client handshake, built in memory by the JDK's TLS engine: a client hello. */
    static byte[] tlsClientHello() throws GeneralSecurityException, SSLException {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(new KeyManager[0], new TrustManager[] {new TrustsNothing()}, null);
        SSLEngine engine = ctx.createSSLEngine("warm-up.invalid", 443);
        engine.setUseClientMode(true);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        engine.closeOutbound();
        return Arrays.copyOf(out.array(), out.position());
    }

    /** The engine never gets as far as a certificate; if it did, it would trust none. */
    private static final class TrustsNothing implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("the warm-up trusts no certificate");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("the warm-up trusts no certificate");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
