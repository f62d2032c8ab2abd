package io.roomwire.updater;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A fleet rollout in waves: a canary share of the devices first, then the rest in waves of the canary's size
 * doubling each time; it stops after a wave whose failure rate passes the threshold, leaving later devices untouched.
 * A wave's devices are tried concurrently, at most {@code inFlight} at once; the next wave starts when every device
 * of this one has its outcome. How one device is tried (and what counts as its success) is the caller's.
 */
public final class Rollout {

    /** How one device's update ended: {@code detail} says why, for the operator ("rolled back (sip DOWN)"). */
    public record Outcome(String device, boolean succeeded, String detail) {
        public static Outcome succeeded(String device, String detail) {
            return new Outcome(device, true, detail);
        }

        public static Outcome failed(String device, String detail) {
            return new Outcome(device, false, detail);
        }
    }

    /** What happened: each tried device's outcome (wave order), devices not tried, and why it stopped (empty when it completed). */
    public record Result(List<Outcome> outcomes, List<String> notTried, String stoppedBecause) {
        public boolean completed() {
            return stoppedBecause.isEmpty();
        }

        public List<String> updated() {
            return outcomes.stream().filter(Outcome::succeeded).map(Outcome::device).toList();
        }

        public List<String> failed() {
            return outcomes.stream().filter(o -> !o.succeeded()).map(Outcome::device).toList();
        }
    }

    private final List<String> devices;
    private final int canaryPercent;
    private final double maxFailureRate;
    private final int inFlight;

    /**
     * @param canaryPercent  the first wave's share of the devices, 1..100 (at least one device)
     * @param maxFailureRate the highest failure rate (failed / wave size, 0.0..1.0) a wave may have for the next to start
     * @param inFlight       at most this many devices of a wave tried at once
     */
    public Rollout(List<String> devices, int canaryPercent, double maxFailureRate, int inFlight) {
        if (canaryPercent < 1 || canaryPercent > 100) {
            throw new IllegalArgumentException("canary percentage must be 1..100, got " + canaryPercent);
        }
        if (!(maxFailureRate >= 0 && maxFailureRate <= 1)) {
            throw new IllegalArgumentException("maximum failure rate must be 0.0..1.0, got " + maxFailureRate);
        }
        if (inFlight < 1) {
            throw new IllegalArgumentException("devices in flight must be at least 1, got " + inFlight);
        }
        if (devices.stream().distinct().count() != devices.size()) {
            throw new IllegalArgumentException("a device is named twice in " + devices);
        }
        this.devices = List.copyOf(devices);
        this.canaryPercent = canaryPercent;
        this.maxFailureRate = maxFailureRate;
        this.inFlight = inFlight;
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
     * Runs the waves. {@code attempt} starts one device's update and completes with its outcome (an exception, or
     * one thrown, counts as that device failing); {@code report} hears each outcome as it comes, from the thread that
     * completed it. Stops when a wave's failure rate is above the maximum.
     */
    public Result run(Function<String, CompletionStage<Outcome>> attempt, Consumer<Outcome> report) throws InterruptedException {
        List<Outcome> outcomes = new ArrayList<>();
        List<List<String>> waves = waves(devices, canaryPercent);
        Semaphore slots = new Semaphore(inFlight);
        for (int w = 0; w < waves.size(); w++) {
            List<CompletableFuture<Outcome>> wave = new ArrayList<>();
            for (String d : waves.get(w)) {
                slots.acquire();
                CompletionStage<Outcome> started;
                try {
                    started = attempt.apply(d);
                } catch (RuntimeException e) {
                    started = CompletableFuture.failedFuture(e);
                }
                wave.add(started.toCompletableFuture().handle((o, e) -> {
                    slots.release();
                    Outcome out = e == null ? o : Outcome.failed(d, "failed (" + describe(e) + ")");
                    report.accept(out);
                    return out;
                }));
            }
            int failed = 0;
            for (CompletableFuture<Outcome> f : wave) {
                Outcome o = f.join();
                outcomes.add(o);
                failed += o.succeeded() ? 0 : 1;
            }
            double rate = (double) failed / waves.get(w).size();
            if (rate > maxFailureRate) {
                List<String> rest = new ArrayList<>();
                waves.subList(w + 1, waves.size()).forEach(rest::addAll);
                return new Result(outcomes, rest, String.format(Locale.ROOT,
                        "wave %d of %d failed on %d of %d devices (%.0f%% > %.0f%%)", w + 1, waves.size(), failed,
                        waves.get(w).size(), rate * 100, maxFailureRate * 100));
            }
        }
        return new Result(outcomes, List.of(), "");
    }

    private static String describe(Throwable e) {
        Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    }
}
