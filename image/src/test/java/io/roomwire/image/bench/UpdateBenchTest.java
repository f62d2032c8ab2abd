package io.roomwire.image.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Runs {@link UpdateBench} small (2 MB) in CI so the bench cannot rot; the 60 MB figures come from bench/run. */
class UpdateBenchTest {

    @Test
    void measuresEveryFigureOnASmallBundle() throws Exception {
        Map<String, String[]> rows = UpdateBench.measure(2);
        assertTrue(rows.keySet().stream().anyMatch(k -> k.contains("total: download to committed")), rows.keySet().toString());
        assertTrue(rows.keySet().stream().anyMatch(k -> k.startsWith("rollback: last failed start")), rows.keySet().toString());
        assertTrue(rows.keySet().stream().anyMatch(k -> k.contains("resumed (Range)")), rows.keySet().toString());
        String ranges = rows.entrySet().stream().filter(e -> e.getKey().contains("resumed")).findFirst().orElseThrow().getValue()[1];
        assertTrue(Integer.parseInt(ranges.split(" ")[0]) >= 2, ranges);
    }
}
