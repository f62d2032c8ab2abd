package io.roomwire.image.ab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.agent.mgmt.ctl.MgmtCtl;
import io.roomwire.sim.cloud.hawkbit.SimHawkbit;
import io.roomwire.sim.room.SimCloud;
import io.roomwire.sim.room.broker.MosquittoBroker;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole update path with the real agent in two really different builds, started by the real launcher the way
 * systemd restarts it, in the simulated room (SimCloud) reporting to Mosquitto. A (1.0.0) is a slot layout running this
 * reactor's classes on the test's JDK; B (2.0.0) is the package's own build, what the image module installs as
 * /usr/lib/roomwire (its jlink runtime and shrunk jars, so it runs after {@code package}: an IT), stamped 2.0.0 as a
 * release makes a slot payload of it. A -> B is {@code roomwire ctl rollout} of this one room (a signed
 * {@code update.apply} through the broker, done only once the room reported {@code update.committed}); the test then
 * checks the agent answering is B's runtime. B -> A is a plain signed {@code update.apply} of the first kind of build
 * (a downgrade, signed to allow it). The operator also watches {@code update.progress} and {@code update.committed} on
 * the room's event topic (mosquitto_sub). Then the agent's own settings ({@code update.hawkbit-*}) make it poll the
 * simulated hawkBit, which deploys a third build; the action closes with success once the new slot committed.
 */
class RoomUpdateCycleIT {

    private static final String ID = "RW-OTA-0401";
    private static final Duration BOUND = Duration.ofMinutes(3);
    /** The package's build as the image module lays it out for /usr/lib/roomwire (failsafe gives the target folder). */
    private static final Path PACKAGED = Path.of(System.getProperty("roomwire.deb.dir", "target"), "root", "usr", "lib", "roomwire");

    @TempDir
    Path tmp;

    @Test
    void aToBToAOverASignedMqttCommandThenAHawkbitDeployment() throws Exception {
        for (String tool : List.of("mosquitto", "mosquitto_sub")) {
            assertTrue(onPath(tool), tool + " is needed (apt-get install mosquitto mosquitto-clients)");
        }
        try (SimCloud cloud = SimCloud.start(tmp.resolve("cloud"), Clock.systemUTC(), Duration.ZERO);
             SimHawkbit hawkbit = new SimHawkbit(cloud.pki(), "DEFAULT", "target-token-1").pollingSleep(Duration.ofSeconds(2))) {
            // Closed with the cloud.
            MosquittoBroker broker = cloud.useBroker(MosquittoBroker.create(tmp.resolve("mosquitto"), cloud.pki()).start());
            cloud.addRoom("401", "Room 401");
            AbDevice d = new AbDevice(Files.createDirectories(tmp.resolve("device")));
            Files.writeString(d.home.resolve("model"), "rw-100\n");
            // The bundle server's certificate comes from the simulator's CA: the agent's JVM trusts it (the device's
            // system trust store in production).
            Path trust = tmp.resolve("sim-ca.p12");
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setCertificateEntry("sim-ca", cloud.pki().caCertificate());
            try (OutputStream o = Files.newOutputStream(trust)) {
                ks.store(o, "changeit".toCharArray());
            }
            d.addJvmOptions(List.of("-Djavax.net.ssl.trustStore=" + trust, "-Djavax.net.ssl.trustStorePassword=changeit",
                    "-Djavax.net.ssl.trustStoreType=PKCS12"));
            StringBuilder config = new StringBuilder("agent.log-level = info\n");
            cloud.agentSettings(ID, "401").forEach((k, v) -> config.append(k).append(" = ").append(v).append('\n'));
            config.append("agent.state-dir = ").append(Files.createDirectories(tmp.resolve("state"))).append('\n');
            config.append("update.trial-timeout = 2m\n");
            config.append("update.hawkbit-url = ").append(hawkbit.baseUrl()).append('\n');
            config.append("update.hawkbit-token = target-token-1\n");
            Path configFile = Files.writeString(tmp.resolve("roomwire.properties"), config);

            try (Service service = new Service(d, configFile); EventTopic events = new EventTopic(broker, tmp.resolve("events.log"))) {
                awaitOnline(broker, service, "1.0.0");

                // ---- A -> B: a rollout of this one room, judged by its commit: the signed update.apply through the
                // broker, the restart into slot b on trial, update.committed from the new build
                Path b = d.packagedBundle("2.0.0", PACKAGED, false);
                String said = rollout(broker, "url=" + hawkbit.serve("roomwire-2.0.0.rwu", b), "sha256=" + sha256(b));
                assertTrue(said.contains(ID + ": installed 2.0.0 in slot b; waiting for its trial to commit"), said);
                assertTrue(said.contains(ID + ": committed 2.0.0 in slot b"), said);
                assertTrue(said.contains("rollout: 1 committed, 0 failed, 0 not tried"), said);
                await(() -> events.has("update.committed", "2.0.0"), "update.committed 2.0.0", service, events);
                for (String phase : List.of("download", "verify", "unpack", "switch")) {
                    assertTrue(events.has("update.progress", "\"phase\":\"" + phase + "\""), "progress " + phase + ":\n" + events.text());
                }
                assertTrue(events.has("update.installed", "2.0.0"), events.text());
                awaitOnline(broker, service, "2.0.0");
                assertEquals("b", d.slots.currentSlot());
                // the agent that answered is the package's build: its JVM is slot b's jlink runtime (the launcher execs it)
                Path java = Path.of(service.process().info().command().orElseThrow()).toRealPath();
                assertEquals(d.slots.slot("b").resolve("runtime/bin/java").toRealPath(), java, service.console());
                assertEquals(Files.readString(PACKAGED.resolve("runtime/release")), Files.readString(d.slots.slot("b").resolve("runtime/release")));
                // B's first run in its slot records its own CDS archive (the package's is tied to /usr/lib/roomwire) and
                // writes it when it stops; restarted, B maps it, and a JVM the launcher starts from the slot under
                // -Xshare:on (which refuses to start without its archive) runs.
                Path archive = d.slots.slot("b").resolve("lib").toRealPath().resolve("slot.jsa");
                String recording = "This slot's CDS archive " + archive + " is written when the agent stops";
                await(() -> service.consoleHas(recording), "slot b recording its CDS archive", service, events);
                service.restart();
                awaitOnline(broker, service, "2.0.0");
                await(() -> service.consoleHas("This slot's CDS archive " + archive + " is in use"),
                        "slot b's CDS archive in use", service, events);
                Process strict = d.launch(Files.writeString(tmp.resolve("strict.options"), "-Xshare:on\n"),
                        io.roomwire.agent.Main.class.getName(), List.of("version"));
                assertTrue(strict.waitFor(1, TimeUnit.MINUTES), "roomwire version with the slot's archive");
                assertEquals(0, strict.exitValue(), service.console());

                // ---- B -> A: the first build again (a downgrade, signed to allow it)
                Path a = d.bundle("1.0.0", "ok", true, 0);
                String reply = ctl(broker, "update.apply", "url=" + hawkbit.serve("roomwire-1.0.0.rwu", a), "sha256=" + sha256(a));
                assertTrue(reply.contains("\"version\":\"1.0.0\"") && reply.contains("\"slot\":\"a\""), reply);
                await(() -> events.has("update.committed", "1.0.0"), "update.committed 1.0.0", service, events);
                awaitOnline(broker, service, "1.0.0");
                assertEquals("a", d.slots.currentSlot());
                assertEquals(Path.of(System.getProperty("java.home"), "bin", "java").toRealPath(),
                        Path.of(service.process().info().command().orElseThrow()).toRealPath(), "A runs on the test's JDK again");
                assertTrue(d.slots.trial().isEmpty());

                // ---- hawkBit, as the agent's settings configure it: a deployment of a third build
                Path c = d.bundle("3.0.0", "ok", false, 0);
                String action = hawkbit.deploy(ID, "3.0.0", c);
                await(() -> !hawkbit.isOpen(action), "the hawkBit action closed", service, events);
                String fb = hawkbit.feedback(action).toString();
                assertTrue(fb.contains("\"finished\":\"success\""), fb);
                assertTrue(fb.contains("proceeding"), "progress feedback before the install: " + fb);
                assertEquals("b", d.slots.currentSlot());
                assertEquals("3.0.0", d.slots.version("b").orElseThrow());
                assertTrue(events.has("update.committed", "3.0.0"), events.text());
                awaitOnline(broker, service, "3.0.0");
                // Restarts: one into each new slot, each by the agent's exit 75 (RestartForceExitStatus=75).
                assertEquals(List.of(75, 75, 75), service.exits(), service.console());
            }
        }
    }

    /** The service as systemd runs it: the launcher, started again after a non-zero exit (Restart=on-failure). */
    private static final class Service implements AutoCloseable {
        private final AbDevice device;
        private final Path config;
        private final List<Integer> exits = new CopyOnWriteArrayList<>();
        private volatile Process current;
        private volatile boolean stopping;
        private volatile boolean restarting;
        private final Thread loop;

        Service(AbDevice device, Path config) {
            this.device = device;
            this.config = config;
            loop = new Thread(this::run, "test-systemd");
            loop.setDaemon(true);
            loop.start();
        }

        private void run() {
            try {
                for (int starts = 0; starts < 8 && !stopping; starts++) {
                    Process p = device.launch(io.roomwire.agent.Main.class.getName(), List.of("run", "--config", config.toString()));
                    current = p;
                    int code = p.waitFor();
                    if (stopping) {
                        return;
                    }
                    if (restarting) {
                        restarting = false; // systemctl restart: stopped with SIGTERM, started again
                        continue;
                    }
                    exits.add(code);
                    if (code == 0 || code == 143) {
                        return;
                    }
                }
            } catch (Exception e) {
                exits.add(-1);
            }
        }

        /** As {@code systemctl restart}: SIGTERM (the agent's clean stop), then the next start. */
        void restart() {
            restarting = true;
            current.destroy();
        }

        /** The service's current process: the launcher, which execs the slot's JVM (same PID). */
        ProcessHandle process() {
            return current.toHandle();
        }

        boolean alive() {
            return loop.isAlive();
        }

        List<Integer> exits() {
            return List.copyOf(exits);
        }

        /** Whether any line the service printed so far contains {@code text}. */
        boolean consoleHas(String text) {
            try {
                return Files.readString(device.dir.resolve("console.log")).contains(text);
            } catch (Exception e) {
                return false;
            }
        }

        String console() {
            try {
                List<String> l = Files.readAllLines(device.dir.resolve("console.log"));
                return String.join("\n", l.subList(Math.max(0, l.size() - 80), l.size()));
            } catch (Exception e) {
                return "(no console: " + e.getMessage() + ")";
            }
        }

        @Override
        public void close() throws Exception {
            stopping = true;
            Process p = current;
            if (p != null) {
                p.destroy();
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
            loop.join(TimeUnit.SECONDS.toMillis(30));
        }
    }

    /** The operator's view of the room's events: mosquitto_sub on roomwire/v1/{id}/events, one JSON message a line. */
    private static final class EventTopic implements AutoCloseable {
        private final Process sub;
        private final Path file;

        EventTopic(MosquittoBroker broker, Path file) throws Exception {
            this.file = file;
            sub = new ProcessBuilder("mosquitto_sub", "-h", "localhost", "-p", Integer.toString(broker.port()), "--cafile",
                    broker.caFile().toString(), "--cert", broker.operatorCertFile().toString(), "--key", broker.operatorKeyFile().toString(),
                    "-i", "test-operator-events", "-q", "1", "-t", "roomwire/v1/" + ID + "/events")
                    .redirectErrorStream(true).redirectOutput(file.toFile()).start();
        }

        String text() {
            try {
                return Files.exists(file) ? Files.readString(file) : "";
            } catch (Exception e) {
                return "";
            }
        }

        /** An event of {@code type} whose message also contains {@code detail}. */
        boolean has(String type, String detail) {
            return text().lines().anyMatch(l -> l.contains("\"" + type + "\"") && l.contains(detail));
        }

        Process process() {
            return sub;
        }

        @Override
        public void close() {
            sub.destroy();
        }
    }

    /** The room answers status.get over the broker with {@code version}. */
    private void awaitOnline(MosquittoBroker broker, Service service, String version) throws Exception {
        long end = System.nanoTime() + BOUND.toNanos();
        String last = "";
        while (System.nanoTime() < end && service.alive()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int code = new MgmtCtl().run(ctlArgs(broker, "status.get", "--timeout", "5s"), new PrintStream(out, true),
                    new PrintStream(out, true));
            last = out.toString(StandardCharsets.UTF_8);
            if (code == 0 && last.contains("\"" + version + "\"")) {
                return;
            }
        }
        throw new AssertionError("the room did not answer status.get with version " + version + " within " + BOUND + ": " + last
                + "\nexits " + service.exits() + "\n" + service.console());
    }

    private String ctl(MosquittoBroker broker, String... command) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<String> args = ctlArgs(broker, command);
        args.addAll(List.of("--timeout", "90s"));
        int code = new MgmtCtl().run(args, new PrintStream(out, true), new PrintStream(out, true));
        String said = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, String.join(" ", command) + ": " + said);
        return said;
    }

    /** {@code roomwire ctl ... rollout} of this one room; exits 0 only once the room committed the update. */
    private String rollout(MosquittoBroker broker, String... bundle) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String[] line = broker.ctlLine(ID).substring("roomwire ".length()).split(" ");
        List<String> args = new ArrayList<>(List.of(line).subList(1, line.length - 1)); // without "ctl" and "status.get"
        args.addAll(List.of("--timeout", "90s", "rollout", "--devices", ID, "--commit-timeout", BOUND.toString()));
        args.addAll(List.of(bundle));
        int code = new MgmtCtl().run(args, new PrintStream(out, true), new PrintStream(out, true));
        String said = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, "rollout: " + said);
        return said;
    }

    /** The operator's command line (signed with the key the room trusts), as the simulator prints it. */
    private static List<String> ctlArgs(MosquittoBroker broker, String... command) {
        String[] line = broker.ctlLine(ID).substring("roomwire ".length()).split(" ");
        List<String> args = new ArrayList<>(List.of(line).subList(1, line.length - 1)); // without "ctl" and "status.get"
        args.addAll(List.of(command));
        args.add("--json");
        return args;
    }

    /** Waits for a condition, paced by the event subscriber (a real process), never longer than BOUND. */
    private static void await(BooleanSupplier condition, String what, Service service, EventTopic events) throws Exception {
        long end = System.nanoTime() + BOUND.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "no " + what + " within " + BOUND + "; events:\n" + events.text() + "\nexits "
                    + service.exits() + "\n" + service.console());
            assertTrue(events.process().isAlive(), "mosquitto_sub ended: " + events.text());
            events.process().waitFor(100, TimeUnit.MILLISECONDS);
        }
    }

    private static String sha256(Path f) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
