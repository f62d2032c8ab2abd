package io.roomwire.agent.mgmt.paho;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import javax.net.SocketFactory;
import javax.net.ssl.SSLSocketFactory;

/**
 * Hands Paho its sockets with TCP_NODELAY on (Paho never sets it: request/response RTT drops from
 * ~44 ms to ~0.1 ms) and remembers them, so that a discarded client's socket is surely closed and
 * a test can cut the line abruptly. Paho calls {@code createSocket()} and connects it itself, and
 * insists on an {@link SSLSocketFactory} for ssl:// and a plain one for tcp://, hence two classes.
 */
final class NoDelaySocketFactory {

    private final List<Socket> open = new ArrayList<>();

    private NoDelaySocketFactory() {
    }

    static Tracked create(SSLSocketFactory tls) {
        NoDelaySocketFactory t = new NoDelaySocketFactory();
        return tls != null ? new Tls(t, tls) : new Plain(t);
    }

    /** A factory that can close what it made. */
    interface Tracked {
        SocketFactory factory();

        /** Closes every socket handed out so far; {@code abrupt} resets the connection. */
        void closeAll(boolean abrupt);
    }

    Socket track(Socket s) throws IOException {
        s.setTcpNoDelay(true);
        synchronized (open) {
            open.removeIf(Socket::isClosed);
            open.add(s);
        }
        return s;
    }

    void closeAll(boolean abrupt) {
        List<Socket> all;
        synchronized (open) {
            all = new ArrayList<>(open);
            open.clear();
        }
        for (Socket s : all) {
            try {
                if (abrupt && !s.isClosed()) {
                    s.setSoLinger(true, 0);
                }
                s.close();
            } catch (IOException e) {
                // already gone: nothing to release
            }
        }
    }

    private static final class Plain extends SocketFactory implements Tracked {
        private final NoDelaySocketFactory t;
        private final SocketFactory d = SocketFactory.getDefault();

        Plain(NoDelaySocketFactory t) {
            this.t = t;
        }

        @Override public SocketFactory factory() { return this; }
        @Override public void closeAll(boolean abrupt) { t.closeAll(abrupt); }
        @Override public Socket createSocket() throws IOException { return t.track(d.createSocket()); }
        @Override public Socket createSocket(String h, int p) throws IOException { return t.track(d.createSocket(h, p)); }
        @Override public Socket createSocket(String h, int p, InetAddress la, int lp) throws IOException {
            return t.track(d.createSocket(h, p, la, lp));
        }
        @Override public Socket createSocket(InetAddress h, int p) throws IOException { return t.track(d.createSocket(h, p)); }
        @Override public Socket createSocket(InetAddress h, int p, InetAddress la, int lp) throws IOException {
            return t.track(d.createSocket(h, p, la, lp));
        }
    }

    private static final class Tls extends SSLSocketFactory implements Tracked {
        private final NoDelaySocketFactory t;
        private final SSLSocketFactory d;

        Tls(NoDelaySocketFactory t, SSLSocketFactory d) {
            this.t = t;
            this.d = d;
        }

        @Override public SocketFactory factory() { return this; }
        @Override public void closeAll(boolean abrupt) { t.closeAll(abrupt); }
        @Override public Socket createSocket() throws IOException { return t.track(d.createSocket()); }
        @Override public Socket createSocket(String h, int p) throws IOException { return t.track(d.createSocket(h, p)); }
        @Override public Socket createSocket(String h, int p, InetAddress la, int lp) throws IOException {
            return t.track(d.createSocket(h, p, la, lp));
        }
        @Override public Socket createSocket(InetAddress h, int p) throws IOException { return t.track(d.createSocket(h, p)); }
        @Override public Socket createSocket(InetAddress h, int p, InetAddress la, int lp) throws IOException {
            return t.track(d.createSocket(h, p, la, lp));
        }
        @Override public Socket createSocket(Socket s, String h, int p, boolean autoClose) throws IOException {
            return t.track(d.createSocket(s, h, p, autoClose));
        }
        @Override public String[] getDefaultCipherSuites() { return d.getDefaultCipherSuites(); }
        @Override public String[] getSupportedCipherSuites() { return d.getSupportedCipherSuites(); }
    }
}
