package io.roomwire.agent.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.health.Health;
import io.roomwire.core.time.VirtualScheduler;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ServiceManagerNotifierTest {

    private final VirtualScheduler scheduler = new VirtualScheduler();
    private final List<List<String>> sent = new ArrayList<>();
    private final ServiceManagerNotifier.Channel recording = sent::add;
    private final Map<String, Health> health = new LinkedHashMap<>();

    private ServiceManagerNotifier notifier(Optional<Duration> watchdog) {
        return new ServiceManagerNotifier(recording, scheduler.clock(), watchdog);
    }

    @Test
    void reportsReadyOnlyOnceEveryServiceIsUp() {
        ServiceManagerNotifier n = notifier(Optional.empty());
        health.put("device", Health.up());
        health.put("calendar", Health.down("Graph unreachable (retrying)"));
        n.onHealth(health);
        assertEquals(List.of(List.of("STATUS=waiting for calendar DOWN(Graph unreachable (retrying))")), sent);
        assertFalse(n.ready());

        health.put("calendar", Health.up());
        scheduler.advance(Duration.ofSeconds(3));
        n.onHealth(health);
        n.onHealth(health);
        assertEquals(List.of("READY=1", "STATUS=all services UP"), sent.get(1));
        assertEquals(2, sent.size(), "nothing changed on the third tick: nothing sent");
        assertTrue(n.ready());
    }

    @Test
    void reportsReadyAtTheReadyTimeoutWithTheServicesStillDown() {
        ServiceManagerNotifier n = notifier(Optional.empty());
        health.put("mqtt", Health.down("broker unreachable (retrying)"));
        n.onHealth(health);
        scheduler.advance(ServiceManagerNotifier.READY_TIMEOUT.minusSeconds(1));
        n.onHealth(health);
        assertFalse(n.ready());
        scheduler.advance(Duration.ofSeconds(1));
        n.onHealth(health);
        assertEquals(List.of("READY=1"), sent.get(sent.size() - 1), "the status was already sent and has not changed");
        assertTrue(n.ready());
    }

    @Test
    void pingsTheWatchdogAtHalfItsTimeout() {
        ServiceManagerNotifier n = notifier(Optional.of(Duration.ofSeconds(30)));
        health.put("device", Health.up());
        n.onHealth(health);
        assertEquals(List.of("READY=1", "STATUS=all services UP", "WATCHDOG=1"), sent.get(0));
        for (int i = 0; i < 60; i++) {
            scheduler.advance(Duration.ofMillis(200));
            n.onHealth(health);
        }
        assertEquals(1, sent.size(), "12 s later: no second ping yet");
        scheduler.advance(Duration.ofSeconds(3));
        n.onHealth(health);
        assertEquals(List.of("WATCHDOG=1"), sent.get(1));
    }

    @Test
    void retriesAFailedNotificationOnTheNextTick() {
        List<List<String>> delivered = new ArrayList<>();
        boolean[] down = {true};
        ServiceManagerNotifier n = new ServiceManagerNotifier(m -> {
            if (down[0]) {
                throw new IOException("Connection refused");
            }
            delivered.add(m);
        }, scheduler.clock(), Optional.of(Duration.ofSeconds(10)));
        health.put("device", Health.up());
        n.onHealth(health);
        assertFalse(n.ready());
        down[0] = false;
        scheduler.advance(Duration.ofMillis(200));
        n.onHealth(health);
        assertEquals(List.of(List.of("READY=1", "STATUS=all services UP", "WATCHDOG=1")), delivered);
        assertTrue(n.ready());
    }

    @Test
    void stoppingIsReported() {
        notifier(Optional.empty()).stopping();
        assertEquals(List.of(List.of("STOPPING=1", "STATUS=stopping")), sent);
    }

    @Test
    void noNotifierOutsideSystemd() {
        assertTrue(ServiceManagerNotifier.fromEnvironment(Map.of("PATH", "/usr/bin"), scheduler.clock()).isEmpty());
    }

    @Test
    void watchdogTimeoutIsReadFromTheEnvironmentWhenItIsForThisProcess() {
        assertEquals(Optional.of(Duration.ofSeconds(30)),
                ServiceManagerNotifier.watchdogTimeout(Map.of("WATCHDOG_USEC", "30000000"), 42));
        assertEquals(Optional.of(Duration.ofSeconds(30)),
                ServiceManagerNotifier.watchdogTimeout(Map.of("WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "42"), 42));
        assertEquals(Optional.empty(),
                ServiceManagerNotifier.watchdogTimeout(Map.of("WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "7"), 42),
                "the launcher's pid: meant for another process");
        assertEquals(Optional.empty(), ServiceManagerNotifier.watchdogTimeout(Map.of(), 42));
        assertEquals(Optional.empty(), ServiceManagerNotifier.watchdogTimeout(Map.of("WATCHDOG_USEC", "soon"), 42));
    }
}
