package io.roomwire.core.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void delaysGrowExponentiallyWithinJitterBoundsAndStopAtTheCap() {
        Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), new Random(7));
        long[] ceilings = {1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000};
        for (long ceiling : ceilings) {
            assertEquals(ceiling, b.peekCeiling().toMillis());
            long d = b.next().toMillis();
            assertTrue(d >= 500 && d <= ceiling, "delay " + d + " outside [500, " + ceiling + "]");
        }
    }

    @Test
    void keepsRetryingForeverAtTheCap() {
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(30), new Random(1));
        for (int i = 0; i < 10_000; i++) {
            assertTrue(b.next().compareTo(Duration.ofSeconds(30)) <= 0);
        }
        assertEquals(Duration.ofSeconds(30), b.peekCeiling());
    }

    @Test
    void jitterSpreadsRetriesOfManyDevices() {
        Set<Long> firstDelays = new HashSet<>();
        for (int device = 0; device < 50; device++) {
            Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(5), new Random(device));
            for (int i = 0; i < 5; i++) {
                b.next();
            }
            firstDelays.add(b.next().toMillis());
        }
        assertTrue(firstDelays.size() > 40, "50 devices should not retry in lock-step: " + firstDelays.size());
    }

    @Test
    void resetStartsAgainFromTheBase() {
        Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), new Random(3));
        for (int i = 0; i < 6; i++) {
            b.next();
        }
        assertNotEquals(1000, b.peekCeiling().toMillis());
        b.reset();
        assertEquals(1000, b.peekCeiling().toMillis());
        assertEquals(0, b.attempts());
    }

    @Test
    void rejectsACapBelowTheBase() {
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(10), Duration.ofSeconds(1)));
    }
}
