package io.roomwire.sim.room.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of the fleet process while its rooms write their state (sign-in tokens, certificates,
 * calendar caches, MDM enrollment during start-up), at a seeded moment ({@code -Droomwire.chaos.seed=N}); then the
 * fleet starts again on the same state directories. No state file may be torn, nor moved aside as corrupt when
 * the rooms read it back. (The restarted fleet has a new simulated cloud, so its health is not checked here.) The
 * fleet runs as {@code bin/simulated-room --fleet} does ({@link FleetMain}),
 * in a child JVM.
 */
class FleetKillTest {

    static final int ROOMS = 4;
    static final long SEED = Long.getLong("roomwire.chaos.seed", 18);

    @TempDir
    Path dir;

    /** A child JVM running {@link FleetMain}, its output collected line by line. */
    static final class Child implements AutoCloseable {
        final Process process;
        final List<String> lines = new CopyOnWriteArrayList<>();

        Child(Path state) throws IOException {
            this(state, List.of());
        }

        /** {@code prefix}: a command the JVM runs under, e.g. one that makes a network namespace first. */
        Child(Path state, List<String> prefix) throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> command = new java.util.ArrayList<>(prefix);
            command.addAll(List.of(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                    FleetMain.class.getName(), "--fleet", Integer.toString(ROOMS), "--state", state.toString(),
                    "--spread", "2s", "--threads", "4"));
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        lines.add(l);
                    }
                } catch (IOException e) {
                    lines.add("(output ended: " + e + ")");
                }
            }, "fleet-child-output");
            reader.setDaemon(true);
            reader.start();
        }

        /** Rooms healthy as the child last printed it. */
        int healthy() {
            for (int i = lines.size() - 1; i >= 0; i--) {
                String l = lines.get(i);
                int slash = l.indexOf('/' + Integer.toString(ROOMS) + " rooms healthy");
                if (slash > 0) {
                    String[] w = l.substring(0, slash).trim().split("\\s+");
                    return Integer.parseInt(w[w.length - 1]);
                }
            }
            return 0;
        }

        /** Rooms with at least one log line (the fleet logs at WARN: each names its room, LogContext). */
        int roomsThatLogged() {
            int n = 0;
            for (int i = 0; i < ROOMS; i++) {
                String id = "device=" + Fleet.serial(i) + " ";
                if (lines.stream().anyMatch(l -> l.contains(id))) {
                    n++;
                }
            }
            return n;
        }

        String output() {
            List<String> l = lines;
            return String.join("\n", l.subList(Math.max(0, l.size() - 60), l.size()));
        }

        /** SIGKILL to the JVM, and to what it started (Mosquitto), which a killed JVM cannot stop. */
        void kill9() throws InterruptedException {
            List<ProcessHandle> started = process.descendants().toList();
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
            started.forEach(ProcessHandle::destroyForcibly);
        }

        @Override
        public void close() throws InterruptedException {
            List<ProcessHandle> started = process.descendants().toList();
            process.destroy(); // SIGTERM: the fleet stops its rooms in its shutdown hook
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            started.forEach(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void killNineDuringWritesLeavesNoTornStateAndEveryRoomComesBack() throws Exception {
        Path state = dir.resolve("fleet");
        Random random = new Random(SEED);
        long killAfterMs = 500 + random.nextInt(3000);
        try (Child first = new Child(state)) {
            // the rooms are signing in and writing their state: kill at a seeded moment after the first is healthy
            FleetRig.await("a first room healthy", Duration.ofMinutes(4), () -> first.healthy() > 0, first::output);
            FleetRig.hold(Duration.ofMillis(killAfterMs));
            first.kill9();
        }
        assertEquals(0, FleetRig.corruptStateFiles(state.resolve("rooms")),
                "torn state files after kill -9 (seed " + SEED + ", " + killAfterMs + " ms after the first healthy room)");
        try (Child second = new Child(state)) {
            // The restarted fleet meets a new simulated cloud (its PKI and server addresses are made afresh), so
            // rooms that stored an MDM enrollment or tokens cannot all become healthy: each room has read its state
            // back (and would have moved a torn file aside) once it is healthy or has logged what the old state
            // did against the new cloud.
            FleetRig.await("every room read its state back after the restart", Duration.ofMinutes(4),
                    () -> second.roomsThatLogged() + second.healthy() >= ROOMS, second::output);
        }
        assertEquals(0, FleetRig.corruptStateFiles(state.resolve("rooms")),
                "state files moved aside as corrupt when the rooms read them back (seed " + SEED + ")");
    }
}
