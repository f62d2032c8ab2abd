package io.roomwire.sip.ua.internal;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.tinylog.Logger;

/**
 * Bounds on what strangers can hold open on the room's SIP TCP/TLS listener (issue 12): at most
 * {@code maxConnections} accepted connections (jain-sip runs a thread for each, so this also bounds
 * threads; one more is closed at once), an idle connection closes after {@code idle}, and a SIP
 * message must arrive whole within {@code messageTime} of its first byte (slowloris). Over TLS the
 * deadlines apply to the TLS records under the SIP messages: a handshake or record that trickles
 * is cut by the idle timeout between bytes and by jain-sip's handshake timeout.
 */
public record ListenerLimits(int maxConnections, Duration idle, Duration messageTime) {

    /** Header block larger than this is not SIP we take (jain-sip's MAX_MESSAGE_SIZE is 64 KiB too). */
    static final int MAX_HEADER_BYTES = 65536;

    public static ListenerLimits defaults(int maxConnections) {
        return new ListenerLimits(maxConnections, Duration.ofMinutes(2), Duration.ofSeconds(10));
    }

    /** A plain TCP listener with these limits. */
    ServerSocket tcp(int port, int backlog, InetAddress bind) throws IOException {
        return new LimitedServerSocket(this, port, backlog, bind, new AtomicInteger());
    }

    /** A TLS listener with these limits: TCP is accepted and limited first, TLS runs on top. */
    SSLServerSocket tls(int port, int backlog, InetAddress bind, SSLContext context, SSLParameters params)
            throws IOException {
        return new LimitedSslServerSocket(this, port, backlog, bind, context, params);
    }

    /** Accepts into {@link LimitedSocket}s; closes the one over the cap at once. */
    static final class LimitedServerSocket extends ServerSocket {
        private final ListenerLimits limits;
        private final AtomicInteger open;
        private final boolean framed;

        LimitedServerSocket(ListenerLimits limits, int port, int backlog, InetAddress bind, AtomicInteger open)
                throws IOException {
            this(limits, port, backlog, bind, open, true);
        }

        LimitedServerSocket(ListenerLimits limits, int port, int backlog, InetAddress bind, AtomicInteger open,
                            boolean framed) throws IOException {
            super(port, backlog, bind);
            this.limits = limits;
            this.open = open;
            this.framed = framed;
        }

        @Override
        public Socket accept() throws IOException {
            return acceptLimited(this, limits, open, framed);
        }

        void implAcceptPublic(Socket s) throws IOException {
            implAccept(s);
        }
    }

    static Socket acceptLimited(ServerSocket server, ListenerLimits limits, AtomicInteger open, boolean framed)
            throws IOException {
        while (true) {
            LimitedSocket s = new LimitedSocket(limits, open, framed);
            acceptInto(server, s);
            if (open.incrementAndGet() > limits.maxConnections()) {
                open.decrementAndGet();
                s.refuse();
                Logger.warn("SIP connection from {} closed: {} connections open (sip.max-connections)",
                        s.getInetAddress().getHostAddress(), limits.maxConnections());
                continue;
            }
            s.counted = true;
            s.setTcpNoDelay(true);
            s.setSoTimeout((int) limits.idle().toMillis());
            return s;
        }
    }

    private static void acceptInto(ServerSocket server, Socket s) throws IOException {
        if (server instanceof LimitedServerSocket l) {
            l.implAcceptPublic(s);
        } else if (server instanceof LimitedSslServerSocket l) {
            l.implAcceptPublic(s);
        }
    }

    /** One accepted connection: counted until closed, reads bounded in time. */
    static final class LimitedSocket extends Socket {
        private final ListenerLimits limits;
        private final AtomicInteger open;
        private final boolean framed;
        volatile boolean counted;
        private boolean closed;
        private InputStream in;

        LimitedSocket(ListenerLimits limits, AtomicInteger open, boolean framed) {
            this.limits = limits;
            this.open = open;
            this.framed = framed;
        }

        void refuse() {
            try {
                super.close();
            } catch (IOException e) {
                Logger.debug("refused connection close: {}", e.toString());
            }
        }

        @Override
        public synchronized InputStream getInputStream() throws IOException {
            if (in == null) {
                in = new DeadlineInputStream(super.getInputStream(), this, limits, framed);
            }
            return in;
        }

        @Override
        public synchronized void close() throws IOException {
            if (!closed) {
                closed = true;
                if (counted) {
                    open.decrementAndGet();
                }
            }
            super.close();
        }
    }

    /**
     * Reads with a time limit: {@code idle} between messages, and the rest of {@code messageTime}
     * once a message has begun. Framing is SIP's over TCP (RFC 3261 18.3): headers to the blank
     * line, then Content-Length bytes of body; CRLF keep-alives (RFC 5626 3.5.1) between messages.
     */
    static final class DeadlineInputStream extends FilterInputStream {
        private final Socket socket;
        private final ListenerLimits limits;
        private final boolean framed;
        private long messageStart = -1;
        private final StringBuilder header = new StringBuilder();
        private long bodyLeft;

        DeadlineInputStream(InputStream in, Socket socket, ListenerLimits limits, boolean framed) {
            super(in);
            this.socket = socket;
            this.limits = limits;
            this.framed = framed;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            long timeout = limits.idle().toMillis();
            if (messageStart >= 0) {
                long left = limits.messageTime().toMillis() - (System.nanoTime() - messageStart) / 1_000_000;
                if (left <= 0) {
                    throw slow();
                }
                timeout = Math.min(timeout, left);
            }
            socket.setSoTimeout((int) Math.max(1, timeout));
            int n;
            try {
                n = super.read(b, off, len);
            } catch (SocketTimeoutException e) {
                if (messageStart >= 0) {
                    throw slow();
                }
                Logger.debug("SIP connection from {} idle for {} s: closed", socket.getInetAddress().getHostAddress(),
                        limits.idle().toSeconds());
                throw e;
            }
            if (n > 0 && framed) {
                frame(b, off, n);
            }
            return n;
        }

        private SocketTimeoutException slow() {
            Logger.warn("SIP connection from {} closed: a message took more than {} s to arrive",
                    socket.getInetAddress().getHostAddress(), limits.messageTime().toSeconds());
            return new SocketTimeoutException("SIP message not complete within " + limits.messageTime().toSeconds() + " s");
        }

        private void frame(byte[] b, int off, int n) throws IOException {
            for (int i = off; i < off + n; i++) {
                char c = (char) (b[i] & 0xff);
                if (bodyLeft > 0) {
                    if (--bodyLeft == 0) {
                        messageStart = -1;
                    }
                    continue;
                }
                if (messageStart < 0) {
                    if (c == '\r' || c == '\n') {
                        continue; // keep-alive CRLFs between messages
                    }
                    messageStart = System.nanoTime();
                }
                header.append(c);
                if (header.length() > MAX_HEADER_BYTES) {
                    throw new IOException("SIP header block over " + MAX_HEADER_BYTES + " bytes");
                }
                if (c == '\n' && endsWithBlankLine()) {
                    bodyLeft = contentLength();
                    header.setLength(0);
                    if (bodyLeft == 0) {
                        messageStart = -1;
                    }
                }
            }
        }

        private boolean endsWithBlankLine() {
            int l = header.length();
            return (l >= 4 && header.substring(l - 4).equals("\r\n\r\n")) || (l >= 2 && header.substring(l - 2).equals("\n\n"));
        }

        private long contentLength() {
            for (String line : header.toString().split("\r?\n")) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    String name = line.substring(0, colon).trim();
                    if (name.equalsIgnoreCase("Content-Length") || name.equals("l")) {
                        try {
                            return Math.max(0, Math.min(MAX_HEADER_BYTES, Long.parseLong(line.substring(colon + 1).trim())));
                        } catch (NumberFormatException e) {
                            return 0; // jain-sip refuses the message itself
                        }
                    }
                }
            }
            return 0;
        }
    }

    /** TLS on top of a {@link LimitedServerSocket}'s accepted TCP connections. */
    static final class LimitedSslServerSocket extends SSLServerSocket {
        private final ListenerLimits limits;
        private final AtomicInteger open = new AtomicInteger();
        private final SSLContext context;
        private SSLParameters params;

        LimitedSslServerSocket(ListenerLimits limits, int port, int backlog, InetAddress bind, SSLContext context,
                               SSLParameters params) throws IOException {
            super(port, backlog, bind);
            this.limits = limits;
            this.context = context;
            this.params = params;
        }

        void implAcceptPublic(Socket s) throws IOException {
            implAccept(s);
        }

        @Override
        public Socket accept() throws IOException {
            Socket plain = acceptLimited(this, limits, open, false);
            SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(plain,
                    plain.getInetAddress().getHostAddress(), plain.getPort(), true);
            s.setUseClientMode(false);
            s.setSSLParameters(params);
            return s;
        }

        @Override
        public SSLParameters getSSLParameters() {
            return params;
        }

        @Override
        public void setSSLParameters(SSLParameters p) {
            params = p;
        }

        @Override
        public String[] getEnabledCipherSuites() {
            return params.getCipherSuites();
        }

        @Override
        public void setEnabledCipherSuites(String[] suites) {
            params.setCipherSuites(suites);
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return context.getSupportedSSLParameters().getCipherSuites();
        }

        @Override
        public String[] getSupportedProtocols() {
            return context.getSupportedSSLParameters().getProtocols();
        }

        @Override
        public String[] getEnabledProtocols() {
            return params.getProtocols();
        }

        @Override
        public void setEnabledProtocols(String[] protocols) {
            params.setProtocols(protocols);
        }

        @Override
        public void setNeedClientAuth(boolean need) {
            params.setNeedClientAuth(need);
        }

        @Override
        public boolean getNeedClientAuth() {
            return params.getNeedClientAuth();
        }

        @Override
        public void setWantClientAuth(boolean want) {
            params.setWantClientAuth(want);
        }

        @Override
        public boolean getWantClientAuth() {
            return params.getWantClientAuth();
        }

        @Override
        public void setUseClientMode(boolean mode) {
            if (mode) {
                throw new IllegalArgumentException("a SIP listener is a TLS server");
            }
        }

        @Override
        public boolean getUseClientMode() {
            return false;
        }

        @Override
        public void setEnableSessionCreation(boolean flag) {
            if (!flag) {
                throw new IllegalArgumentException("a SIP listener creates TLS sessions");
            }
        }

        @Override
        public boolean getEnableSessionCreation() {
            return true;
        }
    }
}
