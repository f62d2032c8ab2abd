package io.roomwire.core.time;

import java.time.Duration;
import java.util.Random;
import java.util.random.RandomGenerator;

/**
 * Jittered exponential back-off ("full jitter" over an exponentially growing ceiling, never
 * below {@code base/2}), capped; retries go on forever. Not thread-safe: one per retry loop.
 */
public final class Backoff {

    private final Duration base;
    private final Duration cap;
    private final RandomGenerator random;
    private int attempt;

    public Backoff(Duration base, Duration cap, RandomGenerator random) {
        if (base.isNegative() || base.isZero() || cap.compareTo(base) < 0) {
            throw new IllegalArgumentException("need 0 < base <= cap, got " + base + ", " + cap);
        }
        this.base = base;
        this.cap = cap;
        this.random = random;
    }

    public Backoff(Duration base, Duration cap) {
        this(base, cap, new Random());
    }

    /** The delay before the next attempt; each call counts as one more failure. */
    public Duration next() {
        long ceiling = ceilingMillis(attempt);
        attempt = Math.min(attempt + 1, 62);
        long floor = Math.min(base.toMillis() / 2, ceiling);
        long span = Math.max(1, ceiling - floor);
        return Duration.ofMillis(floor + random.nextLong(span + 1));
    }

    /** The largest delay the next call to {@link #next()} may return. */
    public Duration peekCeiling() {
        return Duration.ofMillis(ceilingMillis(attempt));
    }

    private long ceilingMillis(int n) {
        long b = base.toMillis();
        long c = cap.toMillis();
        return n >= 62 || b << Math.min(n, 62) <= 0 ? c : Math.min(c, b << n);
    }

    /** After a success: the next failure starts from {@code base} again. */
    public void reset() {
        attempt = 0;
    }

    public int attempts() {
        return attempt;
    }
}
