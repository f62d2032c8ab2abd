package io.roomwire.updater;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RolloutTest {

    static final List<String> FLEET = IntStream.range(0, 40).mapToObj(i -> "room-" + i).toList();

    @Test
    void startsWithACanaryShareThenDoublesTheWaves() {
        List<List<String>> waves = Rollout.waves(FLEET, 10);
        assertEquals(List.of(4, 8, 16, 12), waves.stream().map(List::size).toList());
        assertEquals(1, Rollout.waves(List.of("a", "b", "c"), 10).get(0).size(), "at least one canary");
    }

    @Test
    void stopsAfterTheCanaryWhenItsFailureRatePassesTheThresholdAndTouchesNoOtherDevice() {
        List<String> tried = new ArrayList<>();
        Rollout.Result r = Rollout.run(FLEET, 10, 0.25, d -> {
            tried.add(d);
            return !d.equals("room-0") && !d.equals("room-1");
        });
        assertFalse(r.completed());
        assertEquals(4, tried.size());
        assertEquals(36, r.notTried().size());
        assertTrue(r.stoppedBecause().startsWith("wave 1 of 4 failed on 2 of 4 devices"), r.stoppedBecause());
    }

    @Test
    void completesWhenEveryWaveStaysUnderTheThreshold() {
        Rollout.Result r = Rollout.run(FLEET, 10, 0.25, d -> !d.equals("room-20"));
        assertTrue(r.completed());
        assertEquals(List.of("room-20"), r.failed());
        assertEquals(39, r.updated().size());
    }
}
