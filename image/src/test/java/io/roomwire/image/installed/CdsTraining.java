package io.roomwire.image.installed;

import io.roomwire.sim.room.SimCloud;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes the CDS archive the package ships (run by the image module's {@code package} phase): the
 * installed layout runs {@code roomwire run} against the simulated cloud twice, each time until every
 * service is UP and then stopped as systemd stops it. The first run is a room's first boot (sign-in and
 * MDM enrollment); the second, a reboot of the enrolled room, as every later start of a device is, trains
 * the archive (docs/performance.md, round 8): its JVM writes the classes it loaded to
 * {@code lib/roomwire.jsa} at exit ({@code -XX:ArchiveClassesAtExit}, on top of the runtime's own
 * archive). The run happens at the installed paths (see {@link InstalledLayout}): a JDK 17 archive
 * is used only with the class path it was made with.
 *
 * <p>Arguments: {@code LAYOUT_ROOT JVM_OPTIONS WORK_DIR MTIME}: MTIME (seconds since the epoch) is the
 * modification time the package gives every file (jdeb's outputTimestamp); the archive records the
 * jars' times, so they get it here first.
 */
public final class CdsTraining {

    private CdsTraining() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            throw new IllegalArgumentException("usage: CdsTraining LAYOUT_ROOT JVM_OPTIONS WORK_DIR MTIME");
        }
        InstalledLayout layout = new InstalledLayout(Path.of(args[0]));
        List<String> flags = Files.readAllLines(Path.of(args[1])).stream().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        Path work = Path.of(args[2]).toAbsolutePath();
        Sh.run(Duration.ofMinutes(1), "rm", "-rf", work.toString()).ok();
        Files.createDirectories(work);
        layout.writeClassPath();
        java.nio.file.attribute.FileTime mtime = java.nio.file.attribute.FileTime.from(java.time.Instant.ofEpochSecond(Long.parseLong(args[3])));
        try (java.util.stream.Stream<Path> s = Files.list(layout.home().resolve("lib"))) {
            for (Path jar : s.filter(p -> p.toString().endsWith(".jar")).toList()) {
                Files.setLastModifiedTime(jar, mtime);
            }
        }
        Path archive = layout.home().resolve("lib/roomwire.jsa");
        Files.deleteIfExists(archive);
        long started = System.nanoTime();
        try (SimCloud cloud = SimCloud.start(work.resolve("cloud"), Clock.systemUTC(), Duration.ZERO)) {
            cloud.startBroker();
            cloud.addRoom("401", "Room 401");
            cloud.bookMeetingNow("401", ZoneOffset.UTC);
            StringBuilder config = new StringBuilder("agent.log-level = info\n");
            cloud.agentSettings("RW-CDS-TRAINING", "401").forEach((k, v) -> config.append(k).append(" = ").append(v).append('\n'));
            config.append("agent.state-dir = ").append(work.resolve("state")).append('\n');
            Path file = Files.writeString(work.resolve("roomwire.properties"), config);
            List<String> run = List.of("run", "--config", file.toString());
            Process firstBoot = InstalledLayout.startUntil(layout.wrap(layout.agent(flags, false, run)),
                    l -> l.contains("all services UP"), Duration.ofMinutes(3), new ArrayList<>());
            InstalledLayout.stop(firstBoot, Duration.ofMinutes(1));
            List<String> jvm = new ArrayList<>(flags);
            jvm.add("-XX:ArchiveClassesAtExit=" + archive);
            List<String> seen = new ArrayList<>();
            Process p = InstalledLayout.startUntil(layout.wrap(layout.agent(jvm, false, run)),
                    l -> l.contains("all services UP"), Duration.ofMinutes(3), seen);
            InstalledLayout.stop(p, Duration.ofMinutes(1));
            if (!Files.isRegularFile(archive)) {
                synchronized (seen) {
                    throw new IllegalStateException("the training run wrote no CDS archive " + archive + ":\n" + String.join("\n", seen));
                }
            }
        }
        System.out.printf("[roomwire-image] CDS archive %s: %.1f MB from a training run of %.1f s%n", archive,
                Files.size(archive) / 1e6, (System.nanoTime() - started) / 1e9);
    }
}
