package io.roomwire.sim.cloud.hostile;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A cloud endpoint gone bad, on 127.0.0.1: every request, whatever its path, gets the scripted
 * {@link Answer} (any status, headers and body, or a chunked body that never ends), one
 * connection at a time, then the connection is closed. Plain sockets with TCP_NODELAY keep a
 * thousand exchanges fast. Counts the body bytes it managed to send, so a test can show the
 * client stopped reading early.
 */
public final class HostileHttp implements AutoCloseable {

    /** What the server answers; {@code endless} streams {@code body} again and again (chunked). */
    public record Answer(int status, Map<String, String> headers, byte[] body, boolean endless) {

        public static Answer of(int status, String contentType, byte[] body) {
            return new Answer(status, Map.of("Content-Type", contentType), body, false);
        }

        public static Answer endless(int status, String contentType, byte[] chunk) {
            return new Answer(status, Map.of("Content-Type", contentType), chunk, true);
        }
    }

    /** The most an endless answer sends before giving up by itself (so a broken client cannot hang a test). */
    public static final long ENDLESS_CAP = 1L << 30;

    private final ServerSocket server;
    private final Thread acceptor;
    private final AtomicReference<Answer> answer = new AtomicReference<>(Answer.of(200, "text/plain", new byte[0]));
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();

    public HostileHttp() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(this::serve, "hostile-http");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                s.setTcpNoDelay(true);
                s.setSoTimeout(10_000);
                InputStream in = new BufferedInputStream(s.getInputStream());
                if (!readRequest(in)) {
                    continue;
                }
                requests.incrementAndGet();
                respond(answer.get(), s.getOutputStream());
            } catch (SocketException closedOrReset) {
                // the client gave up (what a bounded reader does) or the server is closing
            } catch (IOException e) {
                // one bad exchange must not stop the server
            }
        }
    }

    /** Reads one request (headers and a Content-Length body); false at end of stream. */
    private static boolean readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        int b;
        while (state < 4 && (b = in.read()) >= 0) {
            head.write(b);
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
        }
        if (state < 4) {
            return false;
        }
        long length = 0;
        for (String line : head.toString(StandardCharsets.ISO_8859_1).split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Long.parseLong(line.substring(15).trim());
            }
        }
        in.skipNBytes(length);
        return true;
    }

    private void respond(Answer a, OutputStream out) throws IOException {
        StringBuilder h = new StringBuilder("HTTP/1.1 ").append(a.status()).append(" Hostile\r\nConnection: close\r\n");
        a.headers().forEach((k, v) -> h.append(k).append(": ").append(v).append("\r\n"));
        h.append(a.endless() ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + a.body().length + "\r\n").append("\r\n");
        out.write(h.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (!a.endless()) {
            out.write(a.body());
            sent.addAndGet(a.body().length);
            out.flush();
            return;
        }
        byte[] size = (Integer.toHexString(a.body().length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] crlf = {'\r', '\n'};
        for (long n = 0; n < ENDLESS_CAP && a.body().length > 0; n += a.body().length) {
            out.write(size);
            out.write(a.body());
            out.write(crlf);
            sent.addAndGet(a.body().length);
        }
        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Answers every following request with {@code a}. */
    public HostileHttp answer(Answer a) {
        answer.set(a);
        return this;
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** Body bytes written so far (before the client stopped reading). */
    public long bytesSent() {
        return sent.get();
    }

    public long requests() {
        return requests.get();
    }

    @Override
    public void close() {
        try {
            server.close();
            acceptor.join(10_000);
        } catch (IOException e) {
            // closing anyway
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
