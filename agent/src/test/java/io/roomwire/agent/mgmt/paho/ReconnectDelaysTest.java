package io.roomwire.agent.mgmt.paho;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reconnect bound of docs/fleet.md, on simulated time: after the broker goes away and comes back, a fleet of N
 * rooms reconnects at about N / mqtt.reconnect-spread a second, and no second sees more than three times that.
 * Each room is its own {@link ReconnectDelays} with its own seed, as each agent is; an attempt while the broker is
 * away fails at once (connection refused), one after it is back succeeds.
 */
class ReconnectDelaysTest {

    static final Duration MIN = Duration.ofMillis(500);
    static final Duration MAX = Duration.ofSeconds(5);
    static final Duration SPREAD = Duration.ofSeconds(10);

    static long bound(int rooms, Duration spread) {
        return Math.max(3, (long) Math.ceil(3.0 * rooms / spread.toSeconds()));
    }

    /** Connects per second (from the broker's return) of a fleet whose broker is away for {@code outage}. */
    static TreeMap<Long, Integer> reconnects(int rooms, Duration spread, Duration max, Duration outage, long seed) {
        TreeMap<Long, Integer> perSecond = new TreeMap<>();
        long back = outage.toMillis();
        for (int i = 0; i < rooms; i++) {
            ReconnectDelays d = new ReconnectDelays(MIN, max, spread, seed * 1_000_003L + i);
            long t = d.afterLoss().toMillis();
            while (t < back) {
                t += d.afterFailure().toMillis();
            }
            perSecond.merge((t - back) / 1000, 1, Integer::sum);
        }
        return perSecond;
    }

    @Test
    void aLongOutageEndsWithReconnectsSpreadOverBackOffAndSpread() {
        for (int rooms : new int[] {40, 1000}) {
            for (long seed = 1; seed <= 20; seed++) {
                TreeMap<Long, Integer> r = reconnects(rooms, SPREAD, MAX, Duration.ofMinutes(5), seed);
                int worst = r.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
                assertTrue(worst <= bound(rooms, SPREAD), rooms + " rooms, seed " + seed + ": " + worst
                        + " connects in one second, bound " + bound(rooms, SPREAD) + ": " + r);
                assertEquals(rooms, r.values().stream().mapToInt(Integer::intValue).sum());
                assertTrue(r.lastKey() < (MAX.plus(SPREAD)).toSeconds(), "every room back within reconnect-max + spread: " + r);
            }
        }
    }

    @Test
    void aBrokerRestartEndsWithReconnectsSpreadOverTheSpread() {
        for (long seed = 1; seed <= 20; seed++) {
            TreeMap<Long, Integer> r = reconnects(1000, SPREAD, MAX, Duration.ofSeconds(1), seed);
            int worst = r.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
            assertTrue(worst <= bound(1000, SPREAD), "seed " + seed + ": " + worst + " connects in one second: " + r);
        }
    }

    /** The long-outage case is why every failed attempt draws from the spread: back-off alone bunches the fleet. */
    @Test
    void backOffAloneWouldBunchTheFleetAfterALongOutage() {
        TreeMap<Long, Integer> r = reconnects(1000, Duration.ZERO, MAX, Duration.ofMinutes(5), 1);
        int worst = r.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
        assertTrue(worst > bound(1000, SPREAD), "without the spread: " + r);
    }

    @Test
    void connectedStartsTheBackOffAgainFromTheMinimum() {
        ReconnectDelays d = new ReconnectDelays(MIN, Duration.ofMinutes(2), Duration.ZERO, 7);
        for (int i = 0; i < 20; i++) {
            d.afterFailure();
        }
        d.reset();
        assertTrue(d.afterFailure().compareTo(MIN) <= 0);
        ReconnectDelays s = new ReconnectDelays(MIN, MAX, SPREAD, 7);
        for (int i = 0; i < 100; i++) {
            assertTrue(s.afterLoss().compareTo(SPREAD) <= 0);
            Duration f = s.afterFailure();
            assertTrue(f.compareTo(MAX.plus(SPREAD)) <= 0 && f.compareTo(MIN.dividedBy(2)) >= 0, f.toString());
        }
    }
}
