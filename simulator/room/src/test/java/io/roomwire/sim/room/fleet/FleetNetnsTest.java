package io.roomwire.sim.room.fleet;

import io.roomwire.sim.room.fleet.FleetKillTest.Child;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The network between the rooms and everything they talk to, degraded and cut: the fleet ({@link FleetMain}, with
 * its broker and simulated cloud) runs in a child JVM inside a network namespace this test creates, so {@code tc}
 * and {@code ip} act on that namespace's loopback only, never the machine's. First a slow link ({@code tc tbf}: this
 * machine's kernel has no {@code netem} qdisc and no {@code gact} action, so neither fixed delay nor random loss can
 * be scripted here), then a partition (the namespace's loopback down), each for a bounded time; after each every
 * room must be healthy again. Without root, {@code unshare -r} maps the caller to root in a user namespace.
 */
class FleetNetnsTest {

    static final Duration FAULT = Duration.ofSeconds(Long.getLong("roomwire.chaos.netns-seconds", 20));

    @TempDir
    Path dir;

    @Test
    void everyRoomRecoversFromASlowLinkAndAPartition() throws Exception {
        String ns = FleetRig.root() ? "-n" : "-rn";
        try (Child fleet = new Child(dir.resolve("fleet"), List.of("unshare", ns, "sh", "-c",
                "ip link set lo up && exec \"$0\" \"$@\""))) {
            FleetRig.await("every room healthy in the namespace", Duration.ofMinutes(4),
                    () -> fleet.healthy() == FleetKillTest.ROOMS, fleet::output);
            String pid = Long.toString(fleet.process.pid());
            // a slow link: 256 kbit/s with up to a second of queue, for FAULT
            nsenter(pid, "tc", "qdisc", "add", "dev", "lo", "root", "tbf", "rate", "256kbit", "burst", "16kb", "latency", "1s");
            try {
                FleetRig.hold(FAULT);
            } finally {
                nsenter(pid, "tc", "qdisc", "del", "dev", "lo", "root");
            }
            FleetRig.await("every room healthy after the slow link", Duration.ofMinutes(2),
                    () -> fleet.healthy() == FleetKillTest.ROOMS, fleet::output);
            // a partition: nothing in the namespace reaches anything, for FAULT
            nsenter(pid, "ip", "link", "set", "lo", "down");
            try {
                FleetRig.await("rooms notice the partition", FAULT.plus(Duration.ofSeconds(60)),
                        () -> fleet.healthy() < FleetKillTest.ROOMS, fleet::output);
                FleetRig.hold(FAULT);
            } finally {
                nsenter(pid, "ip", "link", "set", "lo", "up");
            }
            FleetRig.await("every room healthy after the partition", Duration.ofMinutes(3),
                    () -> fleet.healthy() == FleetKillTest.ROOMS, fleet::output);
        }
    }

    /** Runs a command in the child's network namespace (the child is unshare's exec'd JVM: same pid). */
    private static void nsenter(String pid, String... command) throws Exception {
        List<String> c = new java.util.ArrayList<>(List.of("nsenter", "-t", pid, "-n"));
        if (!FleetRig.root()) {
            c.add(2, "-U");
            c.add(3, "--preserve-credentials");
        }
        c.addAll(List.of(command));
        FleetRig.exec(Duration.ofSeconds(30), c.toArray(String[]::new));
    }
}
