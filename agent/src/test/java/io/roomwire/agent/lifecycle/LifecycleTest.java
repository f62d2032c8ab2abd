package io.roomwire.agent.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.health.AfterStart;
import io.roomwire.core.health.Health;
import io.roomwire.core.health.Service;
import io.roomwire.core.time.Backoff;
import io.roomwire.core.time.VirtualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class LifecycleTest {

    private final VirtualScheduler scheduler = new VirtualScheduler();
    private final List<String> log = new ArrayList<>();
    private final List<DeviceEvent> events = new ArrayList<>();

    private final class Fake implements Service {
        final String name;
        final List<String> deps;
        int failuresLeft;
        Health health = Health.up();
        boolean running;

        Fake(String name, String... deps) {
            this.name = name;
            this.deps = List.of(deps);
        }

        @Override public String name() { return name; }
        @Override public List<String> dependsOn() { return deps; }

        @Override
        public void start() {
            log.add("start " + name);
            if (failuresLeft > 0) {
                failuresLeft--;
                throw new IllegalStateException(name + " cannot reach its server");
            }
            running = true;
        }

        @Override
        public void stop() {
            if (running) {
                log.add("stop " + name);
            }
            running = false;
        }

        @Override public Health health() { return health; }
    }

    private Lifecycle lifecycle(Service... services) {
        return new Lifecycle(scheduler, List.of(services),
                () -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), new Random(42)), events::add);
    }

    @Test
    void startsInDependencyOrderAndStopsInReverse() {
        Fake mqtt = new Fake("mqtt", "identity");
        Fake calendar = new Fake("calendar", "entra");
        Fake entra = new Fake("entra", "identity");
        Fake identity = new Fake("identity");
        Lifecycle lc = lifecycle(mqtt, calendar, entra, identity);
        assertEquals(List.of("identity", "mqtt", "entra", "calendar"), lc.order());
        lc.start();
        assertEquals(List.of("start identity", "start mqtt", "start entra", "start calendar"), log);
        assertTrue(lc.allUp());
        log.clear();
        assertEquals(List.of(), lc.stop(Duration.ofSeconds(5)));
        assertEquals(List.of("stop calendar", "stop entra", "stop mqtt", "stop identity"), log);
    }

    @Test
    void aFailingServiceIsRetriedWithBackoffWhileTheOthersRun() {
        Fake device = new Fake("device");
        Fake mqtt = new Fake("mqtt");
        mqtt.failuresLeft = 3;
        Fake calendar = new Fake("calendar");
        Lifecycle lc = lifecycle(device, mqtt, calendar);
        lc.start();
        assertTrue(device.running && calendar.running);
        assertEquals(Health.State.DOWN, lc.health().get("mqtt").state());
        assertTrue(lc.health().get("mqtt").reason().contains("cannot reach its server"));
        assertEquals(Health.up(), lc.health().get("calendar"));

        scheduler.advance(Duration.ofMinutes(2));
        assertTrue(mqtt.running, "retried until it started");
        assertEquals(4, log.stream().filter("start mqtt"::equals).count());
        assertTrue(lc.allUp());
        assertEquals(3, events.stream().filter(e -> e.type().equals("service.failed")).count());
        assertEquals(1, events.stream().filter(e -> e.type().equals("service.recovered")).count());
    }

    @Test
    void retryDelaysGrowAndAreJittered() {
        Fake broker = new Fake("broker");
        broker.failuresLeft = 5;
        lifecycle(broker).start();
        List<Long> delays = events.stream().filter(e -> e.type().equals("service.failed"))
                .map(e -> ((Number) e.attributes().get("retryInMs")).longValue()).toList();
        assertEquals(1, delays.size());
        for (int i = 0; i < 4; i++) {
            scheduler.advance(scheduler.nextDue().map(t -> Duration.between(scheduler.now(), t)).orElseThrow());
        }
        delays = events.stream().filter(e -> e.type().equals("service.failed"))
                .map(e -> ((Number) e.attributes().get("retryInMs")).longValue()).toList();
        assertEquals(5, delays.size());
        long[] ceilings = {1000, 2000, 4000, 8000, 16000};
        for (int i = 0; i < 5; i++) {
            assertTrue(delays.get(i) >= 500 && delays.get(i) <= ceilings[i], "attempt " + i + ": " + delays);
        }
    }

    @Test
    void dependentsWaitForAFailedDependencyAndStartWhenItRecovers() {
        Fake entra = new Fake("entra");
        entra.failuresLeft = 1;
        Fake calendar = new Fake("calendar", "entra");
        Fake sip = new Fake("sip");
        Lifecycle lc = lifecycle(entra, calendar, sip);
        lc.start();
        assertTrue(sip.running);
        assertTrue(!calendar.running);
        assertEquals(Health.down("waiting for entra"), lc.health().get("calendar"));
        scheduler.advance(Duration.ofSeconds(2));
        assertTrue(entra.running && calendar.running);
    }

    @Test
    void degradedHealthOfARunningServiceIsReported() {
        Fake calendar = new Fake("calendar");
        Lifecycle lc = lifecycle(calendar);
        lc.start();
        calendar.health = Health.degraded("calendar stale since 09:00");
        assertEquals(Health.degraded("calendar stale since 09:00"), lc.overall());
    }

    @Test
    void stopIsBoundedWhenAServiceHangs() throws Exception {
        CountDownLatch asked = new CountDownLatch(1);
        CountDownLatch released = new CountDownLatch(1);
        Fake quick = new Fake("quick");
        Service hanging = new Service() {
            @Override public String name() { return "hanging"; }
            @Override public void start() { }
            @Override public void stop() throws InterruptedException {
                asked.countDown();
                released.await(); // hangs until the test ends: only the bound can get stop() past it
            }
            @Override public Health health() { return Health.up(); }
        };
        Lifecycle lc = lifecycle(quick, hanging);
        lc.start();
        // The services after a hanging one get a tenth of the bound: 300 ms here, which a stop that
        // only flips a flag meets even on a loaded machine (30 ms, with a 300 ms bound, did not).
        Duration bound = Duration.ofSeconds(3);
        long t0 = System.nanoTime();
        try {
            assertEquals(List.of("hanging"), lc.stop(bound));
            long took = System.nanoTime() - t0;
            assertEquals(0, asked.getCount(), "the hanging service was asked to stop");
            assertTrue(took < bound.multipliedBy(3).toNanos(), "stop returned after " + took / 1_000_000 + " ms");
            assertTrue(!quick.running, "services after the hanging one are still stopped");
        } finally {
            released.countDown();
        }
    }

    @Test
    void noRetryAfterStop() {
        Fake flaky = new Fake("flaky");
        flaky.failuresLeft = 100;
        Lifecycle lc = lifecycle(flaky);
        lc.start();
        lc.stop(Duration.ofSeconds(1));
        scheduler.advance(Duration.ofHours(1));
        assertEquals(1, log.stream().filter("start flaky"::equals).count());
    }

    private Lifecycle lifecycle(AfterStart afterStart, Service... services) {
        return new Lifecycle(scheduler, List.of(services),
                () -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), new Random(42)), events::add, afterStart);
    }

    /** A service that starts but stays DEGRADED. */
    private Fake down(String name, String reason) {
        Fake f = new Fake(name);
        f.health = Health.degraded(reason);
        return f;
    }

    /** What ran of the work left in {@code afterStart}: a "first sync". */
    private static List<String> waiting(AfterStart afterStart) {
        List<String> ran = new ArrayList<>();
        afterStart.run(() -> ran.add("first sync"));
        return ran;
    }

    @Test
    void workLeftForAfterTheStartRunsOnceEveryServiceIsUp() {
        Fake identity = new Fake("identity");
        Fake mqtt = new Fake("mqtt", "identity");
        mqtt.health = Health.degraded("broker not connected");
        AfterStart afterStart = new AfterStart();
        List<String> ran = waiting(afterStart);
        Lifecycle lc = lifecycle(afterStart, identity, mqtt);

        lc.start();
        scheduler.advance(Duration.ofSeconds(1));
        assertEquals(List.of(), ran, "mqtt is not UP yet");

        mqtt.health = Health.up();
        scheduler.advance(Duration.ofMillis(50));
        assertEquals(List.of("first sync"), ran, "at the next look after every service is UP");
        afterStart.run(() -> ran.add("later work"));
        assertEquals(List.of("first sync", "later work"), ran, "open for good: later work runs at once");
        assertEquals(0, scheduler.pending(), "the lifecycle stopped looking");
    }

    @Test
    void workLeftForAfterTheStartRunsAfterTheBoundWhenAServiceStaysDown() {
        Fake camera = down("camera", "no camera");
        AfterStart afterStart = new AfterStart();
        List<String> ran = waiting(afterStart);
        lifecycle(afterStart, camera).start();

        scheduler.advance(Lifecycle.AFTER_START_BOUND.minusMillis(60));
        assertEquals(List.of(), ran);
        scheduler.advance(Duration.ofMillis(110));
        assertEquals(List.of("first sync"), ran, "a service that stays down holds it back no longer than the bound");
        assertEquals(0, scheduler.pending());
    }

    @Test
    void aStopBeforeTheStartIsOverStopsLooking() {
        Fake mqtt = down("mqtt", "broker not connected");
        AfterStart afterStart = new AfterStart();
        List<String> ran = waiting(afterStart);
        Lifecycle lc = lifecycle(afterStart, mqtt);
        lc.start();
        lc.stop(Duration.ofSeconds(1));
        scheduler.advance(Duration.ofMinutes(1));
        assertEquals(List.of(), ran, "stopped: nothing runs");
        assertEquals(0, scheduler.pending());
    }

    @Test
    void rejectsCyclesAndUnknownDependencies() {
        assertThrows(IllegalArgumentException.class, () -> lifecycle(new Fake("a", "b"), new Fake("b", "a")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lifecycle(new Fake("a", "zzz")));
        assertTrue(e.getMessage().contains("zzz"));
    }
}
