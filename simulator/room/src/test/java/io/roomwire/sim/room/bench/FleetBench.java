package io.roomwire.sim.room.bench;

import io.roomwire.agent.mgmt.MqttTransportOptions;
import io.roomwire.agent.mgmt.TlsMaterial;
import io.roomwire.agent.mgmt.paho.PahoMqttTransport;
import io.roomwire.core.log.LogSetup;
import io.roomwire.sim.cloud.mdm.SimMdm;
import io.roomwire.sim.room.fleet.FleetChaosTest;
import io.roomwire.sim.room.fleet.FleetMain;
import io.roomwire.sim.room.fleet.FleetRig;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fleet's figures: N rooms (full agents) in this JVM against the simulated cloud and Mosquitto,
 * two shared-subscription collectors. Cold start to all healthy, memory and threads per room, idle
 * CPU per room, {@code ctl fleet} over the whole fleet, a command fanned out to every room, message
 * rates at the broker, broker restart to all online, and each chaos scenario's recovery time with
 * lost events and corrupt files. {@code FleetBench [--rooms N] [--idle SECONDS]} (default 100 rooms, 30 s).
 */
public final class FleetBench {

    /**
     * Entra's access tokens in the bench live 5 minutes ({@code --token-seconds}), so the Entra outage meets every
     * room's refresh (see FleetChaosTest).
     */
    static final Duration TOKEN_LIFETIME = Duration.ofMinutes(5);

    private FleetBench() {
    }

    public static void main(String[] args) throws Exception {
        int rooms = 100;
        int idleSeconds = 30;
        Duration outage = Duration.ofMinutes(5);
        boolean chaos = true;
        java.util.Set<String> only = java.util.Set.of();
        Duration tokenLifetime = TOKEN_LIFETIME;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rooms" -> rooms = Integer.parseInt(args[++i]);
                case "--idle" -> idleSeconds = Integer.parseInt(args[++i]);
                case "--outage" -> outage = Duration.ofSeconds(Long.parseLong(args[++i]));
                case "--no-chaos" -> chaos = false;
                case "--only" -> only = java.util.Set.of(args[++i].split(","));
                case "--token-seconds" -> tokenLifetime = Duration.ofSeconds(Long.parseLong(args[++i]));
                default -> throw new IllegalArgumentException("usage: FleetBench [--rooms N] [--idle SECONDS] [--outage SECONDS] [--token-seconds S]"
                        + " [--no-chaos | --only restart,outage,graph,mdm,entra,clock,gateway,disk]");
            }
        }
        LogSetup.configure("fleet-bench", "error");
        Path dir = Files.createTempDirectory("roomwire-fleet-bench-");
        long rss0 = FleetMain.rssBytes();
        int threads0 = ManagementFactory.getThreadMXBean().getThreadCount();
        long t0 = System.nanoTime();
        Map<String, String> rows = new LinkedHashMap<>();
        // the rooms' state on a tmpfs of its own when root, for the full-disk scenario (~1 MB a room, and room to spare)
        long stateDiskMb = chaos && FleetRig.root() ? Math.max(64, rooms * 2L) : 0;
        try (FleetRig rig = FleetRig.start(dir, rooms, 18, false, Map.of(), stateDiskMb,
                tokenLifetime)) {
            Duration bound = Duration.ofMinutes(Long.getLong("roomwire.fleet.start-minutes", Math.max(5, rooms / 30)));
            long[] lastCount = {-1};
            int fleetSize = rooms;
            try {
                FleetRig.await("every room healthy", bound, () -> {
                    long h = rig.fleet.healthy();
                    if (h != lastCount[0]) {
                        lastCount[0] = h;
                        System.err.printf("%6.1f s  %d/%d healthy%n", (System.nanoTime() - t0) / 1e9, h, fleetSize);
                    }
                    return h == fleetSize;
                }, rig::unhealthy);
                double coldStart = (System.nanoTime() - t0) / 1e9;
                row(rows, "rooms in one JVM (all healthy)", rooms + "", ">= 1,000");
                row(rows, "cold start to all healthy (" + rooms + " rooms, starts spread over " + rooms / 10 + " s)",
                        String.format("%.1f s", coldStart), "");
            } catch (AssertionError slow) {
                row(rows, "rooms in one JVM (healthy at the bound)", rig.fleet.healthy() + " of " + rooms + " after " + bound.toMinutes()
                        + " min", ">= 1,000");
                chaos = false;
            }
            // idle: let start-up garbage go, then measure
            settle(Duration.ofSeconds(5));
            System.gc();
            long rss = FleetMain.rssBytes();
            int threads = ManagementFactory.getThreadMXBean().getThreadCount();
            row(rows, "RSS per room", String.format("%.1f MB (process %d MB)", (rss - rss0) / 1048576.0 / rooms,
                    rss / 1048576), "");
            row(rows, "threads per room", String.format("%.1f (process %d)", (threads - threads0) / (double) rooms, threads), "");
            AtomicLong telemetry = new AtomicLong();
            PahoMqttTransport counter = new PahoMqttTransport(MqttTransportOptions.builder(URI.create(rig.ops.url()),
                    "bench-counter").tls(TlsMaterial.fromFiles(rig.ops.caFile(), rig.ops.operatorCertFile(),
                    rig.ops.operatorKeyFile())).build(), rig.scheduler);
            counter.subscribe("roomwire/v1/+/telemetry", 0, m -> telemetry.incrementAndGet());
            counter.connect();
            settle(Duration.ofSeconds(2));
            com.sun.management.OperatingSystemMXBean os =
                    (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long cpu0 = os.getProcessCpuTime();
            long msgs0 = rig.collectors.stream().mapToLong(c -> c.received()).sum();
            long tel0 = telemetry.get();
            long w0 = System.nanoTime();
            settle(Duration.ofSeconds(idleSeconds));
            double wall = (System.nanoTime() - w0) / 1e9;
            double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
            long msgs = rig.collectors.stream().mapToLong(c -> c.received()).sum() - msgs0;
            long tel = telemetry.get() - tel0;
            row(rows, "idle CPU per room (agents + simulated cloud in this JVM)",
                    String.format("%.3f%% of a core", 100 * cpu / wall / rooms), "");
            row(rows, "messages per room while idle (status + events / telemetry)",
                    String.format("%.4f/s / %.4f/s", msgs / wall / rooms, tel / wall / rooms), "");
            counter.disconnect();
            long l0 = System.nanoTime();
            FleetRig.Run list = rig.ctl("--wait", "10s", "fleet");
            double listMs = (System.nanoTime() - l0) / 1e6;
            row(rows, "ctl fleet over " + rooms + " rooms (connect, collect, print)",
                    String.format("%.0f ms (%s)", listMs, lastLine(list.out())), "< 1 s");
            FleetRig.Run send = rig.ctl("--timeout", "60s", "fleet", "--send", "status.get", "--wave", "250",
                    "--in-flight", "100");
            Matcher m = Pattern.compile("p50 (\\d+) ms, p99 (\\d+) ms").matcher(send.out());
            row(rows, "command fan-out to " + rooms + " rooms (status.get, waves of 250, 100 in flight)",
                    m.find() ? "p50 " + m.group(1) + " ms, p99 " + m.group(2) + " ms (" + lastLine(send.out()).split(";")[0] + ")"
                            : send.out() + send.err(), "");
            double msgsPerSecond = (msgs + tel) / wall;
            row(rows, "messages per second at the broker while idle (to subscribers)", String.format("%.1f", msgsPerSecond), "");

            if (!chaos) {
                rows.values().forEach(System.out::println);
                return;
            }
            scenario(rows, rig, only, "restart", "broker restart -> all online", r -> {
                r.site.stop();
                FleetRig.await("rooms notice", Duration.ofMinutes(2), () -> r.fleet.healthy() < r.fleet.size(), () -> "");
                r.emitMark();
                r.site.start();
            });
            scenario(rows, rig, only, "graph", "Graph 503 storm", r -> FleetChaosTest.graphStorm(r, 20 * r.fleet.size(), 503,
                    Duration.ofSeconds(1)));
            scenario(rows, rig, only, "graph", "Graph 429 storm", r -> FleetChaosTest.graphStorm(r, 20 * r.fleet.size(), 429,
                    Duration.ofSeconds(2)));
            scenario(rows, rig, only, "mdm", "MDM 503", r -> r.cloud.mdm().failNext(SimMdm.Endpoint.MANAGEMENT, 503, 5 * r.fleet.size(),
                    Optional.empty()));
            scenario(rows, rig, only, "entra", "Entra outage during token refresh (" + tokenLifetime.toSeconds()
                    + " s tokens)", FleetChaosTest::entraOutageDuringRefresh);
            scenario(rows, rig, only, "clock", "clock +1 h and back", r -> FleetChaosTest.clockJump(r, Duration.ofHours(1), Duration.ofMinutes(2)));
            scenario(rows, rig, only, "clock", "clock -1 h and back", r -> FleetChaosTest.clockJump(r, Duration.ofHours(-1), Duration.ofMinutes(2)));
            int callers = Math.min(rooms, 20);
            scenario(rows, rig, only, "gateway", "gateway loss during calls (" + callers + " rooms in a call)",
                    r -> FleetChaosTest.gatewayLossDuringCalls(r, callers));
            if (stateDiskMb > 0) {
                scenario(rows, rig, only, "disk", "state disk full (tmpfs)", FleetChaosTest::stateDiskFull);
            }
            Duration outageFor = outage;
            scenario(rows, rig, only, "outage", "broker outage " + outage.toSeconds() + " s", r -> FleetChaosTest.brokerOutage(r, outageFor));
        }
        rows.values().forEach(System.out::println);
    }

    /** Runs the fault named {@code key} unless {@code --only} left it out. */
    private static void scenario(Map<String, String> rows, FleetRig rig, java.util.Set<String> only, String key, String name,
                                 Consumer<FleetRig> fault) {
        if (!only.isEmpty() && !only.contains(key)) {
            return;
        }
        FleetChaosTest.bookDemoMeetings(rig); // the meeting on now whose Join button every room must show after the fault
        Instant from = Instant.now();
        long t0 = System.nanoTime();
        fault.accept(rig);
        long t1 = System.nanoTime(); // the fault's scripted part is over (an outage's length, calls ended...)
        rig.awaitHealthy(Duration.ofMinutes(10));
        String mark = rig.emitMark();
        rig.awaitDelivered(mark, Duration.ofMinutes(5));
        double recovery = (System.nanoTime() - t1) / 1e9;
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline && !rig.fleet.rooms().stream().allMatch(FleetRig::showsDemoJoin)) {
            LockSupport.parkNanos(100_000_000L);
        }
        long noButton = rig.fleet.rooms().stream().filter(r -> !FleetRig.showsDemoJoin(r)).count();
        double scripted = (t1 - t0) / 1e9;
        int worst = rig.site.connectionsPerSecond(from, "RW-FLEET-").values().stream().mapToInt(Integer::intValue).max().orElse(0);
        row(rows, "chaos: " + name + " (fault scripted for; recovery after it; lost events; corrupt files; most room connects in a second; "
                        + "rooms without the Join button of the meeting on now)",
                String.format("%.1f s; %.1f s; %d; %d; %d; %d", scripted, recovery, rig.ledger.gaps().values().stream()
                        .mapToLong(Long::longValue).sum(), rig.corruptStateFiles(), worst, noButton), "0 lost, 0 corrupt, 0 without");
    }

    private static String lastLine(String s) {
        String[] l = s.strip().split("\n");
        return l[l.length - 1];
    }

    private static void row(Map<String, String> rows, String metric, String value, String target) {
        rows.put(metric, "| " + metric + " | " + value + " | " + target + " |");
        System.err.println(metric + ": " + value);
    }

    private static void settle(Duration d) {
        long end = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < end) {
            LockSupport.parkNanos(end - System.nanoTime());
        }
    }
}
