package io.roomwire.webrtc;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A real STUN/TURN server nobody here wrote: Debian's coturn ({@code turnserver}), started in the test JVM's network
 * namespace on 127.0.0.2 only (or on an address in a namespace the test built, {@link #startIn}), with long-term
 * credentials (RFC 8489 §9.2) for one fresh user, no configuration file from /etc, a bounded lifetime, and its log
 * (allocations, binding requests) for the tests to read.
 */
final class Coturn implements AutoCloseable {

    static final String ADDRESS = "127.0.0.2";
    static final String REALM = "roomwire.test";
    /** Relay addresses come from here; the room's own port ranges in the tests stay clear of it. */
    static final int RELAY_MIN = 40000;
    static final int RELAY_MAX = 40999;

    /** The standard STUN/TURN port (RFC 8489 §18.6): free in a namespace the test created. */
    static final int STANDARD_PORT = 3478;

    final String address;
    final String user;
    final String password;
    final int port;
    private final Process process;
    private final Path log;

    private Coturn(String address, String user, String password, int port, Process process, Path log) {
        this.address = address;
        this.user = user;
        this.password = password;
        this.port = port;
        this.process = process;
        this.log = log;
    }

    static Coturn start(Path dir, Duration lifetime) throws IOException {
        return start(null, ADDRESS, freePort(), dir, lifetime);
    }

    /** In the namespace {@code ns} (one the test created, e.g. the public side of {@link NatNetwork}) on {@code address}. */
    static Coturn startIn(Netns ns, String address, Path dir, Duration lifetime) throws IOException {
        return start(ns, address, STANDARD_PORT, dir, lifetime);
    }

    private static Coturn start(Netns ns, String address, int port, Path dir, Duration lifetime) throws IOException {
        if (!Files.isExecutable(Path.of("/usr/bin/turnserver"))) {
            throw new IllegalStateException("/usr/bin/turnserver is missing: install Debian's coturn (bin/test does)");
        }
        Files.createDirectories(dir);
        String user = "room" + UUID.randomUUID().toString().substring(0, 6);
        String password = UUID.randomUUID().toString().replace("-", "");
        Path log = dir.resolve("turnserver.log");
        // -n: no turnserver.conf from /etc; timeout ends it even if the JVM dies before close().
        ProcessBuilder pb = new ProcessBuilder(List.of("timeout", "-k", "5", String.valueOf(lifetime.toSeconds()),
                "/usr/bin/turnserver", "-n", "--listening-ip=" + address, "--relay-ip=" + address,
                "--listening-port=" + port, "--min-port=" + RELAY_MIN, "--max-port=" + RELAY_MAX,
                "--lt-cred-mech", "--realm=" + REALM, "--user=" + user + ":" + password,
                "--no-tls", "--no-dtls", "--no-cli", "--no-software-attribute",
                // The far end's candidates are on 127.0.0.2: coturn relays to loopback peers only when told to.
                "--allow-loopback-peers", "--log-binding", "--verbose",
                "--log-file=stdout", "--simple-log", "--no-stdout-log",
                "--pidfile=" + dir.resolve("turnserver.pid"), "--userdb=" + dir.resolve("turndb")));
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Coturn started = new Coturn(address, user, password, port, ns == null ? pb.start() : ns.start(pb), log);
        Await.until(Duration.ofSeconds(30), () -> started.log().contains("UDP listener opened on: " + address + ":" + port)
                || !started.process.isAlive(), () -> "turnserver did not open its UDP listener: " + started.log());
        if (!started.process.isAlive()) {
            throw new IllegalStateException("turnserver exited: " + started.log());
        }
        return started;
    }

    /** A port free for UDP and TCP on 127.0.0.2 in this namespace (nothing else runs in it). */
    private static int freePort() throws IOException {
        for (int i = 0; i < 50; i++) {
            try (DatagramSocket u = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(ADDRESS), 0));
                 ServerSocket t = new ServerSocket(u.getLocalPort(), 1, InetAddress.getByName(ADDRESS))) {
                return t.getLocalPort();
            } catch (IOException taken) {
                // the UDP port's TCP twin is in use: try another
            }
        }
        throw new IOException("no free UDP+TCP port on " + ADDRESS);
    }

    /** {@code turn:} URL as a person writes it in webrtc.ice-servers, with this server's user and {@code password}. */
    String turnSpec(String withPassword) {
        return user + ":" + withPassword + "@turn:" + address + ":" + port + "?transport=udp";
    }

    String stunSpec() {
        return "stun:" + address + ":" + port;
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
