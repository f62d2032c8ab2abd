package io.roomwire.sim.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.time.SystemScheduler;
import io.roomwire.sim.cloud.mdm.SimMdm;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13's "done when", as a person installing the agent on a room PC would do it: {@code roomwire run}
 * with {@code device.hal=linux} on this very machine (its real /etc, /proc and /sys) serves the touch panel,
 * signs in against the simulated cloud, and the MDM service receives this machine's real facts.
 */
class LinuxHostRunTest {

    private static final Duration BOUND = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    @Test
    void roomwireRunOnThisMachinesLinuxLayerServesThePanelSignsInAndReportsTheHost() throws Exception {
        try (SystemScheduler scheduler = new SystemScheduler(2);
             SimCloud cloud = SimCloud.start(dir.resolve("cloud"), scheduler.clock(), Duration.ZERO)) {
            cloud.addRoom("401", "Room 401");
            StringBuilder config = new StringBuilder();
            Map<String, String> settings = new java.util.LinkedHashMap<>(cloud.agentSettings("unused", "401"));
            settings.remove("device.id"); // the Linux layer names the device from the host
            settings.put("device.hal", "linux");
            settings.put("panel.http-port", "0");
            settings.put("agent.state-dir", dir.resolve("state").toString());
            settings.forEach((k, v) -> config.append(k).append(" = ").append(v).append('\n'));
            Path file = Files.writeString(dir.resolve("roomwire.properties"), config);
            Path err = dir.resolve("err.txt");
            String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", cp, "io.roomwire.agent.Main",
                    "run", "--config", file.toString())
                    .redirectOutput(dir.resolve("out.txt").toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            try {
                // The panel: served on loopback, its address printed for the kiosk browser.
                Matcher url = await("the panel's address on standard error", () -> {
                    Matcher m = Pattern.compile("touch panel at (http://127\\.0\\.0\\.1:\\d+/)").matcher(read(err));
                    return m.find() ? Optional.of(m) : Optional.empty();
                }, p, err);
                HttpResponse<String> page = HttpClient.newHttpClient().send(
                        HttpRequest.newBuilder(URI.create(url.group(1))).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, page.statusCode());
                assertTrue(page.body().contains("<html"), page.body());

                // Signed in (the MDM enrollment needs the Entra token) and this machine's facts reported.
                SimMdm.DeviceView device = await("an enrolled device that reported its DevDetail", () ->
                        cloud.mdm().devices().stream().filter(d -> d.enrolled() && d.reported().containsKey("./DevDetail/SwV"))
                                .findFirst(), p, err);
                Map<String, String> reported = device.reported();
                // The firmware version is the OS's (VERSION_ID of /etc/os-release), the maker is SMBIOS's or
                // "unknown" on a VM without it: read from this machine, not from a simulated device.
                Matcher version = Pattern.compile("(?m)^VERSION_ID=\"?([^\"\n]+)").matcher(Files.readString(Path.of("/etc/os-release")));
                assertTrue(version.find(), "this machine's /etc/os-release has a VERSION_ID");
                assertEquals(version.group(1), reported.get("./DevDetail/FwV"), reported.toString());
                Path vendor = Path.of("/sys/class/dmi/id/sys_vendor");
                assertEquals(Files.isReadable(vendor) ? Files.readString(vendor).strip() : "unknown", reported.get("./DevDetail/OEM"),
                        reported.toString());
                assertTrue(read(err).contains("as device LNX-"), "named from /etc/machine-id:\n" + read(err));
                // No camera, no sound card on this VM: the device says why instead of pretending.
                if (!hasEntries(Path.of("/sys/class/video4linux"))) {
                    Path out = dir.resolve("out.txt");
                    await("the missing camera as a health reason in the status it prints", () -> read(out).contains("camera absent")
                            ? Optional.of(true) : Optional.empty(), p, err);
                }
            } finally {
                p.destroy();
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }

    private static boolean hasEntries(Path d) throws java.io.IOException {
        if (!Files.isDirectory(d)) {
            return false;
        }
        try (Stream<Path> s = Files.list(d)) {
            return s.findAny().isPresent();
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    /** Polls a real process's output or a real server's state, for at most {@link #BOUND}. */
    private static <T> T await(String what, Supplier<Optional<T>> probe, Process p, Path err) {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<T> v = probe.get();
            if (v.isPresent()) {
                return v.get();
            }
            if (!p.isAlive()) {
                throw new AssertionError("roomwire run exited (" + p.exitValue() + ") before " + what + ":\n" + read(err));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
        throw new AssertionError("no " + what + " within " + BOUND + ":\n" + read(err));
    }
}
