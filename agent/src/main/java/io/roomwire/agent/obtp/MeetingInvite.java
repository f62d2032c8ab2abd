package io.roomwire.agent.obtp;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One calendar event of the room mailbox, in the shape the OBTP engine needs, read from the
 * Microsoft Graph {@code event} JSON (the same JSON that {@code roomwire obtp explain --event}
 * takes and that the calendar cache stores).
 *
 * @param responseStatus the room's own response: {@code none}, {@code organizer},
 *                       {@code tentativelyAccepted}, {@code accepted}, {@code declined}, {@code notResponded}
 * @param sensitivity    {@code normal}, {@code personal}, {@code private}, {@code confidential}
 * @param type           {@code singleInstance}, {@code occurrence}, {@code exception}, {@code seriesMaster}
 * @param bodyType       {@code html} or {@code text}
 * @param allDay         an all-day event: {@code start}/{@code end} are then its dates at midnight UTC
 *                       (floating; the room's zone places them)
 */
public record MeetingInvite(String id, String subject, String organizer, Instant start, Instant end,
                            boolean allDay, boolean cancelled, String responseStatus, String showAs,
                            String sensitivity, String type, Optional<String> seriesMasterId,
                            Optional<String> joinUrl, String onlineMeetingProvider,
                            List<String> locations, String bodyType, String body) {

    public MeetingInvite {
        locations = List.copyOf(locations);
    }

    public boolean isPrivate() {
        return "private".equalsIgnoreCase(sensitivity) || "confidential".equalsIgnoreCase(sensitivity);
    }

    public boolean declinedByRoom() {
        return "declined".equalsIgnoreCase(responseStatus);
    }

    public boolean tentative() {
        return "tentativelyAccepted".equalsIgnoreCase(responseStatus) || "tentative".equalsIgnoreCase(showAs);
    }

    /**
     * Reads a Graph event. Times are {@code dateTimeTimeZone} objects; the agent asks Graph for
     * UTC ({@code Prefer: outlook.timezone="UTC"}), but other zones are honoured when named.
     *
     * @throws IllegalArgumentException naming the field that is missing or malformed
     */
    public static MeetingInvite fromGraphJson(JsonObject e) {
        String id = str(e, "id").orElseThrow(() -> new IllegalArgumentException("event has no 'id'"));
        // All-day events are floating dates: keep them as midnight UTC of their date, whatever zone Graph named.
        boolean allDay = bool(e, "isAllDay");
        Instant start = time(e, "start", allDay);
        Instant end = time(e, "end", allDay);
        String organizer = obj(e, "organizer").flatMap(o -> obj(o, "emailAddress"))
                .map(a -> str(a, "name").or(() -> str(a, "address")).orElse("")).orElse("");
        String response = obj(e, "responseStatus").flatMap(r -> str(r, "response")).orElse("none");
        Optional<String> joinUrl = obj(e, "onlineMeeting").flatMap(o -> str(o, "joinUrl"));
        List<String> locations = new ArrayList<>();
        obj(e, "location").flatMap(l -> str(l, "displayName")).filter(s -> !s.isBlank()).ifPresent(locations::add);
        if (e.has("locations") && e.get("locations").isJsonArray()) {
            for (JsonElement l : e.getAsJsonArray("locations")) {
                if (l.isJsonObject()) {
                    str(l.getAsJsonObject(), "displayName").filter(s -> !s.isBlank() && !locations.contains(s))
                            .ifPresent(locations::add);
                    str(l.getAsJsonObject(), "locationUri").filter(s -> !s.isBlank() && !locations.contains(s))
                            .ifPresent(locations::add);
                }
            }
        }
        JsonObject body = obj(e, "body").orElse(new JsonObject());
        return new MeetingInvite(id, str(e, "subject").orElse(""), organizer, start, end,
                allDay, bool(e, "isCancelled"), response, str(e, "showAs").orElse("busy"),
                str(e, "sensitivity").orElse("normal"), str(e, "type").orElse("singleInstance"),
                str(e, "seriesMasterId"), joinUrl, str(e, "onlineMeetingProvider").orElse("unknown"),
                locations, str(body, "contentType").orElse("text").toLowerCase(java.util.Locale.ROOT),
                str(body, "content").orElse(""));
    }

    private static Instant time(JsonObject e, String field, boolean floating) {
        JsonObject t = obj(e, field).orElseThrow(() -> new IllegalArgumentException("event has no '" + field + "'"));
        String dt = str(t, "dateTime").orElseThrow(() -> new IllegalArgumentException(field + ".dateTime missing"));
        String zone = floating ? "UTC" : str(t, "timeZone").orElse("UTC");
        try {
            ZoneId z = "UTC".equalsIgnoreCase(zone) ? ZoneOffset.UTC : ZoneId.of(WINDOWS_ZONES.getOrDefault(zone, zone));
            // Graph writes 7 fractional digits and no offset: "2026-03-29T09:00:00.0000000"
            return LocalDateTime.parse(dt.length() > 26 ? dt.substring(0, 26) : dt).atZone(z).toInstant();
        } catch (RuntimeException ex) {
            throw new IllegalArgumentException(field + " is not a valid dateTimeTimeZone: " + dt + " " + zone);
        }
    }

    /** Windows zone names Graph uses when no outlook.timezone is asked for (the common ones). */
    private static final java.util.Map<String, String> WINDOWS_ZONES = java.util.Map.ofEntries(
            java.util.Map.entry("Coordinated Universal Time", "UTC"),
            java.util.Map.entry("GMT Standard Time", "Europe/London"),
            java.util.Map.entry("W. Europe Standard Time", "Europe/Berlin"),
            java.util.Map.entry("Romance Standard Time", "Europe/Paris"),
            java.util.Map.entry("Central Europe Standard Time", "Europe/Budapest"),
            java.util.Map.entry("Central European Standard Time", "Europe/Warsaw"),
            java.util.Map.entry("E. Europe Standard Time", "Europe/Chisinau"),
            java.util.Map.entry("FLE Standard Time", "Europe/Kiev"),
            java.util.Map.entry("Eastern Standard Time", "America/New_York"),
            java.util.Map.entry("Central Standard Time", "America/Chicago"),
            java.util.Map.entry("Mountain Standard Time", "America/Denver"),
            java.util.Map.entry("Pacific Standard Time", "America/Los_Angeles"),
            java.util.Map.entry("India Standard Time", "Asia/Kolkata"),
            java.util.Map.entry("China Standard Time", "Asia/Shanghai"),
            java.util.Map.entry("Tokyo Standard Time", "Asia/Tokyo"),
            java.util.Map.entry("AUS Eastern Standard Time", "Australia/Sydney"),
            java.util.Map.entry("Singapore Standard Time", "Asia/Singapore"));

    static Optional<String> str(JsonObject o, String k) {
        JsonElement v = o.get(k);
        return v != null && v.isJsonPrimitive() ? Optional.of(v.getAsString()) : Optional.empty();
    }

    static Optional<JsonObject> obj(JsonObject o, String k) {
        JsonElement v = o.get(k);
        return v != null && v.isJsonObject() ? Optional.of(v.getAsJsonObject()) : Optional.empty();
    }

    static boolean bool(JsonObject o, String k) {
        JsonElement v = o.get(k);
        return v != null && v.isJsonPrimitive() && v.getAsJsonPrimitive().isBoolean() && v.getAsBoolean();
    }

    static JsonArray arr(JsonObject o, String k) {
        JsonElement v = o.get(k);
        return v != null && v.isJsonArray() ? v.getAsJsonArray() : new JsonArray();
    }
}
