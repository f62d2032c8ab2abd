package io.roomwire.sim.cloud.gateway;

import gov.nist.core.net.NetworkLayer;
import gov.nist.javax.sip.SipStackImpl;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/** The gateway's sockets: its server TLS context (TLS 1.2/1.3, EC suites) and TCP_NODELAY. */
public final class GatewayNetworkLayer implements NetworkLayer {

    static final String CONTEXT_KEY = "io.roomwire.sim.gateway.SSL_CONTEXT_ID";
    static final java.util.Map<String, SSLContext> CONTEXTS = new java.util.concurrent.ConcurrentHashMap<>();
    static final String NEED_CLIENT_AUTH_KEY = "io.roomwire.sim.gateway.NEED_CLIENT_AUTH";

    private boolean needClientAuth;
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private SSLContext context;

    public GatewayNetworkLayer() {
    }

    @Override
    public void setSipStack(SipStackImpl sipStack) {
        String id = sipStack.getConfigurationProperties().getProperty(CONTEXT_KEY);
        context = id == null ? null : CONTEXTS.get(id);
        needClientAuth = Boolean.parseBoolean(sipStack.getConfigurationProperties().getProperty(NEED_CLIENT_AUTH_KEY));
    }

    private SSLContext ctx() throws IOException {
        if (context == null) {
            throw new IOException("the simulated gateway has no TLS context");
        }
        return context;
    }

    @Override
    public ServerSocket createServerSocket(int port, int backlog, InetAddress bind) throws IOException {
        return new ServerSocket(port, backlog, bind) {
            @Override
            public Socket accept() throws IOException {
                Socket s = super.accept();
                s.setTcpNoDelay(true);
                return s;
            }
        };
    }

    @Override
    public SSLServerSocket createSSLServerSocket(int port, int backlog, InetAddress bind) throws IOException {
        SSLServerSocket s = (SSLServerSocket) ctx().getServerSocketFactory().createServerSocket(port, backlog, bind);
        SSLParameters p = s.getSSLParameters();
        p.setProtocols(PROTOCOLS);
        p.setNeedClientAuth(needClientAuth);
        s.setSSLParameters(p);
        return s;
    }

    @Override
    public Socket createSocket(InetAddress address, int port) throws IOException {
        return createSocket(address, port, null, 0);
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
        s.connect(new InetSocketAddress(address, port), 5000);
        return s;
    }

    @Override
    public SSLSocket createSSLSocket(InetAddress address, int port) throws IOException {
        return createSSLSocket(address, port, null);
    }

    @Override
    public SSLSocket createSSLSocket(InetAddress address, int port, InetAddress myAddress) throws IOException {
        Socket plain = createSocket(address, port, myAddress, 0);
        SSLSocket s = (SSLSocket) ctx().getSocketFactory().createSocket(plain, address.getHostAddress(), port, true);
        s.setUseClientMode(true);
        SSLParameters p = s.getSSLParameters();
        p.setProtocols(PROTOCOLS);
        s.setSSLParameters(p);
        return s;
    }

    @Override
    public DatagramSocket createDatagramSocket() throws SocketException {
        return new DatagramSocket();
    }

    @Override
    public DatagramSocket createDatagramSocket(int port, InetAddress bind) throws SocketException {
        return new DatagramSocket(port, bind);
    }
}
