package io.roomwire.agent.mgmt.paho;

import io.roomwire.core.time.Backoff;

import java.time.Duration;
import java.util.Random;

/**
 * When an MQTT transport tries the broker again: the one place that decides how a fleet's reconnects spread out.
 * <ul>
 *   <li>After losing a working connection (every room lost the broker in the same instant): a random moment within
 *       {@code mqtt.reconnect-spread}.</li>
 *   <li>After a failed attempt: the jittered back-off ({@code mqtt.reconnect-min} doubling to
 *       {@code mqtt.reconnect-max}) plus a fresh random moment within the spread. After minutes of failures every
 *       room sits at reconnect-max; without the added spread the whole fleet would come back within that one
 *       period when the broker returns.</li>
 * </ul>
 * A spread of zero turns both off (plain back-off). Not thread-safe: the transport calls it under its lock.
 */
final class ReconnectDelays {

    private final Backoff backoff;
    private final Random spreadRandom;
    private final long spreadMillis;

    ReconnectDelays(Duration min, Duration max, Duration spread, long seed) {
        this.backoff = new Backoff(min, max, new Random(seed));
        this.spreadRandom = new Random(seed ^ 0x5DEECE66DL);
        this.spreadMillis = spread.toMillis();
    }

    /** The wait before the first attempt after a working connection was lost. */
    Duration afterLoss() {
        return spreadMillis == 0 ? afterFailure() : Duration.ofMillis(spreadRandom.nextLong(spreadMillis + 1));
    }

    /** The wait after an attempt that failed (or could not be made); each call counts as one more failure. */
    Duration afterFailure() {
        Duration d = backoff.next();
        return spreadMillis == 0 ? d : d.plusMillis(spreadRandom.nextLong(spreadMillis + 1));
    }

    /** Connected: the next failure backs off from reconnect-min again. */
    void reset() {
        backoff.reset();
    }
}
