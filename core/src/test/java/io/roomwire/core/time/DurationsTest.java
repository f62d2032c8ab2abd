package io.roomwire.core.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void acceptsBareSecondsUnitsAndIso8601AsTheSameDuration() {
        Duration twoMinutes = Duration.ofMinutes(2);
        for (String form : new String[] {"120", "120s", "2m", "2min", "PT2M", "pt2m", " 120 s ", "120000ms"}) {
            assertEquals(twoMinutes, Durations.parse(form), form);
        }
        assertEquals(Duration.ofHours(1), Durations.parse("1h"));
        assertEquals(Duration.ofDays(1), Durations.parse("1d"));
        assertEquals(Duration.ofMillis(250), Durations.parse("250ms"));
        assertEquals(Duration.ofSeconds(90), Durations.parse("PT1M30S"));
        assertEquals(Duration.ZERO, Durations.parse("0"));
    }

    @Test
    void refusesOtherTextNamingTheAcceptedForms() {
        for (String bad : new String[] {"", "abc", "5 sec", "-5s", "PT-5S", "1.5s", "2x"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(bad), bad);
            assertTrue(e.getMessage().contains("PT2M") && e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }

    @Test
    void showsDurationsAsPeopleReadThem() {
        assertEquals("8 s", Durations.human(Duration.ofSeconds(8)));
        assertEquals("250 ms", Durations.human(Duration.ofMillis(250)));
        assertEquals("1.5 s", Durations.human(Duration.ofMillis(1500)));
        assertEquals("2 min", Durations.human(Duration.ofMinutes(2)));
        assertEquals("2 min 30 s", Durations.human(Duration.ofSeconds(150)));
        assertEquals("30 min", Durations.human(Duration.ofMinutes(30)));
        assertEquals("1 h 5 min", Durations.human(Duration.ofMinutes(65)));
        assertEquals("2 d", Durations.human(Duration.ofDays(2)));
        assertEquals("0 ms", Durations.human(Duration.ZERO));
    }
}
