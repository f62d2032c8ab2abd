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
 * after each: every room healthy again, every room showing the Join button of the meeting on now,
 * every event delivered with no gap in any room's sequence, no corrupt state file, and (after a
 * broker restart) reconnects spread out. {@code FleetBench}
 * runs the same scenarios on a large fleet.
 */
public class FleetChaosTest {

    static final int ROOMS = 4;
    static final long SEED = Long.getLong("roomwire.chaos.seed", 18);
    /** The long broker outage: 20 s in CI, {@code -Droomwire.chaos.outage=5m} (FleetBench) for the full five minutes. */
    static final Duration OUTAGE = Duration.parse("PT" + System.getProperty("roomwire.chaos.outage", "20s").toUpperCase());
    /** The rooms' state on a tmpfs of this many MB, so the full-disk scenario can fill it (root only). */
    static final long STATE_DISK_MB = 64;
    static final boolean ROOT = FleetRig.root();
    /**
     * What Entra's access tokens live for in this fleet: short enough that each room refreshes (at 75-80% of it)
     * during the Entra outage, and expires before it ends.
     */
    static final Duration TOKEN_LIFETIME = Duration.ofSeconds(45);
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
        rig = FleetRig.start(dir, ROOMS, SEED, false, Map.of(), ROOT ? STATE_DISK_MB : 0, TOKEN_LIFETIME);
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

    /** Graph answers the next {@code count} requests with {@code status}; the storm lasts until they are all answered. */
    public static void graphStorm(FleetRig rig, int count, int status, Duration retryAfter) {
        rig.cloud.graph().failNext(count, status, Optional.of(retryAfter));
        FleetRig.await("the Graph storm answered", Duration.ofMinutes(5), () -> rig.cloud.graph().pendingFaults() == 0,
                () -> rig.cloud.graph().pendingFaults() + " failures left");
    }

    /** The site's broker is away for {@code outage}; every room keeps its events (several marks) until it is back. */
    public static void brokerOutage(FleetRig rig, Duration outage) {
        rig.site.stop();
        FleetRig.await("rooms notice the outage", Duration.ofSeconds(60), () -> rig.fleet.healthy() < rig.fleet.size(),
                () -> "still all healthy");
        for (int i = 0; i < 3; i++) {
            rig.emitMark(); // queued in each room: delivered, with no gap, once the broker is back
            FleetRig.hold(outage.dividedBy(3));
        }
        rig.site.start();
    }

    /**
     * Entra's token endpoint is down (503 to every request, however often retried) across the moment each room
     * refreshes its access token and past that token's expiry. Every room says why (entra DEGRADED, "access token
     * expired; refresh failing: ..."), keeps the Join buttons it shows and keeps reporting its events (MQTT uses the
     * device's certificate, not the token); once Entra is back each room refreshes on its own.
     */
    public static void entraOutageDuringRefresh(FleetRig rig) {
        bookDemoMeetings(rig);
        rig.cloud.entra().startOutage("token", 503);
        try {
            FleetRig.await("every room's access token expired, its refresh failing", rig.accessTokenLifetime
                    .plus(Duration.ofSeconds(60)), () -> rig.fleet.rooms().stream().allMatch(FleetChaosTest::tokenExpiredRefreshFailing),
                    () -> rig.fleet.rooms().stream().map(r -> r.agent().deviceId() + " " + r.agent().health().get("entra"))
                            .toList().toString());
            FleetRig.await("every room still shows its Join button without a token", Duration.ofSeconds(10),
                    () -> rig.fleet.rooms().stream().allMatch(FleetRig::showsDemoJoin), () -> buttonsMissing(rig));
            rig.awaitDelivered(rig.emitMark(), Duration.ofSeconds(60));
        } finally {
            rig.cloud.entra().endOutage("token");
        }
    }

    static boolean tokenExpiredRefreshFailing(SimulatedRoom room) {
        io.roomwire.core.health.Health h = room.agent().health().get("entra");
        return h != null && h.state() == io.roomwire.core.health.Health.State.DEGRADED
                && h.reason().startsWith("access token expired; refresh failing: ") && !h.reason().endsWith(": pending");
    }

    static String buttonsMissing(FleetRig rig) {
        return "no Join button for the meeting on now: " + rig.fleet.rooms().stream().filter(r -> !FleetRig.showsDemoJoin(r))
                .map(r -> r.agent().deviceId() + " " + r.panel().current()).toList();
    }

    /** Puts every room in a call to the demo meeting (booked for each room if its panel has no Join button). */
    public static void joinAll(FleetRig rig, List<SimulatedRoom> rooms) {
        bookDemoMeetings(rig);
        for (SimulatedRoom r : rooms) {
            r.panel().press(joinButton(r).orElseThrow(() -> new AssertionError(r.agent().deviceId() + " has no Join button")));
        }
        FleetRig.await("every room in a call", Duration.ofSeconds(90), () -> rooms.stream()
                .allMatch(r -> r.agent().status().activity().startsWith("in a call")), () -> rooms.stream()
                .map(r -> r.agent().deviceId() + ": " + r.agent().status().activity()).toList().toString());
    }

    /**
     * The CVI gateway disappears while every room is in a call (no BYE, media stops): each room raises its no-media
     * alarm (sip DEGRADED, sip.no-media-window) and stays in the call, as the agent is built to; the people in the
     * room hang up (the BYE finds no gateway), the room shows its Join button again, and calls once the gateway is
     * back.
     */
    public static void gatewayLossDuringCalls(FleetRig rig) {
        gatewayLossDuringCalls(rig, rig.fleet.size());
    }

    /** As above with the first {@code inCall} rooms in a call (a bench's fleet is too large for all to carry media). */
    public static void gatewayLossDuringCalls(FleetRig rig, int inCall) {
        List<SimulatedRoom> callers = rig.fleet.rooms().subList(0, Math.min(inCall, rig.fleet.size()));
        joinAll(rig, callers);
        rig.cloud.gateway().stop();
        FleetRig.await("every room in a call raises its no-media alarm", Duration.ofSeconds(90),
                () -> callers.stream().noneMatch(r -> r.agent().allUp()), rig::unhealthy);
        hangUpAll(rig, callers);
        FleetRig.await("every room shows its Join button again", Duration.ofSeconds(30),
                () -> callers.stream().allMatch(FleetRig::showsDemoJoin), rig::unhealthy);
        try {
            rig.cloud.gateway().start();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        joinAll(rig, callers); // the buttons work: every room calls again
        hangUpAll(rig, callers);
    }

    /** Presses hang-up on every room's call screen and waits for every room to be out of its call. */
    static void hangUpAll(FleetRig rig, List<SimulatedRoom> rooms) {
        for (SimulatedRoom r : rooms) {
            r.panel().current().filter(sc -> sc.kind().equals("call")).ifPresent(sc -> r.panel().press("call.hangup"));
        }
        FleetRig.await("every room out of its call", Duration.ofSeconds(60), () -> rooms.stream()
                .noneMatch(r -> r.agent().status().activity().startsWith("in a call")), () -> rooms.stream()
                .map(r -> r.agent().deviceId() + ": " + r.agent().status().activity()).toList().toString());
    }

    /**
     * The rooms' state file system fills up: rooms keep working from memory (a calendar change is synced and shown
     * though its cache cannot be written), nothing stored is torn, and after space is freed every room is healthy.
     */
    public static void stateDiskFull(FleetRig rig) {
        bookDemoMeetings(rig);
        Path filler;
        try {
            filler = rig.fillStateDisk();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        try {
            for (int i = 0; i < rig.fleet.size(); i++) {
                rig.cloud.bookMeetingNow(Fleet.roomNumber(i), ZoneOffset.UTC); // a change each room must write
            }
            FleetRig.Run sync = rig.ctl("--sign-key", rig.ops.operatorSigningKeyFile().toString(), "--timeout", "60s", "fleet",
                "--send", "calendar.sync", "--wave", "100", "--in-flight", "50");
            assertEquals(0, sync.code(), sync::toString);
            rig.emitMark();
            FleetRig.hold(Duration.ofSeconds(5));
            assertEquals(0, rig.corruptStateFiles(), "corrupt state files while the disk is full");
        } finally {
            try {
                java.nio.file.Files.deleteIfExists(filler);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    /** Books the demo meeting on now for every room whose panel has no Join button, and waits for the buttons. */
    public static void bookDemoMeetings(FleetRig rig) {
        if (rig.fleet.rooms().stream().allMatch(FleetRig::showsDemoJoin)) {
            return;
        }
        for (int i = 0; i < rig.fleet.size(); i++) {
            rig.cloud.bookMeetingNow(Fleet.roomNumber(i), ZoneOffset.UTC);
        }
        FleetRig.Run sync = rig.ctl("--sign-key", rig.ops.operatorSigningKeyFile().toString(), "--timeout", "60s", "fleet",
                "--send", "calendar.sync", "--wave", "100", "--in-flight", "50");
        assertEquals(0, sync.code(), sync::toString);
        FleetRig.await("every room shows the meeting on now", Duration.ofSeconds(60),
                () -> rig.fleet.rooms().stream().allMatch(FleetRig::showsDemoJoin), rig::unhealthy);
    }

    /** How soon after a clock step every room is healthy and shows the buttons of its new time (the step watch runs every 5 s). */
    public static final Duration CLOCK_RECOVERY = Duration.ofSeconds(30);

    /**
     * Steps the rooms' wall clock by {@code by} and back. A meeting on now (booked for every room) must lose its
     * Join button while the rooms' time is an hour off (over an hour ago, or starting in an hour) and get it back
     * after; every room must stay or come back healthy within {@code bound} each time.
     */
    public static void clockJump(FleetRig rig, Duration by, Duration bound) {
        bookDemoMeetings(rig);
        rig.clock.jump(by);
        FleetRig.await("every room healthy, and no Join button for a meeting an hour off, after the step by " + by, bound,
                () -> rig.fleet.healthy() == rig.fleet.size() && rig.fleet.rooms().stream().noneMatch(FleetRig::showsDemoJoin),
                () -> rig.unhealthy() + rig.fleet.rooms().stream().filter(FleetRig::showsDemoJoin).map(r -> r.agent().deviceId()).toList());
        rig.clock.jump(by.negated());
        FleetRig.await("every room healthy with its Join button back after the step back", bound,
                () -> rig.fleet.healthy() == rig.fleet.size() && rig.fleet.rooms().stream().allMatch(FleetRig::showsDemoJoin),
                () -> rig.unhealthy() + rig.fleet.rooms().stream().filter(r -> !FleetRig.showsDemoJoin(r)).map(r -> r.agent().deviceId()).toList());
    }

    static Optional<String> joinButton(SimulatedRoom room) {
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
        faults.put("graph 503 storm", () -> graphStorm(rig, 40, 503, Duration.ofSeconds(1)));
        faults.put("graph 429 storm", () -> graphStorm(rig, 40, 429, Duration.ofSeconds(2)));
        // two failed check-ins a room: a room backs off between check-ins, so 20 (5 a room) outlasted the 2-minute bound
        faults.put("mdm 503", () -> rig.cloud.mdm().failNext(SimMdm.Endpoint.MANAGEMENT, 503, 2 * ROOMS, Optional.empty()));
        faults.put("entra outage during token refresh", () -> entraOutageDuringRefresh(rig));
        faults.put("broker outage " + OUTAGE.toSeconds() + " s", () -> brokerOutage(rig, OUTAGE));
        faults.put("gateway loss during calls", () -> gatewayLossDuringCalls(rig));
        if (ROOT) {
            faults.put("state disk full", () -> stateDiskFull(rig));
        } else {
            System.err.println("state disk full: not run (mounting the small tmpfs needs root)");
        }
        faults.put("clock +1 h and back", () -> clockJump(rig, Duration.ofHours(1), CLOCK_RECOVERY));
        faults.put("clock -1 h and back", () -> clockJump(rig, Duration.ofHours(-1), CLOCK_RECOVERY));
        List<String> order = new ArrayList<>(faults.keySet());
        Collections.shuffle(order, new Random(SEED));
        for (String name : order) {
            bookDemoMeetings(rig); // a meeting on now (30 minutes) in every room, each fault's buttons to keep right
            Instant from = Instant.now();
            faults.get(name).run();
            rig.awaitHealthy(Duration.ofMinutes(2));
            FleetRig.await("every room shows the Join button of the meeting on now after " + name, Duration.ofSeconds(60),
                    () -> rig.fleet.rooms().stream().allMatch(FleetRig::showsDemoJoin), () -> buttonsMissing(rig));
            String mark = rig.emitMark();
            rig.awaitDelivered(mark, Duration.ofMinutes(1));
            String where = name + " (seed " + SEED + ", order " + order + ")";
            assertEquals(Map.of(), rig.ledger.gaps(), "events lost after " + where);
            assertEquals(0, rig.corruptStateFiles(), "corrupt state files after " + where);
            if (name.startsWith("broker")) {
                int worst = rig.site.connectionsPerSecond(from, "RW-FLEET-").values().stream().mapToInt(Integer::intValue).max().orElse(0);
                assertTrue(worst <= connectBound(ROOMS, FleetRig.RECONNECT_SPREAD),
                        worst + " connections in one second after " + where + ": " + rig.site.connectionsPerSecond(from, "RW-FLEET-"));
            }
        }
    }
}
