package io.roomwire.sim.room.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.agent.mgmt.collector.FleetCollector;
import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.time.SystemScheduler;
import io.roomwire.provisioning.entra.TokenVault;
import io.roomwire.sim.cloud.SimPki;
import io.roomwire.sim.room.SimCloud;
import io.roomwire.sim.room.SimulatedRoom;
import io.roomwire.sim.room.broker.MosquittoBroker;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
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
 * The fleet runs as {@code bin/simulated-room --fleet ... --broker DIR} does ({@link FleetMain}), in a child JVM.
 *
 * <p>No event may be lost across the kill: as at a real site, the broker (Mosquitto, trusting the cloud's CA, which
 * this JVM makes in the cloud's state before the child reads it) and the operators' two collectors (a shared
 * subscription with persistent sessions, subscribed before any room starts) run in this JVM and do not die with the
 * rooms. Every room raises a mark as the first room is healthy and a burst of {@link #BURST} just before the kill, which
 * follows once each of those marks was delivered or is in the room's on-disk event queue (an event the room holds in
 * memory only, the moment it is raised, is not one a power cut can spare): rooms send their queue one event at a time,
 * so most of the burst is still queued, and some in flight, at the kill. After the restart every room raises one more;
 * every mark must arrive from every room and no room's sequence numbers may have a gap.
 */
class FleetKillTest {

    static final int ROOMS = 4;
    static final long SEED = Long.getLong("roomwire.chaos.seed", 18);

    /**
     * Marks each room raises in one burst just before the kill: a room sends one event at a time, each once the broker
     * took the one before, so even a fast machine is still sending the burst when the kill comes.
     */
    static final int BURST = 1000;
    /** How long every mark may take to arrive after the restart (rooms reconnect, then send their queues in order). */
    static final Duration DELIVERY = Duration.ofSeconds(90);
    /** After the last mark arrived from every room, how long earlier events may still be on their way. */
    static final Duration SETTLE = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    /** A child JVM running {@link FleetMain}, its output collected line by line. */
    static final class Child extends ChildJvm implements AutoCloseable {

        /** The fleet on {@code state}, reporting to the Mosquitto running from {@code brokerDir} (not the child's). */
        Child(Path state, Path brokerDir) throws IOException {
            super(List.of(), Inside.class, List.of("--fleet", Integer.toString(ROOMS), "--state", state.toString(),
                    "--spread", "2s", "--threads", "4", "--broker", brokerDir.toString()), "fleet-child-output");
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

        /** Every room raises one event carrying each of {@code marks}, in order; returns once the child has raised them. */
        void mark(List<String> marks) throws IOException {
            String names = String.join(" ", marks);
            send("mark " + names);
            FleetRig.await("the child to raise " + names, Duration.ofSeconds(30), () -> {
                if (!process.isAlive()) {
                    throw new AssertionError("the fleet's child JVM ended (" + process.exitValue() + "):\n" + output());
                }
                return lines.contains("emitted " + names);
            }, this::output);
        }

        /** SIGKILL to the JVM, and to anything it started, which a killed JVM cannot stop. */
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

    /**
     * The child's side: {@link FleetMain} with the test's arguments; reads {@code mark NAME...} on stdin (every room
     * raises a {@code fleet.mark} event carrying each NAME, in order; then it prints {@code emitted NAME...}).
     */
    static final class Inside {

        private Inside() {
        }

        public static void main(String[] args) throws Exception {
            FleetMain.Running running = FleetMain.start(args);
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                for (String l; (l = in.readLine()) != null; ) {
                    if (l.startsWith("mark ")) {
                        String names = l.substring("mark ".length());
                        for (SimulatedRoom r : running.fleet().rooms()) {
                            for (String mark : names.split(" ")) {
                                r.events().emit(DeviceEvent.of("fleet.mark", running.scheduler().now(), "mark", mark));
                            }
                        }
                        System.out.println("emitted " + names);
                    } else {
                        System.out.println("unknown command '" + l + "': mark NAME...");
                    }
                }
            }
            System.exit(0); // stdin closed: the shutdown hook stops the fleet
        }
    }

    @Test
    void killNineDuringWritesLeavesNoTornStateLosesNoEventAndEveryRoomComesBackWithoutSigningInAgain() throws Exception {
        Path state = dir.resolve("fleet");
        Random random = new Random(SEED);
        long killAfterMs = 500 + random.nextInt(3000);
        String when = "seed " + SEED + ", " + killAfterMs + " ms after the first healthy room";
        // the site's broker and the operators' collectors, outside the process that is killed
        SimPki ca = SimCloud.ca(Files.createDirectories(state.resolve("cloud")));
        FleetCollector.Ledger ledger = new FleetCollector.Ledger();
        try (SystemScheduler scheduler = new SystemScheduler(2);
             MosquittoBroker broker = MosquittoBroker.create(dir.resolve("broker"), ca).start();
             FleetCollector c0 = FleetRig.collector(broker, 0, scheduler, ledger);
             FleetCollector c1 = FleetRig.collector(broker, 1, scheduler, ledger)) {
            List<FleetCollector> collectors = List.of(c0, c1);
            FleetRig.await("both collectors connected", Duration.ofSeconds(30),
                    () -> collectors.stream().allMatch(FleetCollector::connected), broker::log);
            Path brokerDir = dir.resolve("broker");
            Set<String> codesFirstRun;
            Map<String, Integer> queuedAtKill;
            Map<String, Integer> undeliveredAtKill = new TreeMap<>();
            List<String> beforeKill = new ArrayList<>(List.of("m1"));
            for (int i = 1; i <= BURST; i++) {
                beforeKill.add("m2-" + i);
            }
            try (Child first = new Child(state, brokerDir)) {
                // the rooms are signing in and writing their state: kill at a seeded moment after the first is healthy
                FleetRig.await("a first room healthy", Duration.ofMinutes(4), () -> first.healthy() > 0, first::output);
                first.mark(List.of("m1")); // a room still starting queues it
                FleetRig.hold(Duration.ofMillis(killAfterMs));
                // a burst each room sends one event at a time, each after the broker took the one before: the kill
                // finds most of it in the rooms' queues
                first.mark(beforeKill.subList(1, beforeKill.size()));
                queuedAtKill = awaitDeliveredOrQueued(state, ledger, beforeKill, when, first::output);
                first.kill9();
                // what only the restarted rooms' queues (or the broker, for an event in flight) can still deliver
                missingMarks(ledger, beforeKill).forEach((room, m) -> undeliveredAtKill.put(room, m.size()));
                codesFirstRun = first.roomsThatShowedASignInCode();
            }
            // a kill after every event was delivered would test no queue (nor one that forgets what it holds)
            assertFalse(undeliveredAtKill.isEmpty(), "every mark was at the collectors before the kill (" + when + ")");
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
            try (Child second = new Child(state, brokerDir)) {
                FleetRig.await("every room healthy after the restart", Duration.ofMinutes(4),
                        () -> second.healthy() == ROOMS, second::output);
                Set<String> again = new TreeSet<>(second.roomsThatShowedASignInCode());
                again.retainAll(signedIn);
                assertEquals(Set.of(), again, "rooms signed in again although their sign-in was stored before the kill ("
                        + when + "; stored: " + signedIn + ")\n" + second.output());
                second.mark(List.of("m3"));
                List<String> marks = new ArrayList<>(beforeKill);
                marks.add("m3");
                FleetRig.await("every mark from every room after the restart (" + when + ")", DELIVERY,
                        () -> missingMarks(ledger, marks).isEmpty(), () -> "missing (room=[marks]): " + shortly(missingMarks(ledger, marks))
                                + "; marks only in a room's on-disk queue at the kill: " + queuedAtKill + "\n" + second.output());
                // a mark arrived from every room: earlier events may still be on their way through the other collector
                FleetRig.await("no gap in any room's sequence numbers (" + when + ")", SETTLE, () -> ledger.gaps().isEmpty(),
                        () -> "events lost (per room, how many sequence numbers never arrived): " + ledger.gaps()
                                + "; " + ledger.events() + " events received, " + ledger.duplicates() + " duplicates, highest "
                                + highest(ledger) + "; marks only in a room's on-disk queue at the kill: " + queuedAtKill);
                System.out.println("FleetKillTest (" + when + "): 0 lost events; " + ledger.events() + " events ("
                        + ledger.duplicates() + " duplicates), highest seq per room " + highest(ledger)
                        + "; per room, of the " + beforeKill.size() + " marks raised before the kill: only in its on-disk"
                        + " queue just before the kill " + queuedAtKill + ", not at the collectors when the child was gone "
                        + undeliveredAtKill);
            }
        }
        assertEquals(0, FleetRig.corruptStateFiles(state.resolve("rooms")),
                "room state files moved aside as corrupt when the rooms read them back (seed " + SEED + ")");
        assertEquals(0, FleetRig.corruptStateFiles(state.resolve("cloud")),
                "cloud state files moved aside as corrupt when the cloud read them back (seed " + SEED + ")");
    }

    /**
     * Waits until each of {@code marks} was delivered from every room or is in that room's on-disk event queue (a
     * {@code FileStore} segment, read without the store: nothing is moved); returns, per room, the marks that were on
     * disk only. Fails when a mark is in neither place within 30 s; a queue that writes nothing passes only once all was
     * delivered, which the caller then refuses (nothing was queued at the kill).
     */
    private static Map<String, Integer> awaitDeliveredOrQueued(Path state, FleetCollector.Ledger ledger, List<String> marks,
                                                               String when, java.util.function.Supplier<String> output) {
        Map<String, Integer> queued = new TreeMap<>();
        FleetRig.await("every mark delivered or in its room's on-disk event queue before the kill (" + when + ")",
                Duration.ofSeconds(30), () -> {
                    queued.clear();
                    for (int i = 0; i < ROOMS; i++) {
                        String room = Fleet.serial(i);
                        Set<String> queue = onDisk(state.resolve("rooms").resolve(room));
                        for (String mark : marks) {
                            if (ledger.hasMark(room, mark)) {
                                continue;
                            }
                            if (!queue.contains(mark)) {
                                return false;
                            }
                            queued.merge(room, 1, Integer::sum);
                        }
                    }
                    return true;
                }, () -> "not delivered and not in the room's on-disk queue: " + notDurable(state, ledger, marks) + "\n"
                        + output.get());
        return new TreeMap<>(queued);
    }

    private static List<String> notDurable(Path state, FleetCollector.Ledger ledger, List<String> marks) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < ROOMS; i++) {
            Set<String> queue = onDisk(state.resolve("rooms").resolve(Fleet.serial(i)));
            for (String mark : marks) {
                if (!ledger.hasMark(Fleet.serial(i), mark) && !queue.contains(mark)) {
                    out.add(Fleet.serial(i) + " " + mark);
                }
            }
        }
        return out;
    }

    private static final java.util.regex.Pattern MARK = java.util.regex.Pattern.compile("\"mark\":\"([^\"]+)\"");

    /**
     * The marks of the events in the room's event queue segments ({@code mgmt-events-N}: a {@code FileStore} header,
     * then one event's JSON a line), read without the store (nothing is moved aside).
     */
    private static Set<String> onDisk(Path roomState) {
        Set<String> marks = new java.util.HashSet<>();
        try (java.nio.file.DirectoryStream<Path> segments = Files.newDirectoryStream(roomState, "mgmt-events-[0-9]*")) {
            for (Path p : segments) {
                try {
                    java.util.regex.Matcher m = MARK.matcher(new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1));
                    while (m.find()) {
                        marks.add(m.group(1));
                    }
                } catch (java.nio.file.NoSuchFileException gone) {
                    // acknowledged meanwhile and deleted
                }
            }
        } catch (java.nio.file.NoSuchFileException noStateYet) {
            return marks;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return marks;
    }

    /** Per room that misses any, the marks that have not arrived. */
    private static Map<String, List<String>> missingMarks(FleetCollector.Ledger ledger, List<String> marks) {
        Map<String, List<String>> missing = new TreeMap<>();
        for (int i = 0; i < ROOMS; i++) {
            String room = Fleet.serial(i);
            List<String> m = marks.stream().filter(k -> !ledger.hasMark(room, k)).toList();
            if (!m.isEmpty()) {
                missing.put(room, m);
            }
        }
        return missing;
    }

    /** Marks per room, at most 8 shown ({@code [m2-31, m2-32, ... m2-100] (70)}). */
    private static Map<String, String> shortly(Map<String, List<String>> marks) {
        Map<String, String> out = new TreeMap<>();
        marks.forEach((room, m) -> out.put(room, m.size() <= 8 ? m.toString()
                : "[" + String.join(", ", m.subList(0, 6)) + ", ... " + m.get(m.size() - 1) + "] (" + m.size() + ")"));
        return out;
    }

    private static Map<String, Long> highest(FleetCollector.Ledger ledger) {
        Map<String, Long> h = new TreeMap<>();
        ledger.devices().forEach(d -> h.put(d, ledger.highest(d)));
        return h;
    }
}
