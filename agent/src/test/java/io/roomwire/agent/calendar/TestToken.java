package io.roomwire.agent.calendar;

import io.roomwire.sim.cloud.SimTokenAuthority;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** A token source backed by the simulated Entra, with switches for the 401 cases. */
final class TestToken implements GraphToken {

    private final SimTokenAuthority authority;
    private volatile String current;
    volatile boolean refreshGivesValid = true;
    final AtomicInteger refreshes = new AtomicInteger();

    TestToken(SimTokenAuthority authority) {
        this.authority = authority;
        this.current = valid();
    }

    String valid() {
        return authority.sign(Map.of("aud", SimTokenAuthority.GRAPH_AUDIENCE, "roles", List.of("Calendars.Read")),
                Duration.ofDays(60));
    }

    /** A well-signed token for the wrong audience: Graph answers 401. */
    String wrongAudience() {
        return authority.sign(Map.of("aud", "api://not-graph"), Duration.ofDays(60));
    }

    void set(String token) {
        current = token;
    }

    @Override
    public Optional<String> accessToken() {
        return Optional.ofNullable(current);
    }

    @Override
    public Optional<String> refreshAfterUnauthorized() {
        refreshes.incrementAndGet();
        if (!refreshGivesValid) {
            return Optional.empty();
        }
        current = valid();
        return Optional.of(current);
    }
}
