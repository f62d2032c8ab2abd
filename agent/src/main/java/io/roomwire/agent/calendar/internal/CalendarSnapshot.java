package io.roomwire.agent.calendar.internal;

import io.roomwire.core.net.JsonNestingLimit;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The calendar cache: the events of one window exactly as Graph sent them (occurrences may be
 * sparse), the series masters that fill them in, and the delta link that continues from this
 * state. Stored as one file so the delta link and the events it belongs to never disagree.
 * Immutable: the JSON objects inside are never changed after construction.
 *
 * <p>The bytes are gzip'd JSON: invitation bodies are HTML that compresses ~8x, and the cache is read and
 * decrypted on every start before the calendar is UP, where each byte less to decrypt counts (docs/performance.md,
 * round 9). JSON in the clear, as versions before wrote it, is still read.
 */
public record CalendarSnapshot(String mailbox, Instant windowStart, Instant windowEnd, String deltaLink,
                               Instant syncedAt, Map<String, JsonObject> events, Map<String, JsonObject> masters) {

    private static final int FORMAT = 1;

    /** The most JSON a cache may inflate to: far above any mailbox's window, far below the heap. */
    static final int MAX_JSON_BYTES = 16 << 20;

    public CalendarSnapshot {
        events = Collections.unmodifiableMap(new LinkedHashMap<>(events));
        masters = Collections.unmodifiableMap(new LinkedHashMap<>(masters));
    }

    /** Whether a delta item is an occurrence that carries no details (only id/start/end/seriesMasterId). */
    public static boolean isSparse(JsonObject e) {
        return !e.has("subject") && e.has("seriesMasterId") && e.get("seriesMasterId").isJsonPrimitive();
    }

    public static Optional<String> string(JsonObject o, String k) {
        JsonElement v = o.get(k);
        return v != null && v.isJsonPrimitive() ? Optional.of(v.getAsString()) : Optional.empty();
    }

    /**
     * The complete event JSON for an id: as stored, or for a sparse occurrence its series
     * master's details with the occurrence's own id, type, start and end. Empty when the master
     * is not known.
     */
    public Optional<JsonObject> full(String id) {
        JsonObject e = events.get(id);
        if (e == null) {
            return Optional.empty();
        }
        if (!isSparse(e)) {
            return Optional.of(e);
        }
        JsonObject master = masters.get(e.get("seriesMasterId").getAsString());
        if (master == null) {
            return Optional.empty();
        }
        JsonObject merged = master.deepCopy();
        merged.remove("recurrence");
        merged.remove("@odata.context");
        for (String k : new String[] {"id", "type", "seriesMasterId", "start", "end", "@odata.etag"}) {
            if (e.has(k)) {
                merged.add(k, e.get(k).deepCopy());
            }
        }
        if (!merged.has("type")) {
            merged.addProperty("type", "occurrence");
        }
        return Optional.of(merged);
    }

    public byte[] toBytes() {
        JsonObject o = new JsonObject();
        o.addProperty("format", FORMAT);
        o.addProperty("mailbox", mailbox);
        o.addProperty("windowStart", windowStart.toString());
        o.addProperty("windowEnd", windowEnd.toString());
        o.addProperty("deltaLink", deltaLink);
        o.addProperty("syncedAt", syncedAt.toString());
        JsonArray ev = new JsonArray();
        events.values().forEach(ev::add);
        o.add("events", ev);
        JsonArray ms = new JsonArray();
        masters.values().forEach(ms::add);
        o.add("masters", ms);
        byte[] json = o.toString().getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(json.length / 4 + 64);
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // not from memory
        }
        return out.toByteArray();
    }

    /** The JSON of a cache: inflated when gzip'd (as written now), as it is when not (as written before). */
    private static String json(byte[] bytes) {
        if (bytes.length < 2 || (bytes[0] & 0xff) != 0x1f || (bytes[1] & 0xff) != 0x8b) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
            byte[] json = in.readNBytes(MAX_JSON_BYTES + 1);
            if (json.length > MAX_JSON_BYTES) {
                throw new IllegalArgumentException("it inflates to more than " + (MAX_JSON_BYTES >> 20) + " MB");
            }
            return new String(json, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("not valid gzip (" + e.getMessage() + ")", e);
        }
    }

    /** @throws IllegalArgumentException when the bytes are not a cache of this format */
    public static CalendarSnapshot fromBytes(byte[] bytes) {
        try {
            JsonObject o = JsonNestingLimit.parseObject(json(bytes));
            if (o.get("format").getAsInt() != FORMAT) {
                throw new IllegalArgumentException("unknown calendar cache format " + o.get("format"));
            }
            Map<String, JsonObject> events = new LinkedHashMap<>();
            for (JsonElement e : o.getAsJsonArray("events")) {
                JsonObject ev = e.getAsJsonObject();
                events.put(ev.get("id").getAsString(), ev);
            }
            Map<String, JsonObject> masters = new LinkedHashMap<>();
            for (JsonElement e : o.getAsJsonArray("masters")) {
                JsonObject m = e.getAsJsonObject();
                masters.put(m.get("id").getAsString(), m);
            }
            return new CalendarSnapshot(o.get("mailbox").getAsString(), Instant.parse(o.get("windowStart").getAsString()),
                    Instant.parse(o.get("windowEnd").getAsString()), o.get("deltaLink").getAsString(),
                    Instant.parse(o.get("syncedAt").getAsString()), events, masters);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("calendar cache unreadable: " + e.getMessage(), e);
        }
    }
}
