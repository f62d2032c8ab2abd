package io.roomwire.updater;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A fleet rollout in waves: a canary share of the devices first, then the rest in waves of the canary's size
 * doubling each time; it stops after a wave whose failure rate passes the threshold, leaving later devices untouched.
 */
public final class Rollout {

    /** What happened: devices updated, failed, not tried, and why it stopped (empty when it completed). */
    public record Result(List<String> updated, List<String> failed, List<String> notTried, String stoppedBecause) {
        public boolean completed() {
            return stoppedBecause.isEmpty();
        }
    }

    private Rollout() {
    }

    /** The waves for {@code devices}: at least one canary device, then doubling waves. */
    public static List<List<String>> waves(List<String> devices, int canaryPercent) {
        if (canaryPercent < 1 || canaryPercent > 100) {
            throw new IllegalArgumentException("canary percentage must be 1..100, got " + canaryPercent);
        }
        List<List<String>> waves = new ArrayList<>();
        int size = Math.max(1, devices.size() * canaryPercent / 100);
        int i = 0;
        while (i < devices.size()) {
            int end = Math.min(devices.size(), i + size);
            waves.add(List.copyOf(devices.subList(i, end)));
            i = end;
            size *= 2;
        }
        return waves;
    }

    /**
     * Runs the waves; {@code update} tries one device and says whether it succeeded. Stops when a wave's failure
     * rate (failed / wave size) is above {@code maxFailureRate} (0.0..1.0).
     */
    public static Result run(List<String> devices, int canaryPercent, double maxFailureRate, Predicate<String> update) {
        List<String> updated = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        List<List<String>> waves = waves(devices, canaryPercent);
        for (int w = 0; w < waves.size(); w++) {
            int before = failed.size();
            for (String d : waves.get(w)) {
                (update.test(d) ? updated : failed).add(d);
            }
            double rate = (double) (failed.size() - before) / waves.get(w).size();
            if (rate > maxFailureRate) {
                List<String> rest = new ArrayList<>();
                waves.subList(w + 1, waves.size()).forEach(rest::addAll);
                return new Result(updated, failed, rest, String.format(java.util.Locale.ROOT,
                        "wave %d of %d failed on %d of %d devices (%.0f%% > %.0f%%)", w + 1, waves.size(), failed.size() - before,
                        waves.get(w).size(), rate * 100, maxFailureRate * 100));
            }
        }
        return new Result(updated, failed, List.of(), "");
    }
}
