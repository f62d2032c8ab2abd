package io.roomwire.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RetryAfterTest {

    private static final Instant NOW = Instant.parse("2026-03-02T10:00:00Z");

    @Test
    void readsDeltaSecondsAndHttpDates() {
        assertEquals(Optional.of(Duration.ofSeconds(120)), RetryAfter.parse(" 120 ", NOW));
        assertEquals(Optional.of(Duration.ofSeconds(30)), RetryAfter.parse("Mon, 02 Mar 2026 10:00:30 GMT", NOW));
        assertEquals(Optional.of(Duration.ZERO), RetryAfter.parse("Mon, 02 Mar 2026 09:00:00 GMT", NOW));
    }

    @Test
    void capsHugeValuesAtADayInsteadOfOverflowing() {
        assertEquals(Optional.of(RetryAfter.MAX), RetryAfter.parse("10000000000000", NOW));
        assertEquals(Optional.of(RetryAfter.MAX), RetryAfter.parse("9223372036854775807", NOW));
        assertEquals(Optional.of(RetryAfter.MAX), RetryAfter.parse("99999999999999999999999999", NOW));
        assertEquals(Optional.of(RetryAfter.MAX), RetryAfter.parse("Fri, 31 Dec 9999 23:59:59 GMT", NOW));
    }

    @Test
    void ignoresWhatIsNeitherForm() {
        assertEquals(Optional.empty(), RetryAfter.parse("-5", NOW));
        assertEquals(Optional.empty(), RetryAfter.parse("soon", NOW));
        assertEquals(Optional.empty(), RetryAfter.parse("", NOW));
        assertEquals(Optional.empty(), RetryAfter.parse("1e9", NOW));
    }
}
