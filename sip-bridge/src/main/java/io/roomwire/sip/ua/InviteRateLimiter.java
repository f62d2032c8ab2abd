package io.roomwire.sip.ua;

import io.roomwire.core.time.Scheduler;
import java.time.Duration;
import java.time.Instant;

/** At most {@code limit} new inbound INVITEs per window; the rest get 503 with Retry-After. */
final class InviteRateLimiter {

    private final int limit;
    private final Duration window;
    private final Scheduler scheduler;
    private Instant windowStart;
    private int count;

    InviteRateLimiter(int limit, Duration window, Scheduler scheduler) {
        this.limit = limit;
        this.window = window;
        this.scheduler = scheduler;
    }

    synchronized boolean tryAcquire() {
        Instant now = scheduler.now();
        if (windowStart == null || !now.isBefore(windowStart.plus(window))) {
            windowStart = now;
            count = 0;
        }
        return ++count <= limit;
    }

    long retryAfterSeconds() {
        return Math.max(1, window.toSeconds());
    }
}
