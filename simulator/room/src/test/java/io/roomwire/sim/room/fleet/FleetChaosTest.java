package io.roomwire.sim.room.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import io.roomwire.hal.PanelButton;
import io.roomwire.sim.cloud.mdm.SimMdm;
import io.roomwire.sim.room.SimCloud;
import io.roomwire.sim.room.SimulatedRoom;
import java.time.ZoneOffset;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chaos suite, small enough for CI: a fleet of rooms in one JVM against the simulated cloud and
 * Mosquitto, faults applied in a seeded order ({@code -Droomwire.chaos.seed=N} replays one), and
 * after each: every room healthy again, every event delivered with no gap in any room's sequence,
 * no corrupt state file, and (after a broker restart) reconnects spread out. {@code FleetBench}
 * runs the same scenarios on a large fleet.
 */
class FleetChaosTest {

    static final int ROOMS = 4;
    static final long SEED = Long.getLong("roomwire.chaos.seed", 18);
    /**
     * Documented bound (docs/fleet.md): after a broker restart rooms reconnect at about N / mqtt.reconnect-spread
     * a second; no second may see more than three times that (and at least 3, for a fleet this small).
     */
    static long connectBound(int rooms, Duration spread) {
        return Math.max(3, (long) Math.ceil(3.0 * rooms / spread.toSeconds()));
    }

    @TempDir
    static Path dir;
    static FleetRig rig;

    @BeforeAll
    static void start() throws Exception {
        rig = FleetRig.start(dir, ROOMS, SEED, false);
        rig.awaitHealthy(Duration.ofMinutes(3));
    }

    @AfterAll
    static void stop() {
        if (rig != null) {
            rig.close();
        }
    }

    @Test
    void ctlFleetListsEveryRoomAndACommandReachesThemAllInWaves() {
        String mark = rig.emitMark();
        rig.awaitDelivered(mark, Duration.ofSeconds(60));
        // the retained status follows a health change within the health watch (2 s)
        FleetRig.await("ctl fleet shows every room healthy", Duration.ofSeconds(30),
                () -> rig.ctl("fleet").out().contains(ROOMS + " devices, " + ROOMS + " healthy"), () -> rig.ctl("fleet").toString());
        FleetRig.Run list = rig.ctl("fleet");
        assertEquals(0, list.code(), list::toString);
        FleetRig.Run send = rig.ctl("--timeout", "30s", "fleet", "--health", "healthy", "--send", "status.get",
                "--wave", "3", "--in-flight", "2");
        assertEquals(0, send.code(), send::toString);
        assertTrue(send.out().contains(ROOMS + " sent, " + ROOMS + " ok"), send.out());
        assertTrue(rig.collectors.stream().allMatch(c -> c.received() > 0),
                "both collectors of the shared group got a share of the messages");
        assertEquals(Map.of(), rig.ledger.gaps());
    }

    @Test
    void ctlFleetShowsTheCallStateStatusGetReports() {
        SimulatedRoom room = rig.fleet.rooms().get(0);
        String id = room.agent().deviceId();
        rig.cloud.bookMeetingNow(Fleet.roomNumber(0), ZoneOffset.UTC);
        room.agent().events().emit(io.roomwire.core.event.DeviceEvent.of("fleet.mark", rig.scheduler.now(), "mark", "book"));
        rig.ctl("--timeout", "30s", "--device", id, "calendar.sync");
        FleetRig.await("a Join button", Duration.ofSeconds(60), () -> joinButton(room).isPresent(),
                () -> room.panel().current().toString());
        room.panel().press(joinButton(room).orElseThrow());
        try {
            FleetRig.await("the call connected", Duration.ofSeconds(60), () -> room.agent().status().activity()
                    .startsWith("in a call"), () -> room.view());
            FleetRig.Run get = rig.ctl("--device", id, "status.get", "--json");
            String state = JsonParser.parseString(get.out()).getAsJsonObject().getAsJsonObject("result")
                    .getAsJsonObject("call").get("state").getAsString();
            assertEquals("connected", state, get.out());
            FleetRig.await("ctl fleet shows the call", Duration.ofSeconds(10), () -> rig.ctl("fleet").out().lines()
                    .anyMatch(l -> l.startsWith(id) && l.contains(" " + state + " ")), () -> rig.ctl("fleet").out());
        } finally {
            room.panel().current().filter(s -> s.kind().equals("call")).ifPresent(s -> room.panel().press("call.hangup"));
        }
        FleetRig.await("ctl fleet shows the room idle again", Duration.ofSeconds(30), () -> rig.ctl("fleet").out().lines()
                .anyMatch(l -> l.startsWith(id) && l.contains(" idle ")), () -> rig.ctl("fleet").out());
    }

    private static Optional<String> joinButton(SimulatedRoom room) {
        return room.panel().current().filter(s -> s.kind().equals("home")).flatMap(s -> s.buttons().stream()
                .filter(b -> b.detail().contains(SimCloud.DEMO_SUBJECT)).map(PanelButton::id).findFirst());
    }

    @Test
    void everyRoomRecoversFromEachFaultWithNothingLostAndNoCorruptState() {
        Map<String, Runnable> faults = new TreeMap<>();
        faults.put("broker restart", () -> {
            rig.site.stop();
            rig.emitMark(); // events raised while the broker is away wait in each room's queue
            FleetRig.await("rooms notice the outage", Duration.ofSeconds(60),
                    () -> rig.fleet.healthy() < ROOMS, () -> "still all healthy");
            rig.site.start();
        });
        faults.put("graph 503 storm", () -> rig.cloud.graph().failNext(40, 503, Optional.of(Duration.ofSeconds(1))));
        faults.put("graph 429 storm", () -> rig.cloud.graph().failNext(40, 429, Optional.of(Duration.ofSeconds(2))));
        faults.put("mdm 503", () -> rig.cloud.mdm().failNext(SimMdm.Endpoint.MANAGEMENT, 503, 20, Optional.empty()));
        faults.put("entra token 503", () -> rig.cloud.entra().injectFailures("token", 503, Optional.empty(), 20));
        List<String> order = new ArrayList<>(faults.keySet());
        Collections.shuffle(order, new Random(SEED));
        for (String name : order) {
            Instant from = Instant.now();
            faults.get(name).run();
            rig.awaitHealthy(Duration.ofMinutes(2));
            String mark = rig.emitMark();
            rig.awaitDelivered(mark, Duration.ofMinutes(1));
            String where = name + " (seed " + SEED + ", order " + order + ")";
            assertEquals(Map.of(), rig.ledger.gaps(), "events lost after " + where);
            assertEquals(0, rig.corruptStateFiles(), "corrupt state files after " + where);
            if (name.equals("broker restart")) {
                int worst = rig.site.connectionsPerSecond(from, "RW-FLEET-").values().stream().mapToInt(Integer::intValue).max().orElse(0);
                assertTrue(worst <= connectBound(ROOMS, FleetRig.RECONNECT_SPREAD),
                        worst + " connections in one second after " + where + ": " + rig.site.connectionsPerSecond(from, "RW-FLEET-"));
            }
        }
    }
}
