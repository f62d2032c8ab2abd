package io.roomwire.sim.room.fleet;

import io.roomwire.agent.config.SettingType;
import io.roomwire.core.log.LogSetup;
import io.roomwire.core.time.SystemScheduler;
import io.roomwire.sim.room.SimCloud;
import io.roomwire.sim.room.SimulatedRoom;
import io.roomwire.sim.room.broker.MosquittoBroker;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code bin/simulated-room --fleet N}: N simulated rooms (full agents) in this JVM against one
 * simulated cloud and a Mosquitto broker on loopback. Prints how many rooms are healthy as that
 * changes, each room that shows a sign-in code (a device-code sign-in), and the {@code roomwire ctl ... fleet}
 * line to look at them. With {@code --state DIR} of an earlier run, the cloud and the rooms carry on from it.
 */
public final class FleetMain {

    /** Printed after a room's id the first time its panel shows a sign-in code in this run. */
    public static final String SIGN_IN_CODE_SHOWN = " shows a sign-in code (device-code sign-in)";

    static final String USAGE = "usage: simulated-room --fleet N [--for DURATION] [--state DIR] [--spread DURATION]"
            + " [--threads N] [--broker DIR]\n"
            + "  --broker DIR  report to the Mosquitto another process runs from DIR (made by MosquittoBroker with the CA of"
            + " this state's cloud, SimCloud.ca(STATE/cloud)) instead of starting one; it outlives the fleet";

    private FleetMain() {
    }

    public static void main(String[] args) throws Exception {
        Running running;
        try {
            running = start(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        running.awaitStop();
    }

    /** A fleet started by {@link #start}: its rooms and the scheduler they share. */
    public static final class Running {
        private final Fleet fleet;
        private final SystemScheduler scheduler;
        private final Duration runFor;
        private final CountDownLatch done;

        private Running(Fleet fleet, SystemScheduler scheduler, Duration runFor, CountDownLatch done) {
            this.fleet = fleet;
            this.scheduler = scheduler;
            this.runFor = runFor;
            this.done = done;
        }

        public Fleet fleet() {
            return fleet;
        }

        public SystemScheduler scheduler() {
            return scheduler;
        }

        /** Until the process is asked to stop (its shutdown hook stops the fleet), or {@code --for} has passed. */
        public void awaitStop() throws InterruptedException {
            if (runFor.isZero()) {
                done.await();
            } else if (!done.await(runFor.toMillis(), TimeUnit.MILLISECONDS)) {
                System.exit(0);
            }
        }
    }

    /**
     * Starts the cloud, the broker (unless {@code --broker}) and the fleet {@code args} describe, printing what
     * {@code bin/simulated-room --fleet} prints; a shutdown hook stops them. Bad arguments: an
     * {@link IllegalArgumentException} saying what is wrong, with the usage.
     */
    public static Running start(String[] args) throws Exception {
        int size = 0;
        Duration runFor = Duration.ZERO;
        Duration spread = null;
        Path state = null;
        Path brokerDir = null;
        int threads = 4;
        String unknown = null;
        try {
            for (int i = 0; i < args.length && unknown == null; i++) {
                switch (args[i]) {
                    case "--fleet" -> size = Integer.parseInt(args[++i]);
                    case "--for" -> runFor = SettingType.DURATION.parse(args[++i]);
                    case "--state" -> state = Path.of(args[++i]);
                    case "--spread" -> spread = SettingType.DURATION.parse(args[++i]);
                    case "--threads" -> threads = Integer.parseInt(args[++i]);
                    case "--broker" -> brokerDir = Path.of(args[++i]);
                    default -> unknown = args[i];
                }
            }
        } catch (ArrayIndexOutOfBoundsException e) {
            throw new IllegalArgumentException(args[args.length - 1] + " needs a value\n" + USAGE, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad value (" + e.getMessage() + ")\n" + USAGE, e);
        }
        if (unknown != null) {
            throw new IllegalArgumentException("unknown option " + unknown + "\n" + USAGE);
        }
        if (size < 1) {
            throw new IllegalArgumentException(USAGE);
        }
        if (state == null) {
            state = Files.createTempDirectory("roomwire-fleet-");
        }
        // one room's sign-in takes a handful of requests: spread the fleet's start over ~20 ms a room
        Duration startSpread = spread != null ? spread : Duration.ofMillis(20L * size);
        LogSetup.configure("fleet", "warn");
        SystemScheduler scheduler = new SystemScheduler(threads);
        System.out.println(brokerDir == null ? "Starting the simulated cloud and Mosquitto on 127.0.0.1 ..."
                : "Starting the simulated cloud on 127.0.0.1 (Mosquitto: the one running from " + brokerDir + ") ...");
        SimCloud cloud = SimCloud.start(Files.createDirectories(state.resolve("cloud")), scheduler.clock(),
                Duration.ofSeconds(1));
        MosquittoBroker broker;
        try {
            broker = cloud.useBroker(brokerDir == null
                    ? MosquittoBroker.create(state.resolve("mosquitto"), cloud.pki()).start()
                    : MosquittoBroker.running(brokerDir, cloud.pki()));
        } catch (IllegalArgumentException e) {
            cloud.close();
            scheduler.close();
            throw e;
        }
        long t0 = System.nanoTime();
        Fleet fleet = Fleet.builder().size(size).dir(state.resolve("rooms")).scheduler(scheduler).cloud(cloud)
                .startSpread(startSpread).build();
        System.out.printf("Built %d rooms in %d ms; starting them over %s (state in %s); Ctrl-C to stop.%n", size,
                (System.nanoTime() - t0) / 1_000_000, startSpread, state);
        System.out.println("MQTT broker: " + broker.url() + "; look at the fleet from another terminal:");
        System.out.println("  " + broker.ctlLine(Fleet.serial(0)).replace(" --device " + Fleet.serial(0) + " status.get", "")
                .replace(" --sign-key " + broker.operatorSigningKeyFile(), "") + " fleet");
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            fleet.close();
            cloud.close(); // stops a broker it started, not one it was given with --broker
            System.out.println("Fleet stopped.");
            done.countDown();
        }, "fleet-shutdown"));
        Set<String> codeShown = ConcurrentHashMap.newKeySet();
        for (SimulatedRoom room : fleet.rooms()) {
            String id = room.agent().deviceId();
            room.panel().observe(s -> {
                if (s.kind().equals("device-code") && codeShown.add(id)) {
                    System.out.println(id + SIGN_IN_CODE_SHOWN);
                }
            });
        }
        fleet.start();
        long[] last = {-1};
        int rooms = size;
        scheduler.scheduleAtFixedRate(Duration.ofSeconds(1), Duration.ofSeconds(1), () -> {
            long healthy = fleet.healthy();
            if (healthy != last[0]) {
                last[0] = healthy;
                System.out.printf("%6.1f s  %d/%d rooms healthy  %d threads  RSS %d MB%n",
                        (System.nanoTime() - t0) / 1e9, healthy, rooms, ManagementFactory.getThreadMXBean().getThreadCount(),
                        rssBytes() / (1024 * 1024));
            }
        });
        return new Running(fleet, scheduler, runFor, done);
    }

    /** This process's resident set size from /proc (0 where there is none). */
    public static long rssBytes() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    /** Whether {@code args} ask for a fleet rather than the single room. */
    public static boolean wanted(List<String> args) {
        return args.contains("--fleet");
    }
}
