package io.roomwire.image.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Runs {@link UpdateBench} small (2 MB) in CI so the bench cannot rot; {@code -Droomwire.bench.update-mb=60} gives the
 * figures of docs/benchmarks.md (printed as table rows).
 */
class UpdateBenchTest {

    @Test
    void measuresEveryFigureOnASmallBundle() throws Exception {
        Map<String, String[]> rows = UpdateBench.measure(Integer.getInteger("roomwire.bench.update-mb", 2));
        rows.forEach((k, v) -> System.out.println("| " + k + " | " + v[0] + " | " + v[1] + " |"));
        assertTrue(rows.keySet().stream().anyMatch(k -> k.contains("total: download to committed")), rows.keySet().toString());
        assertTrue(rows.keySet().stream().anyMatch(k -> k.startsWith("rollback: last failed start")), rows.keySet().toString());
        assertTrue(rows.keySet().stream().anyMatch(k -> k.contains("resumed (Range)")), rows.keySet().toString());
        String ranges = rows.entrySet().stream().filter(e -> e.getKey().contains("resumed")).findFirst().orElseThrow().getValue()[1];
        assertTrue(Integer.parseInt(ranges.split(" ")[0]) >= 2, ranges);
        assertTrue(rows.keySet().stream().anyMatch(k -> k.contains("peak RSS")), rows.keySet().toString());
    }
}
