package io.roomwire.agent.mgmt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.roomwire.agent.mgmt.ctl.MgmtCtl;
import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.time.SystemScheduler;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.sim.cloud.SimPki;
import io.roomwire.updater.Rollout;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code roomwire ctl rollout} through Mosquitto (mutual TLS, the ACL) against rooms whose management service is
 * the agent's: each answers the signed {@code update.apply} as {@code AgentUpdates} does (progress, the installed
 * reply, {@code update.installed}) and then reports its trial on its event topic as the agent in the new or the old
 * slot would: {@code update.committed}, {@code update.rolled_back} with the launcher's reason, or nothing. The
 * rollout's bounds run on a virtual clock the test moves.
 */
class RolloutCtlTest {

    static final String URL = "https://updates.example/roomwire-2.0.0.rwu";
    static final String SHA = "ab".repeat(32);

    @TempDir
    static Path dir;
    static SimPki pki;
    static MosquittoBroker broker;
    static SystemScheduler net;
    static List<PublicKey> keys;
    static List<String> common;

    final List<Room> rooms = new ArrayList<>();
    final VirtualScheduler ctlTime = new VirtualScheduler(Instant.now());

    @BeforeAll
    static void start() throws Exception {
        pki = new SimPki("rollout");
        broker = new MosquittoBroker(dir.resolve("broker"), pki).start();
        net = new SystemScheduler(2);
        KeyPair signing = SimPki.ecKeyPair();
        SimPki.writePem(dir.resolve("op-sign.key"), TestPem.key(signing.getPrivate()), true);
        keys = OperatorSignatures.parseKeys(SimPki.pem(signing.getPublic()), "op-sign.pub");
        SimPki.Issued op = pki.issueClient("operator", Duration.ofDays(1));
        SimPki.writePem(dir.resolve("op.pem"), op.certificatePem(), false);
        SimPki.writePem(dir.resolve("op.key"), TestPem.key(op), true);
        common = List.of("--broker", broker.url(), "--cafile", broker.caFile().toString(), "--cert", dir.resolve("op.pem").toString(),
                "--key", dir.resolve("op.key").toString(), "--sign-key", dir.resolve("op-sign.key").toString());
    }

    @AfterAll
    static void stop() {
        broker.close();
        net.close();
    }

    @AfterEach
    void closeRooms() throws Exception {
        for (Room r : rooms) {
            r.device.close();
        }
    }

    /** How a room's trial ends, as its agent reports it (docs/updates.md). */
    enum Trial { COMMITS, ROLLS_BACK, NEVER_REPORTS }

    /** Rooms whose commit waits until every room of their wave has the command: tried one by one, none would commit. */
    final class Waves {
        private final Map<String, List<String>> waveOf = new ConcurrentHashMap<>();
        private final Set<String> asked = ConcurrentHashMap.newKeySet();

        Waves(List<String> ids, int canary) {
            Rollout.waves(ids, canary).forEach(w -> w.forEach(id -> waveOf.put(id, w)));
        }

        synchronized void asked(String id) {
            asked.add(id);
            List<String> wave = waveOf.get(id);
            if (asked.containsAll(wave)) {
                rooms.stream().filter(r -> wave.contains(r.id) && r.trial == Trial.COMMITS).forEach(Room::commit);
            }
        }
    }

    /** A room: the agent's management service on its own connection, answering update.apply as AgentUpdates does. */
    final class Room {
        final String id;
        final Trial trial;
        final MgmtFixture.Device device;
        final VirtualScheduler clock = new VirtualScheduler(Instant.now()); // real now: the CLI signs with the system clock
        final List<JsonObject> commands = new CopyOnWriteArrayList<>();

        Room(String id, Trial trial, Waves waves) throws Exception {
            this.id = id;
            this.trial = trial;
            device = new MgmtFixture.Device(id, broker, pki, pki.issueClient(id, Duration.ofDays(1)), net, clock,
                    dir.resolve("state-" + id), "mqtt.command-rate = 100\n", keys, null, Duration.ZERO);
            device.service.commands().register("update.apply", "install a bundle, restart into it on trial",
                    CommandRegistry.Access.CHANGE, true, req -> {
                        commands.add(req.args());
                        emit("update.progress", "phase", "download", "percent", 0);
                        JsonObject installed = new JsonObject();
                        installed.addProperty("state", "installed");
                        installed.addProperty("version", "2.0.0");
                        installed.addProperty("slot", "b");
                        emit("update.installed", "version", "2.0.0", "slot", "b");
                        switch (trial) {
                            case ROLLS_BACK -> emit("update.rolled_back", "version", "2.0.0", "reason",
                                    "health check failed: sip DOWN", "slot", "a");
                            // an old commit (of another version) says nothing about this update
                            case NEVER_REPORTS -> emit("update.committed", "version", "1.9.0", "slot", "a");
                            case COMMITS -> { } // once its wave has the command (Waves)
                        }
                        waves.asked(id);
                        return CompletableFuture.completedFuture(installed);
                    });
            device.start();
            rooms.add(this);
        }

        void commit() {
            emit("update.committed", "version", "2.0.0", "slot", "b");
        }

        private void emit(String type, Object... attributes) {
            device.service.events().emit(DeviceEvent.of(type, Instant.now(), attributes));
            clock.advance(Duration.ZERO); // the service writes its queue on its scheduler, then sends what is written
        }
    }

    record Run(int code, String out, String err) { }

    /** The CLI on its own thread (its bounds run on ctlTime); {@code out} fills as it goes. */
    CompletableFuture<Run> rollout(ByteArrayOutputStream out, String... words) {
        List<String> args = new ArrayList<>(common);
        args.addAll(List.of(words));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        return CompletableFuture.supplyAsync(() -> {
            int code = new MgmtCtl(ctlTime).run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        });
    }

    static Run await(CompletableFuture<Run> run) throws Exception {
        return run.get(60, TimeUnit.SECONDS);
    }

    List<Room> rooms(String prefix, List<Trial> trials, int canary) throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < trials.size(); i++) {
            ids.add(prefix + "-" + i);
        }
        Waves waves = new Waves(ids, canary);
        List<Room> made = new ArrayList<>();
        for (int i = 0; i < trials.size(); i++) {
            made.add(new Room(ids.get(i), trials.get(i), waves));
        }
        return made;
    }

    static String ids(List<Room> rooms) {
        return String.join(",", rooms.stream().map(r -> r.id).toList());
    }

    @Test
    void everyRoomCommitsWaveAfterWaveEachWaveInFlightTogether() throws Exception {
        List<Room> fleet = rooms("RW-OK", List.of(Trial.COMMITS, Trial.COMMITS, Trial.COMMITS, Trial.COMMITS, Trial.COMMITS), 20);
        Run r = await(rollout(new ByteArrayOutputStream(), "rollout", "--devices", ids(fleet), "--canary", "20",
                "url=" + URL, "sha256=" + SHA));
        assertEquals(0, r.code(), r::toString);
        for (Room room : fleet) {
            assertTrue(r.out().contains(room.id + ": committed 2.0.0 in slot b"), r.out());
            assertEquals(1, room.commands.size());
            assertEquals(URL, room.commands.get(0).get("url").getAsString(), "the signed arguments reach the room");
            assertEquals(SHA, room.commands.get(0).get("sha256").getAsString());
        }
        assertTrue(r.out().contains("rollout: 5 committed, 0 failed, 0 not tried"), r.out());
    }

    @Test
    void aRollbackInTheCanaryWaveStopsTheRolloutWithTheLaunchersReasonAndLeavesTheRestUntouched() throws Exception {
        List<Room> fleet = rooms("RW-RB", List.of(Trial.COMMITS, Trial.ROLLS_BACK, Trial.COMMITS, Trial.COMMITS, Trial.COMMITS,
                Trial.COMMITS), 34);
        Run r = await(rollout(new ByteArrayOutputStream(), "rollout", "--devices", ids(fleet), "--canary", "34",
                "--max-failure", "0.2", "url=" + URL, "sha256=" + SHA));
        assertEquals(1, r.code(), r::toString);
        assertTrue(r.out().contains("RW-RB-0: committed 2.0.0 in slot b"), r.out());
        assertTrue(r.out().contains("RW-RB-1: rolled back (health check failed: sip DOWN)"), r.out());
        assertTrue(r.out().contains("rollout: 1 committed, 1 failed, 4 not tried; stopped: wave 1 of 2 failed on 1 of 2 devices"
                + " (50% > 20%)"), r.out());
        for (Room later : fleet.subList(2, 6)) {
            assertEquals(List.of(), later.commands, later.id + " is not in the canary wave");
        }
    }

    @Test
    void aRoomThatNeverReportsFailsAtTheCommitBoundAndOneThatNeverAnswersAtTheReplyBound() throws Exception {
        List<Room> fleet = rooms("RW-NR", List.of(Trial.COMMITS, Trial.NEVER_REPORTS, Trial.COMMITS), 100);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CompletableFuture<Run> run = rollout(out, "rollout", "--devices", ids(fleet) + ",RW-NR-offline", "--canary", "100",
                "--max-failure", "0.5", "--commit-timeout", "15m", "url=" + URL, "sha256=" + SHA);
        Await.until("the two commits and the silent room's install", Duration.ofSeconds(30), () -> {
            String said = out.toString(StandardCharsets.UTF_8);
            return said.contains("RW-NR-0: committed") && said.contains("RW-NR-2: committed")
                    && said.contains("RW-NR-1: installed 2.0.0 in slot b; waiting for its trial to commit");
        });
        ctlTime.advance(Duration.ofSeconds(10)); // --timeout: the room with no agent has said nothing
        Await.until("the offline room failed", Duration.ofSeconds(10),
                () -> out.toString(StandardCharsets.UTF_8).contains("RW-NR-offline: no reply within 10 s"));
        org.junit.jupiter.api.Assertions.assertFalse(run.isDone(), "the silent room still has time: " + out.toString(StandardCharsets.UTF_8));
        ctlTime.advance(Duration.ofMinutes(15));
        Run r = await(run);
        assertEquals(1, r.code(), r::toString);
        assertTrue(r.out().contains("RW-NR-1: no update.committed within 15 min (installed 2.0.0; still on trial, or its restart"
                + " waits for the room)"), r.out());
        assertTrue(r.out().contains("rollout: 2 committed, 2 failed, 0 not tried"), "2 of 4 is not above 0.5: " + r.out());
    }

    @Test
    void badRolloutLinesExitTwoWithTheReason() throws Exception {
        for (List<String> bad : List.of(
                List.of("rollout", "--devices", "a,b", "--canary", "0", "url=" + URL, "sha256=" + SHA),
                List.of("rollout", "--devices", "a,b", "--max-failure", "20%", "url=" + URL, "sha256=" + SHA),
                List.of("rollout", "--devices", "a,,b", "url=" + URL, "sha256=" + SHA),
                List.of("rollout", "--devices", "a,b,a", "url=" + URL, "sha256=" + SHA),
                List.of("rollout", "--devices", "a,b", "url=" + URL),
                List.of("rollout", "--devices", "a", "--commit-timeout", "soon", "url=" + URL, "sha256=" + SHA),
                List.of("--device", "a", "--commit-timeout", "5m", "status.get"))) {
            Run r = await(rollout(new ByteArrayOutputStream(), bad.toArray(String[]::new)));
            assertEquals(2, r.code(), bad + ": " + r);
            assertTrue(r.err().lines().findFirst().orElse("").startsWith("roomwire ctl: "), r.err());
        }
        Run r = await(rollout(new ByteArrayOutputStream(), "rollout", "--devices", "a", "--max-failure", "20%", "url=" + URL,
                "sha256=" + SHA));
        assertTrue(r.err().contains("--max-failure is a share of a wave's rooms, 0..1 (0.2 is 20%), not '20%'"), r.err());
    }
}
