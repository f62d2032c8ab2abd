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
     * Parses the {@code mdm.schedule} form: three stages {@code COUNTxINTERVAL} separated by commas,
     * intervals in s, m or h, e.g. {@code 5x3m,8x15m,0x8h} (Intune's pattern; 0 in the last stage: for ever).
     *
     * @throws IllegalArgumentException naming the part that is wrong
     */
    public static PollSchedule parse(String text) {
        String[] stages = text.trim().split("\\s*,\\s*");
        if (stages.length != 3) {
            throw new IllegalArgumentException("mdm.schedule '" + text + "' must have three stages like 5x3m,8x15m,0x8h");
        }
        int[] counts = new int[3];
        Duration[] intervals = new Duration[3];
        for (int i = 0; i < 3; i++) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,4})x(\\d{1,6})([smh])").matcher(stages[i]);
            if (!m.matches()) {
                throw new IllegalArgumentException("mdm.schedule stage '" + stages[i] + "' is not COUNTxINTERVAL (e.g. 8x15m)");
            }
            counts[i] = Integer.parseInt(m.group(1));
            long n = Long.parseLong(m.group(2));
            intervals[i] = switch (m.group(3)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
        }
        return new PollSchedule(counts[0], intervals[0], counts[1], intervals[1], counts[2], intervals[2]);
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
