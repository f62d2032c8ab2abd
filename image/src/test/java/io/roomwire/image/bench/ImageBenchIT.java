package io.roomwire.image.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * ImageBench reduced to what CI can afford (one start of each variant, 2 s idle), so the bench
 * cannot rot: the installed layout with its CDS archive and the same jars on the system JDK both
 * reach all services UP against the simulated cloud, and every figure of docs/benchmarks.md's
 * ImageBench section is produced. bench/run (or ImageBench's main) gives the figures themselves.
 */
class ImageBenchIT {

    @Test
    void reducedBenchProducesEveryFigure() throws Exception {
        Path target = Path.of(System.getProperty("roomwire.deb.dir", "target"));
        List<String> rows = ImageBench.measure(target, 1, Duration.ofSeconds(2), false);
        rows.forEach(System.out::println);
        String table = String.join("\n", rows);
        double deb = number(table, "\\| package \\(\\.deb, xz\\) \\| ([0-9.]+) MB");
        assertTrue(deb > 0 && deb <= 40, table);
        number(table, "\\| jlink runtime \\| ([0-9.]+) MB");
        number(table, "\\| systemd-analyze security exposure \\| ([0-9.]+)");
        for (String variant : List.of("installed layout \\(jlink runtime \\+ CDS\\)", "same jars on the system JDK [0-9.]+")) {
            double start = number(table, "\\| cold start to all services UP, " + variant + " \\(median of 1\\) \\| ([0-9.]+) s");
            double rss = number(table, "\\| RSS after 2 s idle, " + variant + " \\| ([0-9]+) MB");
            assertTrue(start > 0 && start < 180, variant + ": " + table);
            // The unit's MemoryMax is 256M: an idle agent far above it would be killed on a device.
            assertTrue(rss > 10 && rss < 256, variant + ": " + table);
        }
    }

    private static double number(String table, String regex) {
        Matcher m = Pattern.compile(regex).matcher(table);
        assertTrue(m.find(), "no row matching " + regex + " in:\n" + table);
        return Double.parseDouble(m.group(1));
    }
}
