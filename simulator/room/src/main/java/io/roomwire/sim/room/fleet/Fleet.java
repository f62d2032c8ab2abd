package io.roomwire.sim.room.fleet;

import io.roomwire.agent.config.ConfigException;
import io.roomwire.core.log.LogContext;
import io.roomwire.core.time.Scheduler;
import io.roomwire.sim.room.SimCloud;
import io.roomwire.sim.room.SimulatedRoom;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

/**
 * N full agents in one JVM against one simulated cloud: each room has its own identity (serial,
 * room account, SIP user and certificate, MQTT client certificate), state directory, MQTT session,
 * mailbox in the simulated Graph and MDM enrollment, and its own SIP stack. The rooms share the
 * scheduler they are given (one pool of threads for every room's timers) and the cloud's services.
 */
public final class Fleet implements AutoCloseable {

    private final List<SimulatedRoom> rooms;
    private final Scheduler scheduler;
    private final Duration startSpread;
    private final long seed;

    private Fleet(List<SimulatedRoom> rooms, Scheduler scheduler, Duration startSpread, long seed) {
        this.rooms = rooms;
        this.scheduler = scheduler;
        this.startSpread = startSpread;
        this.seed = seed;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The device id of fleet room {@code i} (0-based): {@code RW-FLEET-00001} ... */
    public static String serial(int i) {
        return String.format("RW-FLEET-%05d", i + 1);
    }

    /** The room number of fleet room {@code i}: its account is {@code room<number>@contoso.example}. */
    public static String roomNumber(int i) {
        return Integer.toString(10_001 + i);
    }

    /**
     * Starts every room; with a start spread each room starts at a seeded random moment within it
     * (a site powering up does not connect every room in the same millisecond).
     */
    public void start() {
        if (startSpread.isZero()) {
            rooms.forEach(Fleet::start);
            return;
        }
        Random r = new Random(seed);
        for (SimulatedRoom room : rooms) {
            scheduler.schedule(Duration.ofMillis((long) (r.nextDouble() * startSpread.toMillis())), () -> start(room));
        }
    }

    /** Threads the room creates while it starts (MQTT, SIP, HTTP clients) inherit its id for their log lines. */
    private static void start(SimulatedRoom room) {
        LogContext.run(room.agent().deviceId(), room::start);
    }

    public List<SimulatedRoom> rooms() {
        return rooms;
    }

    public int size() {
        return rooms.size();
    }

    /** Rooms whose every service is UP. */
    public long healthy() {
        return rooms.stream().filter(r -> r.agent().allUp()).count();
    }

    /** Stops every room, several at a time (each waits for its services within agent.stop-timeout). */
    @Override
    public void close() {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(16, rooms.size())), r -> {
            Thread t = new Thread(r, "fleet-stop");
            t.setDaemon(true);
            return t;
        });
        rooms.forEach(room -> pool.execute(() -> {
            try {
                room.close();
            } catch (RuntimeException e) {
                Logger.warn(e, "Room {} did not stop cleanly: {}", room.agent().deviceId(), e.toString());
            }
        }));
        pool.shutdown();
        try {
            if (!pool.awaitTermination(2, TimeUnit.MINUTES)) {
                Logger.warn("Some fleet rooms did not stop within 2 minutes");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static final class Builder {
        private int size = 10;
        private Path dir;
        private Scheduler scheduler;
        private SimCloud cloud;
        private Duration startSpread = Duration.ZERO;
        private long seed = 1;
        private final Map<String, String> overrides = new LinkedHashMap<>();

        public Builder size(int n) { this.size = n; return this; }
        /** Where each room's state directory goes ({@code dir/<serial>}). */
        public Builder dir(Path d) { this.dir = d; return this; }
        /** The one scheduler every room's timers run on. */
        public Builder scheduler(Scheduler s) { this.scheduler = s; return this; }
        /** The cloud (and broker, if it has one) every room talks to. */
        public Builder cloud(SimCloud c) { this.cloud = c; return this; }
        public Builder startSpread(Duration d) { this.startSpread = d; return this; }
        public Builder seed(long s) { this.seed = s; return this; }
        /** An agent setting for every room. */
        public Builder set(String key, String value) { overrides.put(key, value); return this; }

        public Fleet build() throws ConfigException {
            Objects.requireNonNull(dir, "dir");
            Objects.requireNonNull(scheduler, "scheduler");
            Objects.requireNonNull(cloud, "cloud");
            List<SimulatedRoom> rooms = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                String serial = serial(i);
                SimulatedRoom.Builder b = SimulatedRoom.builder().scheduler(scheduler).cloud(cloud)
                        .stateDir(dir.resolve(serial)).serial(serial).roomNumber(roomNumber(i))
                        .roomName("Room " + roomNumber(i)).mac(String.format("02:00:5e:%02x:%02x:%02x",
                                (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff))
                        .adminApprovesFromPanel()
                        // no browser looks at a fleet room's panel: no web server per room
                        .set("panel.http-enabled", "false");
                overrides.forEach(b::set);
                // every room's timers run on the one scheduler, each task logging as its room (LogContext)
                b.scheduler(LogContext.tag(scheduler, serial));
                SimulatedRoom[] built = new SimulatedRoom[1];
                ConfigException[] failed = new ConfigException[1];
                LogContext.run(serial, () -> {
                    try {
                        built[0] = b.build();
                    } catch (ConfigException e) {
                        failed[0] = e;
                    }
                });
                if (failed[0] != null) {
                    throw failed[0];
                }
                rooms.add(built[0]);
            }
            return new Fleet(List.copyOf(rooms), scheduler, startSpread, seed);
        }
    }
}
