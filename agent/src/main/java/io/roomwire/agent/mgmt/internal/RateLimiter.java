package io.roomwire.agent.mgmt.internal;

import java.time.Clock;

/** A token bucket: {@code perSecond} commands a second, bursts up to twice that. */
public final class RateLimiter {

    private final Clock clock;
    private double perSecond;
    private double tokens;
    private long lastNanos;

    public RateLimiter(Clock clock, int perSecond) {
        this.clock = clock;
        this.perSecond = perSecond;
        this.tokens = 2.0 * perSecond;
        this.lastNanos = nanos();
    }

    private long nanos() {
        java.time.Instant i = clock.instant();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    public synchronized void setRate(int perSecond) {
        this.perSecond = perSecond;
        tokens = Math.min(tokens, 2.0 * perSecond);
    }

    /** Takes one token; false when the bucket is empty. */
    public synchronized boolean tryAcquire() {
        long now = nanos();
        tokens = Math.min(2.0 * perSecond, tokens + (now - lastNanos) / 1e9 * perSecond);
        lastNanos = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
