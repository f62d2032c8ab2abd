package io.roomwire.sim.cloud.graph;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * A recurrence in the shape of Graph's {@code patternedRecurrence}: daily or weekly every
 * {@code interval}, on {@code days} (weekly), ending after {@code count} occurrences (0: no
 * count), or on {@code until} (inclusive), or never. Times are local to the series' zone, so
 * occurrences keep their wall-clock time across DST changes.
 */
public record Recurrence(Type type, int interval, Set<DayOfWeek> days, int count, Optional<LocalDate> until) {

    public enum Type { DAILY, WEEKLY }

    public Recurrence {
        if (interval < 1) {
            throw new IllegalArgumentException("interval must be at least 1");
        }
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative");
        }
        days = days.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(days));
        if (type == Type.WEEKLY && days.isEmpty()) {
            throw new IllegalArgumentException("a weekly recurrence needs at least one day of the week");
        }
    }

    /** Every day, {@code count} times. */
    public static Recurrence daily(int count) {
        return new Recurrence(Type.DAILY, 1, Set.of(), count, Optional.empty());
    }

    /** Every week on {@code days}, {@code count} occurrences in all. */
    public static Recurrence weekly(int count, DayOfWeek... days) {
        return new Recurrence(Type.WEEKLY, 1, Set.of(days), count, Optional.empty());
    }

    public Recurrence until(LocalDate last) {
        return new Recurrence(type, interval, days, 0, Optional.of(last));
    }

    public Recurrence every(int n) {
        return new Recurrence(type, n, days, count, until);
    }

    String graphPatternType() {
        return type == Type.DAILY ? "daily" : "weekly";
    }

    static String graphDay(DayOfWeek d) {
        return d.name().toLowerCase(Locale.ROOT);
    }
}
