package io.roomwire.provisioning.mdm;

import java.time.Duration;
import java.time.Instant;

/**
 * The DMClient poll schedule of the provisioning document ({@code DMClient/Provider/{id}/Poll}):
 * {@code firstCount} check-ins every {@code firstInterval} after enrollment, then
 * {@code secondCount} every {@code secondInterval}, then {@code remainingCount} (0: for ever)
 * every {@code remainingInterval}. A count of 0 in the first two stages skips the stage.
 */
public record PollSchedule(int firstCount, Duration firstInterval, int secondCount, Duration secondInterval,
                           int remainingCount, Duration remainingInterval) {

    public PollSchedule {
        if (firstCount < 0 || secondCount < 0 || remainingCount < 0) {
            throw new IllegalArgumentException("poll counts must not be negative");
        }
        requirePositive(firstInterval, firstCount);
        requirePositive(secondInterval, secondCount);
        if (remainingInterval.isNegative() || remainingInterval.isZero()) {
            throw new IllegalArgumentException("remaining poll interval must be positive: " + remainingInterval);
        }
    }

    private static void requirePositive(Duration d, int count) {
        if (count > 0 && (d.isNegative() || d.isZero())) {
            throw new IllegalArgumentException("poll interval must be positive: " + d);
        }
    }

    /** Intune's pattern: every 3 min for 15 min, every 15 min for 2 h, then every 8 h. */
    public static PollSchedule intune() {
        return new PollSchedule(5, Duration.ofMinutes(3), 8, Duration.ofMinutes(15), 0, Duration.ofHours(8));
    }

    /**
     * The first scheduled check-in strictly after {@code now}, counting from {@code enrolledAt};
     * far in the future when a finite schedule has ended.
     */
    public Instant nextAfter(Instant enrolledAt, Instant now) {
        Instant t = enrolledAt;
        for (int i = 0; i < firstCount; i++) {
            t = t.plus(firstInterval);
            if (t.isAfter(now)) {
                return t;
            }
        }
        for (int i = 0; i < secondCount; i++) {
            t = t.plus(secondInterval);
            if (t.isAfter(now)) {
                return t;
            }
        }
        long step = remainingInterval.toMillis();
        long behind = Math.max(0, now.toEpochMilli() - t.toEpochMilli());
        long n = behind / step + 1;
        if (remainingCount > 0 && n > remainingCount) {
            return Instant.MAX;
        }
        return t.plusMillis(n * step);
    }
}
