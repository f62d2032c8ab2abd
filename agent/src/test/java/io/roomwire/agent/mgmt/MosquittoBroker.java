package io.roomwire.agent.mgmt;

import io.roomwire.sim.cloud.SimPki;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Debian's Mosquitto for tests: its own process from a generated config on a free loopback port,
 * TLS with client certificates required (the certificate CN becomes the user name), an ACL file,
 * TCP_NODELAY, persistence in a folder of its own; stopped by PID.
 */
final class MosquittoBroker implements AutoCloseable {

    static final String ACL = String.join("\n",
            "# devices: their own status, telemetry and events; their own and fleet commands; replies",
            "pattern write roomwire/v1/%u/status",
            "pattern write roomwire/v1/%u/telemetry",
            "pattern write roomwire/v1/%u/events",
            "pattern read roomwire/v1/%u/cmd/#",
            "pattern read roomwire/v1/fleet/cmd/#",
            "pattern write roomwire/v1/reply/#",
            "# operators: everything under roomwire/v1",
            "user operator",
            "topic readwrite roomwire/v1/#",
            "");

    private final Path dir;
    private final int port;
    private Process process;

    MosquittoBroker(Path dir, SimPki pki) {
        this.dir = dir;
        this.port = freePort();
        try {
            Files.createDirectories(dir.resolve("data"));
            pki.writeCaPem(dir.resolve("ca.pem"));
            SimPki.Issued server = pki.issueServer("mosquitto");
            SimPki.writePem(dir.resolve("server.pem"), server.certificatePem(), false);
            SimPki.writePem(dir.resolve("server.key"), TestPem.key(server), true);
            Files.writeString(dir.resolve("acl"), ACL);
            Files.writeString(dir.resolve("mosquitto.conf"), String.join("\n",
                    "user " + System.getProperty("user.name"),
                    "per_listener_settings false",
                    "allow_anonymous false",
                    "persistence true",
                    "persistence_location " + dir.resolve("data") + "/",
                    "autosave_interval 0",
                    "max_queued_messages 20000",
                    "log_dest stderr",
                    "log_type error",
                    "log_type warning",
                    "log_type notice",
                    "listener " + port + " 127.0.0.1",
                    "cafile " + dir.resolve("ca.pem"),
                    "certfile " + dir.resolve("server.pem"),
                    "keyfile " + dir.resolve("server.key"),
                    "require_certificate true",
                    "use_identity_as_username true",
                    "acl_file " + dir.resolve("acl"),
                    "set_tcp_nodelay true",
                    ""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String url() {
        return "ssl://127.0.0.1:" + port;
    }

    Path caFile() {
        return dir.resolve("ca.pem");
    }

    MosquittoBroker start() {
        try {
            process = new ProcessBuilder("mosquitto", "-c", dir.resolve("mosquitto.conf").toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("mosquitto.log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("mosquitto not installed? (apt-get install mosquitto): " + e.getMessage(), e);
        }
        Await.until("mosquitto listening on " + port, Duration.ofSeconds(10), () -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("mosquitto exited: " + log());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return true;
            } catch (IOException e) {
                return false;
            }
        });
        return this;
    }

    /** Stops by PID (SIGTERM: the broker saves its persistent sessions and retained messages). */
    void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    void restart() {
        stop();
        start();
    }

    String log() {
        try {
            return Files.readString(dir.resolve("mosquitto.log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() {
        stop();
    }
}
