package io.roomwire.webrtc;

import io.roomwire.sim.cloud.SimPki;
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
 * (allocations, binding requests) for the tests to read. It takes TURN over UDP and TCP on {@link #port} and over TLS
 * on {@link #tlsPort} (RFC 7065 {@code turns:}), with a server certificate for {@link #TLS_NAME} issued by a
 * throw-away CA ({@link #pki}, the simulated cloud's {@code SimPki}).
 */
final class Coturn implements AutoCloseable {

    static final String ADDRESS = "127.0.0.2";
    static final String REALM = "roomwire.test";
    /** Relay addresses come from here; the room's own port ranges in the tests stay clear of it. */
    static final int RELAY_MIN = 40000;
    static final int RELAY_MAX = 40999;
    /** The name on the TLS certificate (a DNS name no resolver knows: the room reaches the server by address). */
    static final String TLS_NAME = "turn.roomwire.test";

    /** How a room reaches this server: the URL of webrtc.ice-servers for each TURN transport. */
    enum Transport { UDP, TCP, TLS }

    /** The standard STUN/TURN port (RFC 8489 §18.6): free in a namespace the test created. */
    static final int STANDARD_PORT = 3478;
    /** The standard TURN-over-TLS port (RFC 8489 §18.6). */
    static final int STANDARD_TLS_PORT = 5349;

    final String address;
    final String user;
    final String password;
    final int port;
    final int tlsPort;
    /** The CA that issued the server's certificate (no room trusts it unless told to). */
    final SimPki pki;
    private final Process process;
    private final Path log;

    private Coturn(String address, String user, String password, int port, int tlsPort, SimPki pki, Process process,
                   Path log) {
        this.address = address;
        this.user = user;
        this.password = password;
        this.port = port;
        this.tlsPort = tlsPort;
        this.pki = pki;
        this.process = process;
        this.log = log;
    }

    static Coturn start(Path dir, Duration lifetime) throws IOException {
        int port = freePort();
        int tlsPort = freePort();
        while (tlsPort == port) {
            tlsPort = freePort();
        }
        return start(null, ADDRESS, port, tlsPort, dir, lifetime);
    }

    /** In the namespace {@code ns} (one the test created, e.g. the public side of {@link NatNetwork}) on {@code address}. */
    static Coturn startIn(Netns ns, String address, Path dir, Duration lifetime) throws IOException {
        return start(ns, address, STANDARD_PORT, STANDARD_TLS_PORT, dir, lifetime);
    }

    private static Coturn start(Netns ns, String address, int port, int tlsPort, Path dir, Duration lifetime) throws IOException {
        if (!Files.isExecutable(Path.of("/usr/bin/turnserver"))) {
            throw new IllegalStateException("/usr/bin/turnserver is missing: install Debian's coturn (bin/test does)");
        }
        Files.createDirectories(dir);
        SimPki pki = new SimPki("coturn");
        // Also the address as a DNS name: libwebrtc checks the URL's host (here the address) as a name (X509_check_host).
        SimPki.Issued server = pki.issueServer(TLS_NAME, TLS_NAME, address);
        Path cert = SimPki.writePem(dir.resolve("turn-cert.pem"), server.certificatePem(), false);
        Path key = SimPki.writePem(dir.resolve("turn-key.pem"), server.keyPem(), true);
        String user = "room" + UUID.randomUUID().toString().substring(0, 6);
        String password = UUID.randomUUID().toString().replace("-", "");
        Path log = dir.resolve("turnserver.log");
        // -n: no turnserver.conf from /etc; timeout ends it even if the JVM dies before close().
        ProcessBuilder pb = new ProcessBuilder(List.of("timeout", "-k", "5", String.valueOf(lifetime.toSeconds()),
                "/usr/bin/turnserver", "-n", "--listening-ip=" + address, "--relay-ip=" + address,
                "--listening-port=" + port, "--min-port=" + RELAY_MIN, "--max-port=" + RELAY_MAX,
                "--lt-cred-mech", "--realm=" + REALM, "--user=" + user + ":" + password,
                // TCP listens on the plain port by default; TLS on its own port with the CA's certificate. No DTLS:
                // libwebrtc has no TURN over DTLS (IceServer refuses turns:...?transport=udp).
                "--tls-listening-port=" + tlsPort, "--cert=" + cert, "--pkey=" + key, "--no-tlsv1", "--no-tlsv1_1",
                "--no-dtls", "--no-cli", "--no-software-attribute",
                // The far end's candidates are on 127.0.0.2: coturn relays to loopback peers only when told to.
                "--allow-loopback-peers", "--log-binding", "--verbose",
                "--log-file=stdout", "--simple-log", "--no-stdout-log",
                "--pidfile=" + dir.resolve("turnserver.pid"), "--userdb=" + dir.resolve("turndb")));
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Coturn started = new Coturn(address, user, password, port, tlsPort, pki, ns == null ? pb.start() : ns.start(pb), log);
        // "TLS/TCP" is coturn's name for every TCP listener, plain or TLS (each also takes the other kind).
        Await.until(Duration.ofSeconds(30), () -> started.log().contains("UDP listener opened on: " + address + ":" + port)
                        && started.log().contains("TLS/TCP listener opened on : " + address + ":" + port)
                        && started.log().contains("TLS/TCP listener opened on : " + address + ":" + started.tlsPort)
                || !started.process.isAlive(), () -> "turnserver did not open its UDP, TCP and TLS listeners: " + started.log());
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
        return turnSpec(withPassword, Transport.UDP);
    }

    /** As above over {@code transport}: {@code turn:...?transport=udp|tcp}, or {@code turns:...?transport=tcp} (RFC 7065). */
    String turnSpec(String withPassword, Transport transport) {
        return user + ":" + withPassword + "@" + url(transport);
    }

    String url(Transport transport) {
        return switch (transport) {
            case UDP -> "turn:" + address + ":" + port + "?transport=udp";
            case TCP -> "turn:" + address + ":" + port + "?transport=tcp";
            case TLS -> "turns:" + address + ":" + tlsPort + "?transport=tcp";
        };
    }

    String stunSpec() {
        return "stun:" + address + ":" + port;
    }

    /**
     * Every line coturn logged for the allocation whose relayed address has {@code relayPort}: coturn logs "Local relay
     * addr: 127.0.0.2:port", then "session N: new, ..." of the session it belongs to; then all of session N's lines.
     */
    List<String> sessionOf(int relayPort) {
        List<String> lines = log().lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).endsWith("Local relay addr: " + address + ":" + relayPort)) {
                java.util.Optional<String> id = lines.subList(i + 1, lines.size()).stream().filter(l -> l.contains(": new, realm="))
                        .findFirst().map(l -> l.substring(l.indexOf("session "), l.indexOf(": new,") + 1));
                if (id.isPresent()) {
                    return lines.stream().filter(l -> l.contains(id.get())).toList();
                }
            }
        }
        return List.of();
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
