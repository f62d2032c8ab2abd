package io.roomwire.core.time;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one way durations are read and shown: every command-line option and every duration setting
 * accepts {@value #FORMS}; people are shown {@link #human} ("8 s", "2 min 30 s").
 */
public final class Durations {

    /** The accepted forms, for usage texts and error messages. */
    public static final String FORMS = "120 (seconds), 250ms, 120s, 2m, 1h, 1d or ISO-8601 PT2M";

    private static final Pattern SIMPLE = Pattern.compile("(\\d{1,12})\\s*(ms|s|m|min|h|d)?");

    private Durations() {
    }

    /** @throws IllegalArgumentException naming the accepted forms */
    public static Duration parse(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        Matcher m = SIMPLE.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            return switch (unit) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m", "min" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        if (t.startsWith("p")) {
            try {
                Duration d = Duration.parse(t.toUpperCase(Locale.ROOT));
                if (!d.isNegative()) {
                    return d;
                }
            } catch (DateTimeParseException e) {
                // falls through to the message naming the forms
            }
        }
        throw new IllegalArgumentException("expected a duration such as " + FORMS + ", got '" + text + "'");
    }

    /** A duration as a person reads it: "250 ms", "8 s", "2 min", "2 min 30 s", "1 h 5 min", "2 d". */
    public static String human(Duration d) {
        if (d.isNegative()) {
            return "-" + human(d.negated());
        }
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + " ms";
        }
        long s = d.toSeconds();
        if (s < 60) {
            return ms % 1000 == 0 ? s + " s" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
        }
        long days = s / 86_400;
        long hours = s % 86_400 / 3600;
        long minutes = s % 3600 / 60;
        long seconds = s % 60;
        StringBuilder b = new StringBuilder();
        append(b, days, "d");
        append(b, hours, "h");
        // Seconds only matter below an hour; "1 d 0 h 0 min 5 s" helps nobody.
        append(b, minutes, "min");
        if (days == 0 && hours == 0) {
            append(b, seconds, "s");
        }
        return b.toString();
    }

    private static void append(StringBuilder b, long n, String unit) {
        if (n > 0) {
            b.append(b.isEmpty() ? "" : " ").append(n).append(' ').append(unit);
        }
    }
}
