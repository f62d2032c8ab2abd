package io.roomwire.sip.ua.internal;

import gov.nist.core.net.NetworkLayer;
import gov.nist.core.net.SecurityManagerProvider;
import gov.nist.javax.sip.SipStackImpl;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;

/**
 * jain-sip's sockets with our own TLS: our {@link SSLContext} (trust store, client certificate),
 * explicit protocols and cipher suites (jain-sip's defaults fail with EC keys), host name
 * verification, and TCP_NODELAY (BYE→200 drops from ~45 ms to ~2 ms). jain-sip creates it by
 * class name; the configuration travels in the stack properties under {@link #CONFIG_KEY}.
 */
public final class TlsNetworkLayer implements NetworkLayer {

    /** Stack property naming the registered {@link Config} (properties keep only strings). */
    public static final String CONFIG_KEY = "io.roomwire.sip.TLS_CONFIG_ID";
    private static final java.util.Map<String, Config> CONFIGS = new java.util.concurrent.ConcurrentHashMap<>();

    /** Registers a configuration for a stack about to be created; returns the id for {@link #CONFIG_KEY}. */
    public static String register(Config config) {
        String id = java.util.UUID.randomUUID().toString();
        CONFIGS.put(id, config);
        return id;
    }

    /** Forgets a configuration once its stack is stopped. */
    public static void unregister(String id) {
        if (id != null) {
            CONFIGS.remove(id);
        }
    }
    private static final int CONNECT_TIMEOUT_MS = 8000;

    /**
     * TLS settings handed to the stack. {@code serverNames} maps a next hop ({@code host:port}, as
     * resolved from DNS SRV) to the name its certificate must carry: the domain of the URI dialled,
     * never the SRV target's name, which unsigned DNS chose (RFC 5922 section 4).
     */
    public record Config(SSLContext context, List<String> protocols, List<String> cipherSuites,
                         boolean verifyHostname, boolean wantClientAuth,
                         java.util.Map<String, String> serverNames, ListenerLimits limits) {

        public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
        public static final List<String> SUITES = List.of(
                "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
                "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");

        /** TLS with our protocols and suites, and these listener limits; {@code context} is null for plain TCP. */
        public static Config of(SSLContext context, ListenerLimits limits) {
            return new Config(context, PROTOCOLS, SUITES, true, false, new java.util.concurrent.ConcurrentHashMap<>(),
                    limits);
        }

        /** The certificate of {@code hopHost:port} must name {@code domain} (the URI's host). */
        public void expectServerName(String hopHost, int port, String domain) {
            if (serverNames.size() < 1024) { // bounded: one entry per SRV target dialled
                serverNames.put(key(hopHost, port), domain.toLowerCase(java.util.Locale.ROOT));
            }
        }

        String serverName(String host, int port) {
            return serverNames.getOrDefault(key(host, port), host);
        }

        private static String key(String host, int port) {
            return host.toLowerCase(java.util.Locale.ROOT) + ":" + port;
        }

        /** The suites of {@link #SUITES} this JDK supports, comma-separated for jain-sip's property. */
        public String suitesProperty() {
            List<String> supported = Arrays.asList(context.getSupportedSSLParameters().getCipherSuites());
            return String.join(",", cipherSuites.stream().filter(supported::contains).toList());
        }
    }

    /**
     * The key and trust managers a jain-sip stack makes when it is created, for its NIO TLS processors. This stack's
     * TLS is this layer's ({@link Config}), so it needs none; jain-sip's default provider loads the JDK's whole trust
     * store (every CA certificate of cacerts) at each stack's creation, a third of the SIP service's start.
     * Named by {@link #PROPERTY}; if anything ever asked it for managers, it says so instead of trusting by default.
     */
    public static final class NoStackKeys implements SecurityManagerProvider {

        /** The stack property that names the provider class. */
        public static final String PROPERTY = "gov.nist.javax.sip.SECURITY_MANAGER_PROVIDER";

        public NoStackKeys() {
            // made by jain-sip by class name
        }

        @Override
        public void init(Properties properties) {
            // nothing to load: see the class comment
        }

        @Override
        public KeyManager[] getKeyManagers(boolean client) {
            throw new IllegalStateException("this SIP stack's TLS is TlsNetworkLayer's; it has no key managers of its own");
        }

        @Override
        public TrustManager[] getTrustManagers(boolean client) {
            throw new IllegalStateException("this SIP stack's TLS is TlsNetworkLayer's; it has no trust managers of its own");
        }
    }

    private Config config;

    public TlsNetworkLayer() {
    }

    @Override
    public void setSipStack(SipStackImpl sipStack) {
        String id = sipStack.getConfigurationProperties().getProperty(CONFIG_KEY);
        this.config = id == null ? null : CONFIGS.get(id);
    }

    private Config config() throws IOException {
        if (config == null || config.context() == null) {
            throw new IOException("TLS is not configured for this SIP stack (no " + CONFIG_KEY + ")");
        }
        return config;
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog, InetAddress bindAddress) throws IOException {
        if (config != null) {
            return config.limits().tcp(port, backlog, bindAddress);
        }
        return new NoDelayServerSocket(port, backlog, bindAddress);
    }

    @Override
    public SSLServerSocket createSSLServerSocket(int port, int backlog, InetAddress bindAddress) throws IOException {
        Config c = config();
        SSLParameters p = c.context().getDefaultSSLParameters();
        p.setProtocols(c.protocols().toArray(String[]::new));
        p.setCipherSuites(supported(c, c.context().getSupportedSSLParameters().getCipherSuites()));
        p.setWantClientAuth(c.wantClientAuth());
        return c.limits().tls(port, backlog, bindAddress, c.context(), p);
    }

    @Override
    public Socket createSocket(InetAddress address, int port) throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress(address, port), CONNECT_TIMEOUT_MS);
        return s;
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress myAddress) throws IOException {
        return createSocket(address, port, myAddress, 0);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress myAddress, int myPort) throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        if (myAddress != null) {
            s.bind(new InetSocketAddress(myAddress, myPort));
        }
        s.connect(new InetSocketAddress(address, port), CONNECT_TIMEOUT_MS);
        return s;
    }

    @Override
    public SSLSocket createSSLSocket(InetAddress address, int port) throws IOException {
        return createSSLSocket(address, port, null);
    }

    @Override
    public SSLSocket createSSLSocket(InetAddress address, int port, InetAddress myAddress) throws IOException {
        Config c = config();
        Socket plain = createSocket(address, port, myAddress, 0);
        String host = c.serverName(hostName(address), port);
        SSLSocket s = (SSLSocket) c.context().getSocketFactory().createSocket(plain, host, port, true);
        s.setUseClientMode(true);
        SSLParameters p = s.getSSLParameters();
        p.setProtocols(c.protocols().toArray(String[]::new));
        p.setCipherSuites(supported(c, s.getSupportedCipherSuites()));
        if (c.verifyHostname()) {
            p.setEndpointIdentificationAlgorithm("HTTPS");
        }
        if (!host.equals(address.getHostAddress()) && !host.contains(":")) {
            p.setServerNames(List.of(new SNIHostName(host)));
        }
        s.setSSLParameters(p);
        return s;
    }

    /** The name the address was resolved from, without a reverse lookup; else the literal address. */
    static String hostName(InetAddress address) {
        String s = address.toString();
        int slash = s.indexOf('/');
        return slash > 0 ? s.substring(0, slash) : address.getHostAddress();
    }

    private static String[] supported(Config c, String[] available) {
        List<String> av = Arrays.asList(available);
        return c.cipherSuites().stream().filter(av::contains).toArray(String[]::new);
    }

    @Override
    public DatagramSocket createDatagramSocket() throws SocketException {
        return new DatagramSocket();
    }

    @Override
    public DatagramSocket createDatagramSocket(int port, InetAddress bindAddress) throws SocketException {
        return new DatagramSocket(port, bindAddress);
    }

    /** Accepted TCP connections get TCP_NODELAY too. */
    private static final class NoDelayServerSocket extends ServerSocket {
        NoDelayServerSocket(int port, int backlog, InetAddress bind) throws IOException {
            super(port, backlog, bind);
        }

        @Override
        public Socket accept() throws IOException {
            Socket s = super.accept();
            s.setTcpNoDelay(true);
            return s;
        }
    }
}
