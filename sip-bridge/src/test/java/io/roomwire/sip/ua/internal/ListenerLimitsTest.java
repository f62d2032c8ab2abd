package io.roomwire.sip.ua.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Issue 12: the SIP TCP listener's cap, idle timeout and slow-message (slowloris) timeout, on real sockets. */
class ListenerLimitsTest {

    private static final ListenerLimits LIMITS = new ListenerLimits(2, Duration.ofMillis(800), Duration.ofMillis(400));
    private static final String OPTIONS = "OPTIONS sip:room@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bK1\r\n"
            + "Content-Length: 5\r\n\r\nhello";

    private final List<Socket> clients = new ArrayList<>();
    private final ExecutorService server = Executors.newCachedThreadPool();
    private ServerSocket listener;

    @AfterEach
    void tearDown() throws IOException {
        for (Socket c : clients) {
            c.close();
        }
        listener.close();
        server.shutdownNow();
    }

    private Socket connect() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
        s.setSoTimeout(5000);
        clients.add(s);
        return s;
    }

    /** Accepts like jain-sip: one thread per connection reading until the stream ends or fails. */
    private Future<String> serveOne() {
        return server.submit(() -> {
            Socket s = listener.accept();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[256];
            StringBuilder got = new StringBuilder();
            try {
                int n;
                while ((n = in.read(buf)) > 0) {
                    got.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                }
                return "eof " + got;
            } catch (SocketTimeoutException e) {
                return "timeout " + got;
            } finally {
                s.close();
            }
        });
    }

    @Test
    void closesTheConnectionOverTheCapAtOnce() throws Exception {
        listener = LIMITS.tcp(0, 50, InetAddress.getLoopbackAddress());
        // One acceptor, as jain-sip has, handing each connection to a reader of its own.
        java.util.concurrent.BlockingQueue<String> ended = new java.util.concurrent.LinkedBlockingQueue<>();
        server.submit(() -> {
            while (!listener.isClosed()) {
                Socket s = listener.accept();
                server.submit(() -> ended.add(readUntilEnd(s)));
            }
            return null;
        });
        connect();
        connect();
        Socket over = connect();
        assertEquals(-1, over.getInputStream().read(), "the third connection is closed by the room");
        for (int i = 0; i < 2; i++) {
            String r = ended.poll(5, TimeUnit.SECONDS);
            assertTrue(r != null && r.startsWith("timeout"), "held connections end by the idle timeout: " + r);
        }
        // The two slots are free again: a new connection is taken and read whole.
        Socket later = connect();
        later.getOutputStream().write(OPTIONS.getBytes(StandardCharsets.ISO_8859_1));
        later.shutdownOutput();
        assertEquals("eof " + OPTIONS, ended.poll(5, TimeUnit.SECONDS));
    }

    private static String readUntilEnd(Socket s) throws IOException {
        try (s) {
            InputStream in = s.getInputStream();
            byte[] buf = new byte[256];
            StringBuilder got = new StringBuilder();
            try {
                int n;
                while ((n = in.read(buf)) > 0) {
                    got.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                }
                return "eof " + got;
            } catch (SocketTimeoutException e) {
                return "timeout " + got;
            }
        }
    }

    @Test
    void cutsAMessageThatTricklesInSlowerThanTheMessageTime() throws Exception {
        listener = LIMITS.tcp(0, 50, InetAddress.getLoopbackAddress());
        Future<String> served = serveOne();
        Socket slow = connect();
        OutputStream out = slow.getOutputStream();
        long start = System.nanoTime();
        String result = null;
        // One byte every 100 ms: never idle for 800 ms, but the message is not whole after 400 ms.
        for (int i = 0; i < OPTIONS.length() && !served.isDone(); i++) {
            out.write(OPTIONS.charAt(i));
            out.flush();
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
        result = served.get(5, TimeUnit.SECONDS);
        assertTrue(result.startsWith("timeout"), result);
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertTrue(tookMs < 2000, "cut after " + tookMs + " ms");
    }

    @Test
    void keepsAConnectionThatSendsWholeMessagesAndKeepAlives() throws Exception {
        listener = LIMITS.tcp(0, 50, InetAddress.getLoopbackAddress());
        Future<String> served = serveOne();
        Socket c = connect();
        OutputStream out = c.getOutputStream();
        for (int i = 0; i < 3; i++) {
            out.write((OPTIONS + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(500).toNanos()); // > message time, < idle
        }
        c.shutdownOutput();
        assertEquals("eof " + (OPTIONS + "\r\n\r\n").repeat(3), served.get(5, TimeUnit.SECONDS));
    }

    @Test
    void refusesAHeaderBlockLargerThanSipAllows() throws Exception {
        listener = new ListenerLimits(2, Duration.ofSeconds(5), Duration.ofSeconds(5)).tcp(0, 50,
                InetAddress.getLoopbackAddress());
        Future<String> served = server.submit(() -> {
            try (Socket s = listener.accept()) {
                InputStream in = s.getInputStream();
                byte[] buf = new byte[8192];
                while (in.read(buf) > 0) {
                    continue;
                }
                return "eof";
            }
        });
        Socket c = connect();
        byte[] junk = "X".repeat(70_000).getBytes(StandardCharsets.ISO_8859_1);
        server.submit(() -> {
            c.getOutputStream().write(junk);
            return null;
        });
        java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> served.get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("header block"), e.getCause().toString());
    }
}
