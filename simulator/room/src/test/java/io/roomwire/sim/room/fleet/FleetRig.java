package io.roomwire.sim.room.fleet;

import io.roomwire.agent.mgmt.MqttTransportOptions;
import io.roomwire.agent.mgmt.TlsMaterial;
import io.roomwire.agent.mgmt.collector.FleetCollector;
import io.roomwire.agent.mgmt.ctl.MgmtCtl;
import io.roomwire.agent.mgmt.paho.PahoMqttTransport;
import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.time.Scheduler;
import io.roomwire.core.time.SystemScheduler;
import io.roomwire.sim.room.SimCloud;
import io.roomwire.sim.room.SimulatedRoom;
import io.roomwire.sim.room.broker.MosquittoBroker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A fleet under test: the simulated cloud, a Mosquitto for the rooms (and, bridged, a second one for
 * operators and collectors), N rooms in this JVM on one scheduler, and two collectors in one shared
 * subscription group recording every room's event sequence numbers.
 */
public final class FleetRig implements AutoCloseable {

    public record Run(int code, String out, String err) { }

    public static final Duration RECONNECT_SPREAD = Duration.ofSeconds(10);

    /**
     * The clock of every room; chaos steps it. The simulated cloud keeps the true time, as Entra and Graph do
     * when a device's clock is wrong.
     */
    public final JumpClock clock = new JumpClock();
    public final SystemScheduler scheduler;
    public final SimCloud cloud;
    public final MosquittoBroker site;
    public final MosquittoBroker ops;
    public final Fleet fleet;
    public final FleetCollector.Ledger ledger = new FleetCollector.Ledger();
    public final List<FleetCollector> collectors = new ArrayList<>();
    /** What Entra's access tokens live for in this rig: its default hour unless the rig was started with a lifetime. */
    public final Duration accessTokenLifetime;
    private final Path dir;
    private final boolean tmpfs;
    private int marks;

    private FleetRig(Path dir, int rooms, long seed, boolean bridged, Map<String, String> settings, long stateDiskMb,
                     Duration accessTokenLifetime) throws Exception {
        this.dir = dir;
        this.tmpfs = stateDiskMb > 0;
        if (tmpfs) {
            // the rooms' state on a small file system of its own, so a test can fill it (root only: mount)
            Path rooms0 = Files.createDirectories(dir.resolve("rooms"));
            exec(Duration.ofSeconds(30), "mount", "-t", "tmpfs", "-o", "size=" + stateDiskMb + "m,mode=0700", "roomwire-fleet-state",
                    rooms0.toString());
        }
        this.scheduler = new SystemScheduler(clock, 4);
        this.cloud = SimCloud.start(Files.createDirectories(dir.resolve("cloud")), java.time.Clock.systemUTC(),
                Duration.ofSeconds(1));
        this.accessTokenLifetime = accessTokenLifetime == null ? Duration.ofMinutes(60) : accessTokenLifetime;
        if (accessTokenLifetime != null) {
            // short-lived tokens, so that a run of minutes sees every room refresh (an Entra outage must meet a refresh)
            cloud.entra().setLifetimes(accessTokenLifetime, Duration.ofDays(90), Duration.ofMinutes(15));
        }
        if (bridged) {
            ops = MosquittoBroker.create(dir.resolve("ops-broker"), cloud.pki());
            MosquittoBroker s = MosquittoBroker.create(dir.resolve("site-broker"), cloud.pki()).bridgeTo(ops, "site-a");
            ops.start(); // after bridgeTo: its ACL lets the bridge's identity in
            site = cloud.useBroker(s.start());
        } else {
            site = cloud.useBroker(MosquittoBroker.create(dir.resolve("broker"), cloud.pki()).start());
            ops = site;
        }
        Fleet.Builder b = Fleet.builder().size(rooms).dir(dir.resolve("rooms")).scheduler(scheduler).cloud(cloud)
                .seed(seed).startSpread(Duration.ofMillis(100L * rooms))
                // after a broker restart rooms come back at random moments within the spread, then back off to 5 s
                .set("mqtt.reconnect-min", "500ms").set("mqtt.reconnect-max", "5s")
                .set("mqtt.reconnect-spread", RECONNECT_SPREAD.toSeconds() + "s")
                .set("mqtt.operator-keys", ops.operatorPublicKeyFile().toString());
        settings.forEach(b::set);
        this.fleet = b.build();
        for (int i = 0; i < 2; i++) {
            collectors.add(collector(ops, i, scheduler, ledger));
        }
    }

    /**
     * Collector {@code i} of the group {@code ops} on {@code broker}, started: a persistent session (events for it wait
     * at the broker while it reconnects), recording into {@code ledger}.
     */
    public static FleetCollector collector(MosquittoBroker broker, int i, Scheduler scheduler, FleetCollector.Ledger ledger)
            throws IOException, java.security.GeneralSecurityException {
        Path cert = broker.issueDevice("collector");
        return new FleetCollector(new PahoMqttTransport(MqttTransportOptions.builder(URI.create(broker.url()),
                "collector-" + i).tls(TlsMaterial.fromFiles(broker.caFile(), cert, cert.resolveSibling("collector.key")))
                .sessionExpiry(Duration.ofHours(1)).reconnect(Duration.ofMillis(200), Duration.ofSeconds(2)).build(),
                scheduler), "ops", ledger).start();
    }

    public static FleetRig start(Path dir, int rooms, long seed, boolean bridged) throws Exception {
        return start(dir, rooms, seed, bridged, Map.of());
    }

    public static FleetRig start(Path dir, int rooms, long seed, boolean bridged, Map<String, String> settings) throws Exception {
        return start(dir, rooms, seed, bridged, settings, 0);
    }

    /** With {@code stateDiskMb > 0} the rooms' state directories are on a tmpfs of that size (needs root). */
    public static FleetRig start(Path dir, int rooms, long seed, boolean bridged, Map<String, String> settings,
                                 long stateDiskMb) throws Exception {
        return start(dir, rooms, seed, bridged, settings, stateDiskMb, null);
    }

    /** As above, with Entra issuing access tokens that live {@code accessTokenLifetime} (null: Entra's hour). */
    public static FleetRig start(Path dir, int rooms, long seed, boolean bridged, Map<String, String> settings,
                                 long stateDiskMb, Duration accessTokenLifetime) throws Exception {
        FleetRig r = new FleetRig(dir, rooms, seed, bridged, settings, stateDiskMb, accessTokenLifetime);
        await("both collectors connected", Duration.ofSeconds(30), () -> r.collectors.stream().allMatch(FleetCollector::connected),
                () -> r.ops.log());
        r.fleet.start();
        return r;
    }

    /** Every room has every service UP. */
    public FleetRig awaitHealthy(Duration bound) {
        await("every room healthy", bound, () -> fleet.healthy() == fleet.size(), this::unhealthy);
        return this;
    }

    public String unhealthy() {
        StringBuilder sb = new StringBuilder();
        for (SimulatedRoom r : fleet.rooms()) {
            if (!r.agent().allUp()) {
                sb.append(r.agent().deviceId()).append(' ').append(r.agent().health()).append('\n');
            }
        }
        return sb.toString();
    }

    /** The room's home screen offers a Join button for the demo meeting ({@link SimCloud#DEMO_SUBJECT}). */
    public static boolean showsDemoJoin(SimulatedRoom room) {
        return room.panel().current().filter(s -> s.kind().equals("home")).map(s -> s.buttons().stream()
                .anyMatch(b -> b.detail().contains(SimCloud.DEMO_SUBJECT))).orElse(false);
    }

    /** Each room emits one event carrying a new mark; returns the mark. */
    public String emitMark() {
        String mark = "m" + (++marks);
        for (SimulatedRoom r : fleet.rooms()) {
            r.events().emit(DeviceEvent.of("fleet.mark", scheduler.now(), "mark", mark));
        }
        return mark;
    }

    /** The mark's events reached the collectors from every room, and no room's sequence has a gap. */
    public FleetRig awaitDelivered(String mark, Duration bound) {
        await("mark " + mark + " from every room", bound, () -> fleet.rooms().stream()
                .allMatch(r -> ledger.hasMark(r.agent().deviceId(), mark)), () -> "missing from: " + fleet.rooms().stream()
                .map(r -> r.agent().deviceId()).filter(d -> !ledger.hasMark(d, mark)).toList()
                + (ops == site ? "" : "\nsite broker:\n" + tail(site.log()) + "\noperators' broker:\n" + tail(ops.log())));
        return this;
    }

    private static String tail(String log) {
        return log.length() < 3000 ? log : log.substring(log.length() - 3000);
    }

    /** Files the state store moved aside as corrupt, in every room's state directory. */
    public long corruptStateFiles() {
        return corruptStateFiles(dir.resolve("rooms"));
    }

    /**
     * Under {@code rooms}: files a store moved aside as corrupt, plus store files ({@code RWS1} header) whose
     * checksum fails now, read without moving them (a torn write a room has not read back yet).
     */
    public static long corruptStateFiles(Path rooms) {
        for (int attempt = 0; ; attempt++) {
            try (Stream<Path> s = Files.walk(rooms)) {
                return s.filter(p -> {
                    String n = p.getFileName().toString();
                    if (n.contains(".corrupt-")) {
                        return true;
                    }
                    if (n.startsWith(".") || !Files.isRegularFile(p)) {
                        return false; // a write in progress (.name.tmp) is no state yet
                    }
                    try {
                        return io.roomwire.core.store.FileStore.looksLikeStoreFile(p)
                                && io.roomwire.core.store.FileStore.problem(p).isPresent();
                    } catch (java.nio.file.NoSuchFileException gone) {
                        return false;
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }).count();
            } catch (IOException | UncheckedIOException e) {
                // a room renamed a temp file away while we listed: list again
                if (attempt > 20) {
                    throw new IllegalStateException("cannot list the rooms' state: " + e, e);
                }
            }
        }
    }

    /** {@code roomwire ctl} as the operator on the operators' broker. */
    public Run ctl(String... words) {
        List<String> args = new ArrayList<>(List.of("--broker", ops.url(), "--cafile", ops.caFile().toString(),
                "--cert", ops.operatorCertFile().toString(), "--key", ops.operatorKeyFile().toString()));
        args.addAll(List.of(words));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new MgmtCtl().run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Keeps a fault in place for {@code d} (an outage's length), checking that the rig's JVM is still there. */
    public static void hold(Duration d) {
        long end = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < end) {
            LockSupport.parkNanos(Math.min(end - System.nanoTime(), 200_000_000L));
        }
    }

    /** Fills the rooms' state file system (see {@link #start} with a disk size) until it has no space left. */
    public Path fillStateDisk() throws IOException {
        if (!tmpfs) {
            throw new IllegalStateException("the rooms' state is not on a file system of its own");
        }
        Path filler = dir.resolve("rooms").resolve("filler");
        byte[] block = new byte[1 << 16];
        try (java.io.OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(block);
            }
        } catch (IOException full) {
            if (!String.valueOf(full.getMessage()).contains("No space left")) {
                throw full;
            }
        }
        return filler;
    }

    /** Runs a command, bounded; its output if it fails. */
    public static String exec(Duration bound, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!p.waitFor(bound.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish within " + bound);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + out);
        }
        return out;
    }

    /** Whether this JVM runs as root (it may mount a tmpfs for the full-disk scenario). */
    public static boolean root() {
        try {
            return exec(Duration.ofSeconds(10), "id", "-u").strip().equals("0");
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    public static void await(String what, Duration bound, BooleanSupplier condition, Supplier<String> detail) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " not within " + bound + ":\n" + detail.get());
            }
            LockSupport.parkNanos(50_000_000);
        }
    }

    @Override
    public void close() {
        collectors.forEach(FleetCollector::close);
        fleet.close();
        cloud.close();
        if (ops != site) {
            ops.close();
        }
        scheduler.close();
        if (tmpfs) {
            try {
                exec(Duration.ofSeconds(30), "umount", "-l", dir.resolve("rooms").toString());
            } catch (IOException | InterruptedException e) {
                System.err.println("cannot unmount the rooms' tmpfs: " + e);
            }
        }
    }
}
