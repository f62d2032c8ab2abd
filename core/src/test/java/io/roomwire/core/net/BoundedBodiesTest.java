package io.roomwire.core.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A server that streams without end (or announces too much) meets a clear error at the limit. */
class BoundedBodiesTest {

    private HttpServer server;
    private final AtomicLong sent = new AtomicLong();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/endless", ex -> {
            ex.sendResponseHeaders(200, 0); // chunked, no length
            byte[] chunk = new byte[8192];
            try (OutputStream out = ex.getResponseBody()) {
                while (sent.get() < (1L << 30)) { // stops by itself after 1 GiB should the client never give up
                    out.write(chunk);
                    sent.addAndGet(chunk.length);
                }
            } catch (IOException clientGaveUp) {
                // expected: the client cancelled
            }
        });
        server.createContext("/announced", ex -> {
            ex.sendResponseHeaders(200, 10_000_000);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(new byte[10]);
            } catch (IOException clientGaveUp) {
                // expected
            }
        });
        server.createContext("/small", ex -> {
            byte[] b = "{\"ok\":true}".getBytes();
            ex.sendResponseHeaders(200, b.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    @Test
    void anEndlessBodyFailsAtTheLimitWithBoundedReading() {
        IOException e = assertThrows(IOException.class, () -> client.send(HttpRequest.newBuilder(uri("/endless")).build(),
                BoundedBodies.ofByteArray(64 * 1024, "test answer")));
        BodyTooLargeException big = e instanceof BodyTooLargeException b ? b
                : assertInstanceOf(BodyTooLargeException.class, e.getCause());
        assertEquals(64 * 1024, big.limit());
        assertTrue(big.getMessage().contains("65536-byte limit"), big.getMessage());
        assertTrue(sent.get() < (1L << 30), "the server was stopped long before its own 1 GiB cap: " + sent.get());
    }

    @Test
    void anAnnouncedLengthAboveTheLimitFailsBeforeReading() {
        IOException e = assertThrows(IOException.class, () -> client.send(HttpRequest.newBuilder(uri("/announced")).build(),
                BoundedBodies.ofByteArray(1024, "test answer")));
        Throwable c = e instanceof BodyTooLargeException ? e : e.getCause();
        assertInstanceOf(BodyTooLargeException.class, c);
        assertTrue(c.getMessage().contains("Content-Length 10000000"), c.getMessage());
    }

    @Test
    void aBodyWithinTheLimitIsReadWhole() throws Exception {
        byte[] b = client.send(HttpRequest.newBuilder(uri("/small")).build(), BoundedBodies.ofByteArray(11, "x")).body();
        assertArrayEquals("{\"ok\":true}".getBytes(), b);
    }

    @Test
    void theStreamFailsOnTheFirstByteBeyondTheLimit() throws IOException {
        InputStream in = new BoundedInputStream(new ByteArrayInputStream(new byte[100]), 99, "blob");
        assertEquals(99, in.readNBytes(99).length);
        BodyTooLargeException e = assertThrows(BodyTooLargeException.class, in::read);
        assertTrue(e.getMessage().startsWith("blob is larger than the 99-byte limit"), e.getMessage());
        InputStream exact = new BoundedInputStream(new ByteArrayInputStream(new byte[99]), 99, "blob");
        assertEquals(99, exact.readAllBytes().length);
    }
}
