package io.roomwire.sip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.hal.MediaKind;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EModelTest {

    @Test
    void gOneOhSevensMappingAtItsAnchors() {
        assertEquals(4.41, EModel.mos(93.2), 0.005, "the default R of G.107");
        assertEquals(1.0, EModel.mos(0), 1e-9);
        assertEquals(4.5, EModel.mos(100), 1e-9);
        assertEquals(3.6, EModel.mos(70), 0.05, "R 70: 'some users dissatisfied' (G.107 Table B.1)");
    }

    @Test
    void aCleanCallIsGoodAndLossDelayAndJitterEachLowerIt() {
        double clean = EModel.rFactor(0, 0, Optional.of(Duration.ofMillis(20)));
        assertEquals(93.2 - 0.024 * 50, clean, 1e-9, "10 ms one-way + 40 ms framing and buffer");
        assertTrue(EModel.mos(clean) > 4.3);
        assertTrue(EModel.rFactor(0.05, 0, Optional.of(Duration.ofMillis(20))) < clean - 10, "5% loss");
        assertTrue(EModel.rFactor(0, 0, Optional.of(Duration.ofMillis(600))) < clean - 15, "300 ms one way");
        assertTrue(EModel.rFactor(0, 40, Optional.of(Duration.ofMillis(20))) < clean, "40 ms jitter");
        assertTrue(EModel.mos(EModel.rFactor(0.3, 80, Optional.of(Duration.ofMillis(800)))) < 2, "a terrible call");
    }

    @Test
    void aStreamCarriesItsEstimate() {
        MediaStats.Stream s = new MediaStats.Stream(100, 1000, 990, 9900, 10, 5, Optional.empty(), true);
        MediaStats stats = new MediaStats(Map.of(MediaKind.AUDIO, s));
        assertEquals(EModel.mos(EModel.rFactor(10 / 1000.0, 5, Optional.empty())), stats.of(MediaKind.AUDIO).orElseThrow().estimatedMos(), 1e-9);
    }
}
