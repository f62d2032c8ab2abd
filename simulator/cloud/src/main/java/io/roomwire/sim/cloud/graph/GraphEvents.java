package io.roomwire.sim.cloud.graph;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/** The stored events of one simulated mailbox and their rendering as Graph {@code event} JSON. */
final class GraphEvents {

    private static final DateTimeFormatter GRAPH_LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSS");
    private static final DateTimeFormatter GRAPH_UTC = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final int MAX_OCCURRENCES = 20_000;

    private GraphEvents() {
    }

    /** A single meeting or a series master, as the mailbox stores it. */
    static final class Stored {
        final String id;
        final String iCalUId;
        final Instant created;
        Booking booking;
        String response = "accepted";
        Instant responseTime;
        boolean cancelled;
        Instant modified;
        /** Moved occurrences of a series, by original date. */
        final Map<LocalDate, ZonedDateTime[]> exceptions = new TreeMap<>();
        /** Deleted occurrences of a series, by original date. */
        final Set<LocalDate> deletedDates = new HashSet<>();
        /** Rendered JSON by instance and preferences; cleared whenever the event changes. */
        final Map<String, JsonObject> rendered = new java.util.HashMap<>();

        Stored(String id, Booking booking, Instant now) {
            this.id = id;
            this.booking = booking;
            this.created = now;
            this.modified = now;
            this.responseTime = now;
            this.iCalUId = "040000008200E00074C5B7101A82E008" + Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(id.getBytes(StandardCharsets.UTF_8)).toUpperCase(java.util.Locale.ROOT);
        }

        boolean isSeries() {
            return booking.recurrence().isPresent();
        }
    }

    /** One item of a calendar view: a single meeting, an occurrence or an exception of a series. */
    record Instance(String id, String type, Stored stored, Instant start, Instant end, Optional<LocalDate> originalDate) {
    }

    static String occurrenceId(String masterId, LocalDate date) {
        return "AAMkOcc" + Base64.getUrlEncoder().withoutPadding()
                .encodeToString((masterId + "/" + date).getBytes(StandardCharsets.UTF_8));
    }

    /** Every instance overlapping [from, to), singles and expanded series alike. */
    static List<Instance> view(Iterable<Stored> events, Instant from, Instant to) {
        List<Instance> out = new ArrayList<>();
        for (Stored s : events) {
            if (!s.isSeries()) {
                Instant st = startOf(s.booking.start(), s.booking.allDay());
                Instant en = st.plus(s.booking.duration());
                if (overlaps(st, en, from, to)) {
                    out.add(new Instance(s.id, "singleInstance", s, st, en, Optional.empty()));
                }
                continue;
            }
            for (Instance i : expand(s, to)) {
                if (overlaps(i.start, i.end, from, to)) {
                    out.add(i);
                }
            }
        }
        out.sort((a, b) -> a.start.compareTo(b.start));
        return out;
    }

    /** All instances of a series whose original date is before {@code to} (plus exceptions moved anywhere). */
    static List<Instance> expand(Stored s, Instant to) {
        Recurrence r = s.booking.recurrence().orElseThrow();
        ZonedDateTime first = s.booking.start();
        ZoneId zone = first.getZone();
        LocalTime time = first.toLocalTime();
        LocalDate lastDate = to.atZone(zone).toLocalDate().plusDays(1);
        for (LocalDate d : s.exceptions.keySet()) {
            if (d.isAfter(lastDate)) {
                lastDate = d;
            }
        }
        List<Instance> out = new ArrayList<>();
        int n = 0;
        for (LocalDate d : dates(r, first.toLocalDate(), lastDate)) {
            n++;
            if (r.count() > 0 && n > r.count()) {
                break;
            }
            if (r.until().isPresent() && d.isAfter(r.until().get())) {
                break;
            }
            if (s.deletedDates.contains(d)) {
                continue;
            }
            String id = occurrenceId(s.id, d);
            ZonedDateTime[] moved = s.exceptions.get(d);
            if (moved != null) {
                out.add(new Instance(id, "exception", s, moved[0].toInstant(), moved[1].toInstant(), Optional.of(d)));
            } else {
                Instant st = s.booking.allDay() ? d.atStartOfDay(ZoneOffset.UTC).toInstant()
                        : ZonedDateTime.of(d, time, zone).toInstant();
                out.add(new Instance(id, "occurrence", s, st, st.plus(s.booking.duration()), Optional.of(d)));
            }
        }
        return out;
    }

    private static List<LocalDate> dates(Recurrence r, LocalDate start, LocalDate last) {
        List<LocalDate> out = new ArrayList<>();
        if (r.type() == Recurrence.Type.DAILY) {
            for (LocalDate d = start; !d.isAfter(last) && out.size() < MAX_OCCURRENCES; d = d.plusDays(r.interval())) {
                out.add(d);
            }
            return out;
        }
        LocalDate week = start.with(TemporalAdjusters.previousOrSame(DayOfWeek.SUNDAY));
        for (; !week.isAfter(last) && out.size() < MAX_OCCURRENCES; week = week.plusWeeks(r.interval())) {
            for (int i = 0; i < 7; i++) {
                LocalDate d = week.plusDays(i);
                if (!d.isBefore(start) && !d.isAfter(last) && r.days().contains(d.getDayOfWeek())) {
                    out.add(d);
                }
            }
        }
        return out;
    }

    private static Instant startOf(ZonedDateTime start, boolean allDay) {
        return allDay ? start.toLocalDate().atStartOfDay(ZoneOffset.UTC).toInstant() : start.toInstant();
    }

    static boolean overlaps(Instant start, Instant end, Instant from, Instant to) {
        return start.isBefore(to) && (end.isAfter(from) || (end.equals(start) && !start.isBefore(from)));
    }

    /**
     * The full Graph JSON of an instance, times in {@code zone}; cached until the event changes.
     * The returned object is shared: callers must not modify it.
     */
    static JsonObject render(Instance i, String mailbox, ZoneId zone, boolean html, boolean deleteComments) {
        String key = i.id + "|" + i.type + "|" + zone.getId() + "|" + html + "|" + deleteComments;
        return i.stored.rendered.computeIfAbsent(key, k -> renderFresh(i, mailbox, zone, html, deleteComments));
    }

    private static JsonObject renderFresh(Instance i, String mailbox, ZoneId zone, boolean html, boolean deleteComments) {
        Stored s = i.stored;
        Booking b = s.booking;
        JsonObject e = new JsonObject();
        e.addProperty("id", i.id);
        e.addProperty("createdDateTime", GRAPH_UTC.format(s.created));
        e.addProperty("lastModifiedDateTime", GRAPH_UTC.format(s.modified));
        e.add("categories", new JsonArray());
        e.addProperty("originalStartTimeZone", b.start().getZone().getId());
        e.addProperty("originalEndTimeZone", b.start().getZone().getId());
        e.addProperty("iCalUId", s.iCalUId);
        e.addProperty("uid", s.iCalUId);
        e.addProperty("reminderMinutesBeforeStart", 15);
        e.addProperty("isReminderOn", false);
        e.addProperty("hasAttachments", false);
        e.addProperty("subject", s.cancelled && !b.subject().startsWith("Canceled: ") ? "Canceled: " + b.subject() : b.subject());
        String content = deleteComments ? "" : b.bodyHtml();
        e.addProperty("bodyPreview", preview(content));
        e.addProperty("importance", "normal");
        e.addProperty("sensitivity", b.sensitivity());
        e.addProperty("isAllDay", b.allDay());
        e.addProperty("isCancelled", s.cancelled);
        e.addProperty("isOrganizer", false);
        e.addProperty("responseRequested", true);
        if (i.type.equals("singleInstance")) {
            e.add("seriesMasterId", JsonNull.INSTANCE);
        } else {
            e.addProperty("seriesMasterId", s.id);
        }
        e.addProperty("showAs", s.cancelled ? "free" : "declined".equals(s.response) ? "free" : b.showAs());
        e.addProperty("type", i.type);
        e.addProperty("webLink", "https://outlook.office365.com/owa/?itemid=" + i.id + "&exvsurl=1&path=/calendar/item");
        e.add("onlineMeetingUrl", JsonNull.INSTANCE);
        e.addProperty("isOnlineMeeting", b.joinUrl().isPresent());
        e.addProperty("onlineMeetingProvider", b.onlineMeetingProvider());
        e.addProperty("allowNewTimeProposals", true);
        e.add("occurrenceId", JsonNull.INSTANCE);
        e.addProperty("isDraft", false);
        e.addProperty("hideAttendees", false);
        JsonObject rs = new JsonObject();
        rs.addProperty("response", s.response);
        rs.addProperty("time", GRAPH_UTC.format(s.responseTime));
        e.add("responseStatus", rs);
        JsonObject body = new JsonObject();
        body.addProperty("contentType", html ? "html" : "text");
        body.addProperty("content", html ? content : preview(content));
        e.add("body", body);
        e.add("start", dateTime(i.start, b.allDay(), zone));
        e.add("end", dateTime(i.end, b.allDay(), zone));
        JsonObject loc = location(b.location());
        e.add("location", loc);
        JsonArray locs = new JsonArray();
        if (!b.location().isEmpty()) {
            locs.add(location(b.location()));
        }
        e.add("locations", locs);
        if (i.type.equals("seriesMaster")) {
            e.add("recurrence", recurrence(b));
        } else {
            e.add("recurrence", JsonNull.INSTANCE);
        }
        JsonArray attendees = new JsonArray();
        attendees.add(attendee(b.organizerName(), b.organizerAddress(), "required", "organizer"));
        attendees.add(attendee(mailbox, mailbox, "resource", s.response));
        e.add("attendees", attendees);
        JsonObject org = new JsonObject();
        org.add("emailAddress", email(b.organizerName(), b.organizerAddress()));
        e.add("organizer", org);
        if (b.joinUrl().isPresent()) {
            JsonObject om = new JsonObject();
            om.addProperty("joinUrl", b.joinUrl().get());
            e.add("onlineMeeting", om);
        } else {
            e.add("onlineMeeting", JsonNull.INSTANCE);
        }
        JsonObject out = new JsonObject();
        String etag = etag(e);
        out.addProperty("@odata.type", "#microsoft.graph.event");
        out.addProperty("@odata.etag", "W/\"" + etag + "\"");
        for (Map.Entry<String, com.google.gson.JsonElement> en : e.entrySet()) {
            out.add(en.getKey(), en.getValue());
            if (en.getKey().equals("lastModifiedDateTime")) {
                out.addProperty("changeKey", etag);
            }
        }
        return out;
    }

    /** The series master itself, as {@code GET /users/{id}/events/{masterId}} returns it. */
    static JsonObject renderMaster(Stored s, String mailbox, ZoneId zone, boolean html, boolean deleteComments) {
        Instant st = startOf(s.booking.start(), s.booking.allDay());
        Instance master = new Instance(s.id, "seriesMaster", s, st, st.plus(s.booking.duration()), Optional.empty());
        return render(master, mailbox, zone, html, deleteComments);
    }

    /** What calendarView delta returns for a plain occurrence of a series: no details. */
    static JsonObject sparse(JsonObject full) {
        JsonObject o = new JsonObject();
        o.addProperty("@odata.type", "#microsoft.graph.event");
        o.add("@odata.etag", full.get("@odata.etag"));
        o.add("type", full.get("type"));
        o.add("seriesMasterId", full.get("seriesMasterId"));
        o.add("start", full.get("start"));
        o.add("end", full.get("end"));
        o.add("id", full.get("id"));
        return o;
    }

    static JsonObject removed(String id) {
        JsonObject o = new JsonObject();
        o.addProperty("@odata.type", "#microsoft.graph.event");
        o.addProperty("id", id);
        JsonObject r = new JsonObject();
        r.addProperty("reason", "deleted");
        o.add("@removed", r);
        return o;
    }

    private static JsonObject dateTime(Instant t, boolean allDay, ZoneId zone) {
        JsonObject o = new JsonObject();
        // All-day events float: midnight to midnight in whatever zone the client asked for.
        String local = allDay ? GRAPH_LOCAL.format(t.atZone(ZoneOffset.UTC).toLocalDateTime())
                : GRAPH_LOCAL.format(t.atZone(zone).toLocalDateTime());
        o.addProperty("dateTime", local);
        o.addProperty("timeZone", zone.equals(ZoneOffset.UTC) ? "UTC" : zone.getId());
        return o;
    }

    private static JsonObject location(String name) {
        JsonObject l = new JsonObject();
        l.addProperty("displayName", name);
        l.addProperty("locationType", "default");
        if (!name.isEmpty()) {
            l.addProperty("uniqueId", name);
            l.addProperty("uniqueIdType", "private");
        }
        return l;
    }

    private static JsonObject recurrence(Booking b) {
        Recurrence r = b.recurrence().orElseThrow();
        JsonObject pattern = new JsonObject();
        pattern.addProperty("type", r.graphPatternType());
        pattern.addProperty("interval", r.interval());
        pattern.addProperty("month", 0);
        pattern.addProperty("dayOfMonth", 0);
        JsonArray days = new JsonArray();
        r.days().stream().sorted().forEach(d -> days.add(Recurrence.graphDay(d)));
        pattern.add("daysOfWeek", days);
        pattern.addProperty("firstDayOfWeek", "sunday");
        pattern.addProperty("index", "first");
        JsonObject range = new JsonObject();
        range.addProperty("type", r.count() > 0 ? "numbered" : r.until().isPresent() ? "endDate" : "noEnd");
        range.addProperty("startDate", b.start().toLocalDate().toString());
        range.addProperty("endDate", r.until().map(LocalDate::toString).orElse("0001-01-01"));
        range.addProperty("recurrenceTimeZone", b.start().getZone().getId());
        range.addProperty("numberOfOccurrences", r.count());
        JsonObject rec = new JsonObject();
        rec.add("pattern", pattern);
        rec.add("range", range);
        return rec;
    }

    private static JsonObject attendee(String name, String address, String type, String response) {
        JsonObject a = new JsonObject();
        a.addProperty("type", type);
        JsonObject st = new JsonObject();
        st.addProperty("response", response.equals("organizer") ? "none" : response);
        st.addProperty("time", "0001-01-01T00:00:00Z");
        a.add("status", st);
        a.add("emailAddress", email(name, address));
        return a;
    }

    private static JsonObject email(String name, String address) {
        JsonObject o = new JsonObject();
        o.addProperty("name", name);
        o.addProperty("address", address);
        return o;
    }

    private static String preview(String html) {
        String text = html.replaceAll("(?s)<style.*?</style>", " ").replaceAll("<[^>]*>", " ")
                .replace("&nbsp;", " ").replace("&amp;", "&").replaceAll("\\s+", " ").strip();
        return text.length() > 255 ? text.substring(0, 255) : text;
    }

    private static String etag(JsonObject e) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(e.toString().getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(h, 12));
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    static Duration length(Instance i) {
        return Duration.between(i.start, i.end);
    }
}
