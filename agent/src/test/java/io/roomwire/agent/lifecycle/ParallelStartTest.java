package io.roomwire.agent.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.health.Health;
import io.roomwire.core.health.Service;
import io.roomwire.core.time.Backoff;
import io.roomwire.core.time.VirtualScheduler;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Starting services on an executor: independent ones together, ordering and health as in a sequential start. */
class ParallelStartTest {

    private final VirtualScheduler scheduler = new VirtualScheduler();
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final ExecutorService pool = Executors.newFixedThreadPool(4);

    @AfterEach
    void shutDown() {
        pool.shutdownNow();
    }

    private interface Body {
        void run() throws Exception;
    }

    private final class Fake implements Service {
        final String name;
        final List<String> deps;
        final List<String> after;
        final Body body;
        volatile boolean running;

        Fake(String name, List<String> deps, List<String> after, Body body) {
            this.name = name;
            this.deps = deps;
            this.after = after;
            this.body = body;
        }

        @Override public String name() { return name; }
        @Override public List<String> dependsOn() { return deps; }
        @Override public List<String> startsAfter() { return after; }

        @Override
        public void start() throws Exception {
            log.add("begin " + name);
            body.run();
            running = true;
            log.add("end " + name);
        }

        @Override
        public void stop() {
            if (running) {
                log.add("stop " + name);
            }
            running = false;
        }

        @Override public Health health() { return running ? Health.up() : Health.down("not running"); }
    }

    private Lifecycle lifecycle(Service... services) {
        return new Lifecycle(scheduler, List.of(services),
                () -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), new Random(42)), e -> { });
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 60 s: " + what);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    @Test
    void independentServicesStartAtTheSameTime() throws Exception {
        // Each start waits for the other to be inside its start: only a parallel start gets both through.
        CyclicBarrier both = new CyclicBarrier(2);
        Body meet = () -> both.await(60, TimeUnit.SECONDS);
        Fake sip = new Fake("sip", List.of(), List.of(), meet);
        Fake calendar = new Fake("calendar", List.of(), List.of(), meet);
        Lifecycle lc = lifecycle(sip, calendar);
        lc.start(pool);
        await(lc::allUp, "both services UP");
        assertTrue(sip.running && calendar.running);
    }

    @Test
    void aDependentBeginsOnlyAfterItsDependencyStartedAndStartsAfterWaitsEvenForAFailure() throws Exception {
        Fake identity = new Fake("identity", List.of(), List.of(), () -> { });
        Fake entra = new Fake("entra", List.of("identity"), List.of(), () -> {
            throw new IllegalStateException("tokens unreadable");
        });
        Fake calendar = new Fake("calendar", List.of(), List.of("entra"), () -> { });
        Fake mqtt = new Fake("mqtt", List.of("identity"), List.of(), () -> { });
        Lifecycle lc = lifecycle(calendar, mqtt, entra, identity);
        lc.start(pool);
        await(() -> calendar.running && mqtt.running, "calendar and mqtt running");
        assertTrue(log.indexOf("end identity") < log.indexOf("begin mqtt"), log.toString());
        assertTrue(log.indexOf("begin entra") < log.indexOf("begin calendar"), "starts after entra's attempt: " + log);
        // entra's failure surfaces as before, and does not hold the calendar.
        Health h = lc.health().get("entra");
        assertEquals(Health.State.DOWN, h.state());
        assertTrue(h.reason().contains("tokens unreadable"), h.reason());
        assertTrue(lc.health().get("calendar").isUp());
    }

    @Test
    void healthSaysStartingAndWhatAServiceWaitsFor() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Fake entra = new Fake("entra", List.of(), List.of(), () -> release.await(60, TimeUnit.SECONDS));
        Fake calendar = new Fake("calendar", List.of(), List.of("entra"), () -> { });
        Fake obtp = new Fake("obtp", List.of("calendar"), List.of(), () -> { });
        Lifecycle lc = lifecycle(entra, calendar, obtp);
        lc.start(pool);
        await(() -> log.contains("begin entra"), "entra starting");
        assertEquals(Health.down("starting"), lc.health().get("entra"));
        assertEquals(Health.down("waiting for entra"), lc.health().get("calendar"));
        assertEquals(Health.down("waiting for calendar"), lc.health().get("obtp"));
        release.countDown();
        await(lc::allUp, "all UP");
    }

    @Test
    void recordsEachServicesStartAndWhenItWasFirstSeenUp() {
        Fake device = new Fake("device", List.of(), List.of(), () -> scheduler.advance(Duration.ofMillis(30)));
        Fake sip = new Fake("sip", List.of("device"), List.of(), () -> scheduler.advance(Duration.ofMillis(200)));
        Lifecycle lc = lifecycle(device, sip);
        lc.start();
        assertEquals(Duration.ZERO, lc.startTimes().get("device").began());
        assertEquals(Duration.ofMillis(30), lc.startTimes().get("device").took());
        assertEquals(Duration.ofMillis(30), lc.startTimes().get("sip").began());
        assertEquals(Duration.ofMillis(200), lc.startTimes().get("sip").took());
        assertFalse(lc.startTimes().get("sip").up().isPresent(), "not UP before the health was read");
        scheduler.advance(Duration.ofMillis(5));
        assertTrue(lc.allUp());
        assertEquals(Duration.ofMillis(235), lc.startTimes().get("sip").up().orElseThrow());
        scheduler.advance(Duration.ofSeconds(1));
        lc.health();
        assertEquals(Duration.ofMillis(235), lc.startTimes().get("sip").up().orElseThrow(), "the first time only");
    }

    @Test
    void aServiceStillStartingWhenTheAgentStopsIsStoppedWhenItsStartReturns()
            throws InterruptedException, BrokenBarrierException, TimeoutException {
        CyclicBarrier inside = new CyclicBarrier(2);
        CountDownLatch release = new CountDownLatch(1);
        Fake mqtt = new Fake("mqtt", List.of(), List.of(), () -> {
            inside.await(60, TimeUnit.SECONDS);
            release.await(60, TimeUnit.SECONDS);
        });
        Lifecycle lc = lifecycle(mqtt);
        lc.start(pool);
        inside.await(60, TimeUnit.SECONDS);
        assertEquals(List.of(), lc.stop(Duration.ofSeconds(5)));
        release.countDown();
        await(() -> log.contains("stop mqtt"), "the late start undone");
        assertFalse(mqtt.running);
    }
}
