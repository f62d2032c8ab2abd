package io.roomwire.sim.room.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.log.LogSetup;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The network between the rooms and everything they talk to, degraded and cut: a fleet ({@link FleetRig}: the
 * simulated cloud, Mosquitto, the rooms and two collectors on a shared subscription recording every room's event
 * sequence numbers) runs in a child JVM ({@link Inside}) inside a network namespace this test creates, so {@code tc},
 * {@code nft} and {@code ip} act on that namespace's loopback only, never the machine's. Three faults, each for
 * {@code -Droomwire.chaos.netns-seconds} (20 by default):
 * <ol>
 * <li>a slow link ({@code tc tbf}, 256 kbit/s);</li>
 * <li>random loss ({@value #LOSS_PERCENT}% of packets): with {@code tc netem} (plus 100 ms &plusmn; 20 ms of delay)
 * where the kernel has the {@code netem} qdisc, else with an nftables rule ({@code numgen random mod 100 < N drop}
 * on the namespace's output hook; this machine's Firecracker kernel has nf_tables but no {@code netem}); the test
 * prints which it used;</li>
 * <li>a partition (the namespace's loopback down).</li>
 * </ol>
 * Every room raises events during each fault (a mark as it starts, more during it, one just before the partition
 * that may be in flight when the link goes), which wait in the room's queue on disk. After each fault every room
 * must be healthy again, a new mark from every room must reach the collectors, and no room's sequence may have a
 * gap (0 lost events), as in {@link FleetChaosTest}. The collectors run in the child, next to the broker, so they
 * meet the faults too (their persistent sessions keep what the broker holds for them). Without root,
 * {@code unshare -r} maps the caller to root in a user namespace.
 */
class FleetNetnsTest {

    static final Duration FAULT = Duration.ofSeconds(Long.getLong("roomwire.chaos.netns-seconds", 20));
    static final int ROOMS = 4;
    static final long SEED = Long.getLong("roomwire.chaos.seed", 18);
    static final int LOSS_PERCENT = 15;
    /** How long a mark may take to reach the collectors once the network is whole again. */
    static final Duration DELIVERY = Duration.ofMinutes(2);

    @TempDir
    Path dir;

    @Test
    void everyRoomRecoversFromASlowLinkRandomLossAndAPartitionWithNoEventLost() throws Exception {
        String ns = FleetRig.root() ? "-n" : "-rn";
        try (InsideProcess fleet = new InsideProcess(dir.resolve("fleet"), List.of("unshare", ns, "sh", "-c",
                "ip link set lo up && exec \"$0\" \"$@\""))) {
            fleet.await("every room healthy in the namespace", Duration.ofMinutes(4), () -> fleet.healthy() == ROOMS);
            fleet.assertNothingLost("the start", fleet.mark());
            String pid = Long.toString(fleet.process.pid());

            // a slow link: 256 kbit/s with up to a second of queue
            fleet.faultStarts();
            nsenter(pid, "tc", "qdisc", "add", "dev", "lo", "root", "tbf", "rate", "256kbit", "burst", "16kb", "latency", "1s");
            try {
                holdRaisingEvents(fleet);
            } finally {
                nsenter(pid, "tc", "qdisc", "del", "dev", "lo", "root");
            }
            recovered(fleet, "the slow link");

            // random loss (and delay where netem is there)
            fleet.faultStarts();
            String loss = startLoss(pid);
            System.out.println("FleetNetnsTest: random loss through " + loss);
            try {
                holdRaisingEvents(fleet);
            } finally {
                stopLoss(pid, loss);
            }
            recovered(fleet, "random loss through " + loss.substring(0, loss.indexOf(':')));

            // a partition: nothing in the namespace reaches anything; a mark raised just before may be in flight
            fleet.faultStarts();
            fleet.mark();
            nsenter(pid, "ip", "link", "set", "lo", "down");
            try {
                fleet.await("rooms notice the partition", FAULT.plus(Duration.ofSeconds(60)), () -> fleet.healthy() < ROOMS);
                holdRaisingEvents(fleet);
            } finally {
                nsenter(pid, "ip", "link", "set", "lo", "up");
            }
            recovered(fleet, "the partition");
        }
    }

    /** Keeps the fault for {@link #FAULT}, every room raising a mark at its start and two more during it. */
    private static void holdRaisingEvents(InsideProcess fleet) throws IOException {
        for (int i = 0; i < 3; i++) {
            fleet.mark();
            FleetRig.hold(FAULT.dividedBy(3));
        }
    }

    /** After a fault: every room healthy, every mark so far delivered from every room, no gap in any sequence. */
    private static void recovered(InsideProcess fleet, String fault) throws IOException {
        fleet.await("every room healthy after " + fault, Duration.ofMinutes(3), () -> fleet.healthy() == ROOMS);
        fleet.assertNothingLost(fault, fleet.mark());
    }

    /** Starts random loss on the namespace's loopback; says how (netem where the kernel has it, else nftables). */
    private static String startLoss(String pid) throws Exception {
        try {
            nsenter(pid, "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "100ms", "20ms", "loss", LOSS_PERCENT + "%");
            return "netem: " + LOSS_PERCENT + "% loss, 100 ms +- 20 ms delay";
        } catch (IOException noNetem) {
            String why = noNetem.getMessage().strip();
            try {
                nsenter(pid, "nft", "add", "table", "inet", "roomwire_chaos");
            } catch (IOException noNft) {
                throw new IOException("cannot script packet loss: no netem qdisc (" + why + ") and no nft (" + noNft.getMessage()
                        + "); install the Debian package nftables (bin/test does)", noNft);
            }
            nsenter(pid, "nft", "add", "chain", "inet", "roomwire_chaos", "out", "{ type filter hook output priority 0; }");
            nsenter(pid, "nft", "add", "rule", "inet", "roomwire_chaos", "out", "numgen", "random", "mod", "100", "<",
                    Integer.toString(LOSS_PERCENT), "drop");
            return "nftables: " + LOSS_PERCENT + "% of packets dropped (numgen random), no delay; no netem here ("
                    + why.substring(why.lastIndexOf(':') + 1).strip() + ")";
        }
    }

    private static void stopLoss(String pid, String how) throws Exception {
        if (how.startsWith("netem")) {
            nsenter(pid, "tc", "qdisc", "del", "dev", "lo", "root");
        } else {
            nsenter(pid, "nft", "delete", "table", "inet", "roomwire_chaos");
        }
    }

    /** Runs a command in the child's network namespace (the child is unshare's exec'd JVM: same pid). */
    private static void nsenter(String pid, String... command) throws Exception {
        List<String> c = new ArrayList<>(List.of("nsenter", "-t", pid, "-n"));
        if (!FleetRig.root()) {
            c.add(2, "-U");
            c.add(3, "--preserve-credentials");
        }
        c.addAll(List.of(command));
        FleetRig.exec(Duration.ofSeconds(30), c.toArray(String[]::new));
    }

    /**
     * The child JVM's side: a {@link FleetRig} of {@link #ROOMS} rooms in {@code args[0]}. Prints
     * {@code N/ROOMS rooms healthy} as that changes; reads commands on stdin: {@code mark} (every room raises an
     * event carrying a new mark; prints {@code emitted mK}, then, once the mark arrived from every room and the
     * collectors' ledger has no gap, or {@link #SETTLE} after it arrived with one,
     * {@code mK delivered from every room; lost {...}; ...}), {@code stop} (or the end of stdin).
     */
    static final class Inside {

        /** A mark from every room has arrived: events before it on the other collector of the group may still be on their way. */
        static final Duration SETTLE = Duration.ofSeconds(30);

        private Inside() {
        }

        public static void main(String[] args) throws Exception {
            LogSetup.configure("fleet", "warn");
            FleetRig rig = FleetRig.start(Path.of(args[0]), ROOMS, SEED, false);
            Map<String, Long> pending = new LinkedHashMap<>(); // mark -> when it first arrived from every room (0: not yet)
            long[] last = {-1};
            long[] missingShown = {0};
            rig.scheduler.scheduleAtFixedRate(Duration.ofMillis(200), Duration.ofMillis(200), () -> {
                long healthy = rig.fleet.healthy();
                if (healthy != last[0]) {
                    last[0] = healthy;
                    System.out.println(healthy + "/" + ROOMS + " rooms healthy");
                }
                synchronized (pending) {
                    for (var it = pending.entrySet().iterator(); it.hasNext(); ) {
                        var e = it.next();
                        String mark = e.getKey();
                        List<String> missing = rig.fleet.rooms().stream().map(r -> r.agent().deviceId())
                                .filter(d -> !rig.ledger.hasMark(d, mark)).toList();
                        long now = System.nanoTime();
                        if (!missing.isEmpty()) {
                            if (now - missingShown[0] > 10_000_000_000L) {
                                missingShown[0] = now;
                                System.out.println(mark + " not yet from " + missing);
                            }
                            continue;
                        }
                        if (e.getValue() == 0) {
                            e.setValue(now);
                        }
                        Map<String, Long> gaps = rig.ledger.gaps();
                        if (gaps.isEmpty() || now - e.getValue() > SETTLE.toNanos()) {
                            Map<String, Long> highest = new java.util.TreeMap<>();
                            rig.ledger.devices().forEach(d -> highest.put(d, rig.ledger.highest(d)));
                            // a loss the room knows of (its queue was full) against one in transit
                            Map<String, String> dropped = new java.util.TreeMap<>();
                            rig.ledger.lastStatuses().forEach((d, st) -> dropped.put(d, st.has("events")
                                    ? String.valueOf(st.getAsJsonObject("events").get("dropped")) : "?"));
                            System.out.println(mark + " delivered from every room; lost " + gaps + "; " + rig.ledger.events()
                                    + " events, " + rig.ledger.duplicates() + " duplicates, highest seq " + highest
                                    + ", dropped by the room's full queue (its last status) " + dropped);
                            it.remove();
                        }
                    }
                }
            });
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                for (String l; (l = in.readLine()) != null && !l.equals("stop"); ) {
                    if (l.equals("mark")) {
                        String mark = rig.emitMark();
                        synchronized (pending) {
                            pending.put(mark, 0L);
                        }
                        System.out.println("emitted " + mark);
                    } else {
                        System.out.println("unknown command '" + l + "': mark or stop");
                    }
                }
            }
            rig.close();
            System.out.println("stopped");
            System.exit(0);
        }
    }

    /** The test's side of {@link Inside}: the child process, its output line by line, and its commands. */
    static final class InsideProcess extends ChildJvm implements AutoCloseable {
        private static final Pattern HEALTHY = Pattern.compile("^(\\d+)/" + ROOMS + " rooms healthy$");
        private static final Pattern EMITTED = Pattern.compile("^emitted (m\\d+)$");
        private static final Pattern LOST = Pattern.compile(" delivered from every room; lost (\\{.*?\\});");

        /** Where the child's output since the current fault began starts. */
        private int faultFrom;

        InsideProcess(Path state, List<String> prefix) throws IOException {
            super(prefix, Inside.class, List.of(state.toString()), "netns-fleet-output");
        }

        /** A fault begins now (for the lowest count of healthy rooms during it). */
        void faultStarts() {
            faultFrom = lines.size();
        }

        /** The lowest count of healthy rooms the child printed since {@code from} (a line index). */
        int lowestHealthySince(int from) {
            int lowest = healthy();
            for (int i = from; i < lines.size(); i++) {
                Matcher m = HEALTHY.matcher(lines.get(i));
                if (m.matches()) {
                    lowest = Math.min(lowest, Integer.parseInt(m.group(1)));
                }
            }
            return lowest;
        }

        /** Rooms healthy as the child last printed it. */
        int healthy() {
            for (int i = lines.size() - 1; i >= 0; i--) {
                Matcher m = HEALTHY.matcher(lines.get(i));
                if (m.matches()) {
                    return Integer.parseInt(m.group(1));
                }
            }
            return 0;
        }

        /** Every room raises an event carrying a new mark; returns the mark. */
        String mark() throws IOException {
            int from = lines.size();
            send("mark");
            String[] mark = {null};
            await("the child to raise a mark", Duration.ofSeconds(30), () -> {
                for (int i = from; i < lines.size(); i++) {
                    Matcher m = EMITTED.matcher(lines.get(i));
                    if (m.matches()) {
                        mark[0] = m.group(1);
                        return true;
                    }
                }
                return false;
            });
            return mark[0];
        }

        /** The line saying {@code mark} arrived from every room, once the child printed it. */
        Optional<String> delivered(String mark) {
            return lines.stream().filter(l -> l.startsWith(mark + " delivered from every room")).findFirst();
        }

        /**
         * {@code last} and every mark before it arrived from every room, and the collectors' ledger had no gap in any
         * room's sequence when it did.
         */
        void assertNothingLost(String fault, String last) {
            int n = Integer.parseInt(last.substring(1));
            for (int i = 1; i <= n; i++) {
                String mark = "m" + i;
                await(mark + " from every room after " + fault, DELIVERY, () -> delivered(mark).isPresent());
            }
            String line = delivered(last).orElseThrow();
            Matcher m = LOST.matcher(line);
            assertTrue(m.find(), "unreadable delivery line: " + line);
            assertEquals("{}", m.group(1), "events lost (per room, how many sequence numbers never arrived) after "
                    + fault + ": " + line + "\n" + output());
            System.out.println("FleetNetnsTest: after " + fault + " (rooms healthy at the lowest during it: "
                    + lowestHealthySince(faultFrom) + "/" + ROOMS + "): " + line);
        }

        /** A bounded wait that gives up at once, with the child's output, if the child has ended. */
        void await(String what, Duration bound, java.util.function.BooleanSupplier condition) {
            FleetRig.await(what, bound, () -> {
                if (condition.getAsBoolean()) {
                    return true;
                }
                if (!process.isAlive()) {
                    throw new AssertionError("the fleet's child JVM ended (" + process.exitValue() + ") waiting for "
                            + what + ":\n" + output());
                }
                return false;
            }, this::output);
        }

        @Override
        public void close() throws InterruptedException {
            List<ProcessHandle> started = process.descendants().toList();
            try {
                send("stop");
                closeInput();
            } catch (IOException ended) {
                // the child is gone already
            }
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            started.forEach(ProcessHandle::destroyForcibly);
        }
    }
}
