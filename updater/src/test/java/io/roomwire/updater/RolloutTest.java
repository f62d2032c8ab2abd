package io.roomwire.updater;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RolloutTest {

    static final List<String> FLEET = IntStream.range(0, 40).mapToObj(i -> "room-" + i).toList();

    /** Each device's outcome at once, decided by {@code ok}. */
    static Rollout.Result run(List<String> devices, int canary, double maxFailure, Predicate<String> ok, List<String> tried)
            throws InterruptedException {
        return new Rollout(devices, canary, maxFailure, 50).run(d -> {
            tried.add(d);
            return CompletableFuture.completedFuture(ok.test(d) ? Rollout.Outcome.succeeded(d, "committed")
                    : Rollout.Outcome.failed(d, "rolled back (health check failed)"));
        }, o -> { });
    }

    @Test
    void startsWithACanaryShareThenDoublesTheWaves() {
        List<List<String>> waves = Rollout.waves(FLEET, 10);
        assertEquals(List.of(4, 8, 16, 12), waves.stream().map(List::size).toList());
        assertEquals(1, Rollout.waves(List.of("a", "b", "c"), 10).get(0).size(), "at least one canary");
    }

    @Test
    void stopsAfterTheCanaryWhenItsFailureRatePassesTheThresholdAndTouchesNoOtherDevice() throws Exception {
        List<String> tried = new ArrayList<>();
        Rollout.Result r = run(FLEET, 10, 0.25, d -> !d.equals("room-0") && !d.equals("room-1"), tried);
        assertFalse(r.completed());
        assertEquals(4, tried.size());
        assertEquals(36, r.notTried().size());
        assertEquals(List.of("room-0", "room-1"), r.failed());
        assertEquals("rolled back (health check failed)", r.outcomes().get(0).detail());
        assertTrue(r.stoppedBecause().startsWith("wave 1 of 4 failed on 2 of 4 devices"), r.stoppedBecause());
    }

    @Test
    void completesWhenEveryWaveStaysUnderTheThreshold() throws Exception {
        Rollout.Result r = run(FLEET, 10, 0.25, d -> !d.equals("room-20"), new ArrayList<>());
        assertTrue(r.completed());
        assertEquals(List.of("room-20"), r.failed());
        assertEquals(39, r.updated().size());
    }

    @Test
    void aWavesDevicesAreAllInFlightTogether() {
        // each canary completes only once all four started: tried one after the other, the rollout would never end
        CompletableFuture<Void> allStarted = new CompletableFuture<>();
        AtomicInteger started = new AtomicInteger();
        List<String> reported = new CopyOnWriteArrayList<>();
        Rollout.Result r = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> new Rollout(FLEET, 10, 0.0, 50).run(d -> {
            if (started.incrementAndGet() == 4) {
                allStarted.complete(null);
            }
            return allStarted.thenApply(x -> Rollout.Outcome.succeeded(d, "committed"));
        }, o -> reported.add(o.device())));
        assertTrue(r.completed());
        assertEquals(40, r.updated().size());
        assertEquals(40, reported.size());
    }

    @Test
    void neverHasMoreDevicesInFlightThanTheBound() {
        BlockingQueue<CompletableFuture<Rollout.Outcome>> pending = new LinkedBlockingQueue<>();
        AtomicInteger open = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        Thread finisher = new Thread(() -> {
            try {
                for (int i = 0; i < 12; i++) {
                    CompletableFuture<Rollout.Outcome> f = pending.poll(20, TimeUnit.SECONDS);
                    if (f == null) {
                        return;
                    }
                    open.decrementAndGet();
                    f.complete(Rollout.Outcome.succeeded("x", "committed"));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "test-finisher");
        finisher.start();
        List<String> twelve = FLEET.subList(0, 12);
        Rollout.Result r = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> new Rollout(twelve, 50, 0.0, 2).run(d -> {
            most.accumulateAndGet(open.incrementAndGet(), Math::max);
            CompletableFuture<Rollout.Outcome> f = new CompletableFuture<>();
            pending.add(f);
            return f;
        }, o -> { }));
        assertEquals(12, r.outcomes().size());
        assertTrue(most.get() <= 2, "at most 2 in flight, saw " + most.get());
    }

    @Test
    void anAttemptThatThrowsOrFailsCountsAsThatDeviceFailingAndTheRestGoOn() throws Exception {
        Rollout.Result r = new Rollout(List.of("a", "b", "c"), 100, 1.0, 50).run(d -> switch (d) {
            case "a" -> throw new IllegalStateException("not connected");
            case "b" -> CompletableFuture.failedFuture(new java.io.IOException("unreadable reply"));
            default -> CompletableFuture.completedFuture(Rollout.Outcome.succeeded(d, "committed"));
        }, o -> { });
        assertEquals(List.of("a", "b"), r.failed());
        assertEquals("failed (not connected)", r.outcomes().get(0).detail());
        assertEquals("failed (unreadable reply)", r.outcomes().get(1).detail());
        assertEquals(List.of("c"), r.updated());
    }

    @Test
    void badSettingsAreRefusedWithTheReason() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Rollout(FLEET, 0, 0.2, 1)).getMessage().contains("1..100"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Rollout(FLEET, 10, 1.5, 1)).getMessage().contains("0.0..1.0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Rollout(List.of("a", "a"), 10, 0.2, 1)).getMessage()
                .contains("twice"));
    }
}
