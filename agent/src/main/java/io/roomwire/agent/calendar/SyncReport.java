package io.roomwire.agent.calendar;

import java.time.Instant;
import java.util.Optional;

/**
 * The outcome of one sync ({@code calendar.sync} command).
 *
 * @param ok        the sync reached Graph and the cache is current
 * @param meetings  meetings in the cache afterwards
 * @param requests  Graph requests this sync made
 * @param syncedAt  when the cache was last current (empty: never)
 * @param message   what happened, or why it failed and what to do
 */
public record SyncReport(boolean ok, int meetings, int requests, Optional<Instant> syncedAt, String message) {
}
