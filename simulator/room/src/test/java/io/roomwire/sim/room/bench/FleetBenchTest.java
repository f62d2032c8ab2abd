package io.roomwire.sim.room.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * FleetBench in small, so it cannot rot: three rooms, two idle seconds and the broker restart, in a child JVM
 * (the bench sets up logging for its whole process). Every figure row is printed, and the restart loses no
 * event, tears no file and leaves every room with its Join button.
 */
class FleetBenchTest {

    @Test
    void threeRoomsGiveEveryFigureAndABrokerRestartLosesNothing() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"), FleetBench.class.getName(),
                "--rooms", "3", "--idle", "2", "--only", "restart").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out;
        try {
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(8, TimeUnit.MINUTES), "FleetBench did not end");
        } finally {
            p.destroyForcibly();
        }
        assertEquals(0, p.exitValue(), out);
        for (String row : List.of("rooms in one JVM (all healthy) | 3 |", "| RSS per room |", "| threads per room |",
                "| idle CPU per room", "| ctl fleet over 3 rooms", "| command fan-out to 3 rooms", "| messages per second at the broker")) {
            assertTrue(out.contains(row), "no row " + row + " in:\n" + out);
        }
        Matcher m = Pattern.compile("\\| chaos: broker restart -> all online [^|]*\\| [\\d.]+ s; [\\d.]+ s; (\\d+); (\\d+); (\\d+); (\\d+) \\|")
                .matcher(out);
        assertTrue(m.find(), "no broker restart row in:\n" + out);
        assertEquals("0", m.group(1), "lost events: " + m.group());
        assertEquals("0", m.group(2), "corrupt files: " + m.group());
        assertEquals("0", m.group(4), "rooms without their Join button: " + m.group());
    }
}
