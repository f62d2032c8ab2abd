package io.roomwire.updater;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.roomwire.sim.cloud.SimPki;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/** A bare HTTPS host on 127.0.0.1 for tests: answers with {@code answer} and records each request's Authorization header. */
final class LoopbackHttps implements AutoCloseable {

    /** Answers one request. */
    @FunctionalInterface
    interface Answer {
        void answer(HttpExchange ex) throws IOException;
    }

    /** One request as the host saw it. */
    record Seen(String path, Optional<String> authorization) { }

    private final HttpsServer server;
    private final List<Seen> seen = new CopyOnWriteArrayList<>();

    LoopbackHttps(SimPki pki, String name, Answer answer) {
        try {
            server = HttpsServer.create(new InetSocketAddress(SimPki.loopback(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setHttpsConfigurator(new HttpsConfigurator(pki.sslContext(pki.issueServer(name))));
        server.createContext("/", ex -> {
            try (ex) {
                seen.add(new Seen(ex.getRequestURI().getPath(), Optional.ofNullable(ex.getRequestHeaders().getFirst("Authorization"))));
                answer.answer(ex);
            }
        });
        server.start();
    }

    URI baseUrl() {
        return URI.create("https://127.0.0.1:" + server.getAddress().getPort());
    }

    List<Seen> seen() {
        return List.copyOf(seen);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
