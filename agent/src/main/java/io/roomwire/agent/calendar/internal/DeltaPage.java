package io.roomwire.agent.calendar.internal;

import com.google.gson.JsonObject;
import java.util.List;
import java.util.Optional;

/** One page of a calendarView delta answer: items, and either the next link or the delta link. */
public record DeltaPage(List<JsonObject> items, Optional<String> nextLink, Optional<String> deltaLink) {
}
