package io.roomwire.core.net;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;

/**
 * The HTTP Retry-After header (RFC 9110 section 10.2.3): delta-seconds or an HTTP-date, capped at
 * {@link #MAX} so a hostile or broken server cannot park a retry for ever (or overflow a
 * scheduler's nanosecond arithmetic and lose it).
 */
public final class RetryAfter {

    /** The longest wait any server may ask for. */
    public static final Duration MAX = Duration.ofDays(1);

    private RetryAfter() {
    }

    /** The wait {@code value} asks for at {@code now}, at most {@link #MAX}; empty when unparseable. */
    public static Optional<Duration> parse(String value, Instant now) {
        String s = value.trim();
        if (s.matches("[0-9]+")) {
            // an all-digit value too long for a long is still a (huge) delay: cap it
            try {
                return Optional.of(cap(Duration.ofSeconds(Math.min(Long.parseLong(s), MAX.toSeconds()))));
            } catch (NumberFormatException tooLong) {
                return Optional.of(MAX);
            }
        }
        try {
            Instant at = ZonedDateTime.parse(s, DateTimeFormatter.RFC_1123_DATE_TIME.withLocale(Locale.ROOT)).toInstant();
            Duration d = Duration.between(now, at);
            return Optional.of(d.isNegative() ? Duration.ZERO : cap(d));
        } catch (DateTimeParseException | ArithmeticException e) {
            return Optional.empty();
        }
    }

    private static Duration cap(Duration d) {
        return d.compareTo(MAX) > 0 ? MAX : d;
    }
}
