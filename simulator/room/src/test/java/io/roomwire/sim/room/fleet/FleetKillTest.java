package io.roomwire.sim.room.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.provisioning.entra.TokenVault;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of the fleet process while its rooms write their state (sign-in tokens, certificates,
 * calendar caches, MDM enrollment during start-up) and its simulated cloud writes its own (refresh grants, MDM
 * devices), at a seeded moment ({@code -Droomwire.chaos.seed=N}); then the fleet starts again on the same state
 * directories, as rooms and a cloud do after a power cut. Every room must become healthy again; no state file of the
 * rooms or the cloud may be torn, nor moved aside as corrupt when it is read back; and no room that had stored its
 * sign-in before the kill may sign in again (its panel showing a sign-in code, which the fleet prints): the restarted
 * cloud honours the tokens and MDM enrollments it issued ({@code SimCloud} keeps them in {@code state/cloud/state}).
 * The fleet runs as {@code bin/simulated-room --fleet} does ({@link FleetMain}), in a child JVM.
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

        /** Rooms whose panel showed a sign-in code in this run, as the child printed them. */
        Set<String> roomsThatShowedASignInCode() {
            Set<String> rooms = new TreeSet<>();
            for (String l : lines) {
                if (l.endsWith(FleetMain.SIGN_IN_CODE_SHOWN)) {
                    rooms.add(l.substring(0, l.length() - FleetMain.SIGN_IN_CODE_SHOWN.length()).trim());
                }
            }
            return rooms;
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
    void killNineDuringWritesLeavesNoTornStateAndEveryRoomComesBackWithoutSigningInAgain() throws Exception {
        Path state = dir.resolve("fleet");
        Random random = new Random(SEED);
        long killAfterMs = 500 + random.nextInt(3000);
        Set<String> codesFirstRun;
        try (Child first = new Child(state)) {
            // the rooms are signing in and writing their state: kill at a seeded moment after the first is healthy
            FleetRig.await("a first room healthy", Duration.ofMinutes(4), () -> first.healthy() > 0, first::output);
            FleetRig.hold(Duration.ofMillis(killAfterMs));
            first.kill9();
            codesFirstRun = first.roomsThatShowedASignInCode();
        }
        String when = "seed " + SEED + ", " + killAfterMs + " ms after the first healthy room";
        assertEquals(0, FleetRig.corruptStateFiles(state.resolve("rooms")), "torn room state files after kill -9 (" + when + ")");
        assertEquals(0, FleetRig.corruptStateFiles(state.resolve("cloud")), "torn cloud state files after kill -9 (" + when + ")");
        // a room that stored its tokens had finished its sign-in; the rest were still at it (or had not started)
        Set<String> signedIn = new TreeSet<>();
        for (int i = 0; i < ROOMS; i++) {
            if (Files.exists(state.resolve("rooms").resolve(Fleet.serial(i)).resolve(TokenVault.ENTRY))) {
                signedIn.add(Fleet.serial(i));
            }
        }
        assertFalse(signedIn.isEmpty(), "no room had stored its sign-in although one was healthy (" + when + ")");
        // what tells a new sign-in below: each of these rooms was seen signing in with a code in the first run
        assertTrue(codesFirstRun.containsAll(signedIn), "signed in " + signedIn + ", codes seen " + codesFirstRun);
        try (Child second = new Child(state)) {
            FleetRig.await("every room healthy after the restart", Duration.ofMinutes(4),
                    () -> second.healthy() == ROOMS, second::output);
            Set<String> again = new TreeSet<>(second.roomsThatShowedASignInCode());
            again.retainAll(signedIn);
            assertEquals(Set.of(), again, "rooms signed in again although their sign-in was stored before the kill ("
                    + when + "; stored: " + signedIn + ")\n" + second.output());
        }
        assertEquals(0, FleetRig.corruptStateFiles(state.resolve("rooms")),
                "room state files moved aside as corrupt when the rooms read them back (seed " + SEED + ")");
        assertEquals(0, FleetRig.corruptStateFiles(state.resolve("cloud")),
                "cloud state files moved aside as corrupt when the cloud read them back (seed " + SEED + ")");
    }
}
