package io.roomwire.core.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SystemSchedulerTest {

    @Test
    void aDelayBeyondNanosecondRangeSaturatesInsteadOfThrowing() {
        assertThrows(ArithmeticException.class, () -> Duration.ofSeconds(10_000_000_000_000L).toNanos());
        assertEquals(Long.MAX_VALUE, SystemScheduler.nanos(Duration.ofSeconds(10_000_000_000_000L)));
        assertEquals(0, SystemScheduler.nanos(Duration.ofSeconds(-5)));
        assertEquals(1_500_000_000L, SystemScheduler.nanos(Duration.ofMillis(1500)));
    }
}
