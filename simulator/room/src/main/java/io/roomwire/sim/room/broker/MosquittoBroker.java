package io.roomwire.sim.room.broker;

import io.roomwire.sim.cloud.SimPki;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.tinylog.Logger;

/**
 * Debian's Mosquitto (2.x) as the fleet's broker: its own process from a generated configuration on
 * a loopback port, TLS with client certificates required (the certificate's CN is the user name),
 * an ACL per role (rooms, operator, collectors, bridges), persistence so sessions and retained
 * statuses survive a restart, and optionally a bridge to another Mosquitto (a site broker joined to
 * the operators' broker). Stopped by PID; {@link #kill()} is a crash.
 */
public final class MosquittoBroker implements RoomBroker {

    /** Who may do what: rooms only their own topics, collectors read every status and event stream. */
    static final String ACL = String.join("\n",
            "# rooms: their own status, telemetry and events; their own and fleet commands; replies",
            "pattern write roomwire/v1/%u/status",
            "pattern write roomwire/v1/%u/telemetry",
            "pattern write roomwire/v1/%u/events",
            "pattern read roomwire/v1/%u/cmd/#",
            "pattern read roomwire/v1/fleet/cmd/#",
            "pattern write roomwire/v1/reply/#",
            "# operators: everything under roomwire/v1",
            "user operator",
            "topic readwrite roomwire/v1/#",
            "# collectors (shared subscriptions): statuses, telemetry and events, read only",
            "user collector",
            "topic read roomwire/v1/+/status",
            "topic read roomwire/v1/+/telemetry",
            "topic read roomwire/v1/+/events",
            "");

    private final Path dir;
    private final SimPki pki;
    private final int port;
    private final List<String> bridges = new ArrayList<>();
    private final List<String> bridgeUsers = new ArrayList<>();
    private volatile Process process;

    private MosquittoBroker(Path dir, SimPki pki, int port) {
        this.dir = dir;
        this.pki = pki;
        this.port = port;
    }

    /** A broker whose files live in {@code dir}; call {@link #start()} (after any {@link #bridgeTo}). */
    public static MosquittoBroker create(Path dir, SimPki pki) {
        try {
            Files.createDirectories(dir.resolve("data"));
            pki.writeCaPem(dir.resolve("ca.pem"));
            SimPki.Issued server = pki.issueServer("mosquitto", "localhost");
            SimPki.writePem(dir.resolve("server.pem"), server.certificatePem(), false);
            SimPki.writePem(dir.resolve("server.key"), EmbeddedBroker.pkcs8(server.key()), true);
            SimPki.Issued operator = pki.issueClient("operator", Duration.ofDays(365));
            SimPki.writePem(dir.resolve("operator.pem"), operator.certificatePem(), false);
            SimPki.writePem(dir.resolve("operator.key"), EmbeddedBroker.pkcs8(operator.key()), true);
            java.security.KeyPair signing = SimPki.ecKeyPair();
            SimPki.writePem(dir.resolve("operator-sign.key"), EmbeddedBroker.pkcs8(signing.getPrivate()), true);
            SimPki.writePem(dir.resolve("operator-sign.pub"), SimPki.pem(signing.getPublic()), false);
            return new MosquittoBroker(dir, pki, freePort());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare Mosquitto's files in " + dir + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot make the operator's signing key: " + e.getMessage(), e);
        }
    }

    /**
     * The Mosquitto another process started from {@code dir} (its {@link #create} and {@link #start}), for rooms whose
     * broker must outlive their process: {@code pki} issues their certificates and must be the CA the broker trusts.
     * {@link #stop()}, {@link #kill()} and {@link #close()} leave that process alone.
     */
    public static MosquittoBroker running(Path dir, SimPki pki) {
        Path conf = dir.resolve("mosquitto.conf");
        int port;
        try {
            port = Files.readAllLines(conf).stream().filter(l -> l.startsWith("listener ")).findFirst()
                    .map(l -> Integer.parseInt(l.split(" ")[1]))
                    .orElseThrow(() -> new IllegalArgumentException(conf + " names no listener"));
            if (!Files.readString(dir.resolve("ca.pem")).strip().equals(pki.caPem().strip())) {
                throw new IllegalArgumentException("the Mosquitto in " + dir + " trusts another CA than this cloud's: "
                        + "start it with the CA of the same cloud state (SimCloud.ca)");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("no Mosquitto made in " + dir + " (" + e.getMessage()
                    + "): start one there first (MosquittoBroker.create(dir, SimCloud.ca(cloudDir)).start())", e);
        }
        MosquittoBroker b = new MosquittoBroker(dir, pki, port);
        if (!b.accepting()) {
            throw new IllegalArgumentException("the Mosquitto made in " + dir + " does not listen on " + port
                    + ": start it first");
        }
        return b;
    }

    /**
     * Bridges this broker to {@code remote} (MQTT 5, TLS with a client certificate of its own):
     * rooms' statuses, telemetry, events and replies go there, commands come back. Before either
     * broker's {@link #start()}: the remote's ACL is written then and must name the bridge.
     */
    public MosquittoBroker bridgeTo(MosquittoBroker remote, String name) {
        String user = "bridge-" + name;
        SimPki.Issued id = pki.issueClient(user, Duration.ofDays(365));
        Path cert = SimPki.writePem(dir.resolve(user + ".pem"), id.certificatePem(), false);
        Path key = SimPki.writePem(dir.resolve(user + ".key"), EmbeddedBroker.pkcs8(id.key()), true);
        remote.bridgeUsers.add(user);
        bridges.add(String.join("\n",
                "connection " + name,
                // the name, not the address: Mosquitto checks the name against the certificate's DNS names only
                "address localhost:" + remote.port,
                "bridge_protocol_version mqttv50",
                "remote_clientid " + user,
                "local_clientid " + user + "-local",
                "cleansession false",
                "try_private true",
                "restart_timeout 1 5",
                "bridge_cafile " + remote.caFile(),
                "bridge_certfile " + cert,
                "bridge_keyfile " + key,
                "bridge_insecure false",
                "topic roomwire/v1/+/status out 1",
                "topic roomwire/v1/+/telemetry out 0",
                "topic roomwire/v1/+/events out 1",
                "topic roomwire/v1/reply/# out 1",
                "topic roomwire/v1/+/cmd/# in 1",
                "topic roomwire/v1/fleet/cmd/# in 1",
                ""));
        return this;
    }

    /** Starts the process and waits (up to 10 s) until it accepts connections. */
    public MosquittoBroker start() {
        try {
            StringBuilder acl = new StringBuilder(ACL);
            for (String u : bridgeUsers) {
                acl.append("user ").append(u).append("\ntopic readwrite roomwire/v1/#\n");
            }
            Files.writeString(dir.resolve("acl"), acl.toString());
            Files.writeString(dir.resolve("mosquitto.conf"), String.join("\n",
                    // as root Mosquitto drops to the user 'mosquitto', which cannot read our 0600 keys: stay who we are
                    "user " + System.getProperty("user.name"),
                    "per_listener_settings false",
                    "allow_anonymous false",
                    "persistence true",
                    "persistence_location " + dir.resolve("data") + "/",
                    "autosave_interval 1",
                    "max_queued_messages 100000",
                    "max_inflight_messages 100",
                    "log_dest stderr",
                    "log_type error",
                    "log_type warning",
                    "log_type notice",
                    "connection_messages true",
                    "log_timestamp true",
                    "log_timestamp_format %s",
                    "listener " + port + " 127.0.0.1",
                    "max_connections -1",
                    "cafile " + caFile(),
                    "certfile " + dir.resolve("server.pem"),
                    "keyfile " + dir.resolve("server.key"),
                    "require_certificate true",
                    "use_identity_as_username true",
                    "acl_file " + dir.resolve("acl"),
                    "set_tcp_nodelay true",
                    "",
                    String.join("\n", bridges)));
            List<String> cmd = new ArrayList<>(List.of("mosquitto", "-c", dir.resolve("mosquitto.conf").toString()));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("mosquitto.log").toFile()));
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start mosquitto (apt-get install mosquitto): " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!accepting()) {
            if (!process.isAlive()) {
                throw new IllegalStateException("mosquitto exited at start: " + tail(log(), 2000));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("mosquitto not listening on " + port + " within 10 s: " + tail(log(), 2000));
            }
            LockSupport.parkNanos(20_000_000);
        }
        Logger.info("Mosquitto listening on {}", url());
        return this;
    }

    private boolean accepting() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** SIGTERM and wait: Mosquitto saves its sessions and retained messages. */
    public void stop() {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /** SIGKILL: a crash (state since the last autosave, at most a second, is lost). */
    public void kill() {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroyForcibly();
        try {
            p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    public MosquittoBroker restart() {
        stop();
        return start();
    }

    public boolean running() {
        Process p = process;
        return p != null && p.isAlive();
    }

    public Optional<Long> pid() {
        Process p = process;
        return p == null ? Optional.empty() : Optional.of(p.pid());
    }

    public int port() {
        return port;
    }

    /** The broker's log (connections, errors), for failure messages and connection rates. */
    public String log() {
        try {
            return Files.readString(dir.resolve("mosquitto.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Connections of clients whose id starts with {@code clientPrefix}, per second (epoch second to count) since {@code from}, from the log. */
    public TreeMap<Long, Integer> connectionsPerSecond(Instant from, String clientPrefix) {
        TreeMap<Long, Integer> perSecond = new TreeMap<>();
        for (String line : log().split("\n")) {
            int colon = line.indexOf(": New client connected");
            if (colon > 0 && line.contains(" as " + clientPrefix)) {
                try {
                    long s = Long.parseLong(line.substring(0, colon).strip());
                    if (s >= from.getEpochSecond()) {
                        perSecond.merge(s, 1, Integer::sum);
                    }
                } catch (NumberFormatException notOurs) {
                    // a line without our timestamp format
                }
            }
        }
        return perSecond;
    }

    private static String tail(String s, int n) {
        return s.length() <= n ? s : s.substring(s.length() - n);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public String url() {
        return "ssl://127.0.0.1:" + port;
    }

    @Override
    public Path caFile() {
        return dir.resolve("ca.pem");
    }

    @Override
    public Path operatorCertFile() {
        return dir.resolve("operator.pem");
    }

    @Override
    public Path operatorKeyFile() {
        return dir.resolve("operator.key");
    }

    @Override
    public Path operatorSigningKeyFile() {
        return dir.resolve("operator-sign.key");
    }

    @Override
    public Path operatorPublicKeyFile() {
        return dir.resolve("operator-sign.pub");
    }

    @Override
    public Path issueDevice(String name) {
        SimPki.Issued id = pki.issueClient(name, Duration.ofDays(365));
        SimPki.writePem(dir.resolve(name + ".key"), EmbeddedBroker.pkcs8(id.key()), true);
        return SimPki.writePem(dir.resolve(name + ".pem"), id.certificatePem(), false);
    }

    @Override
    public void close() {
        stop();
    }
}
