package io.roomwire.agent.mgmt.internal;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.roomwire.core.store.CorruptStateException;
import io.roomwire.core.store.FileStore;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.tinylog.Logger;

/**
 * The persisted, bounded queue of events not yet acknowledged by the broker. Events are numbered
 * ({@code seq}, never reused) and kept in segment files of {@value #SEGMENT} events each, written
 * atomically by the {@link FileStore}; a small meta entry holds the last acknowledged number and
 * the count of events dropped because the queue was full (oldest first). Changes are kept in
 * memory until {@link #flush()} (the service flushes right after each burst, off the caller's
 * thread, and on stop), so that reporting an event never waits for the disk. {@link #head()} hands out
 * only events a flush has written: a number the broker has seen is on disk, so a process killed before
 * its next flush never gives that number to another event after the restart (a collector drops a
 * repeated {@code seq} as the same event).
 */
public final class EventQueue {

    /** One queued event: its number and its JSON text. */
    public record Entry(long seq, String json) { }

    static final int SEGMENT = 100;
    private static final String META = "mgmt-events.meta";
    private static final String PREFIX = "mgmt-events-";

    private final FileStore store;
    private final int capacity;
    private final Deque<Entry> entries = new ArrayDeque<>();
    private long nextSeq = 1;
    private long acked;
    private long dropped;
    private final java.util.Set<Long> dirtySegments = new java.util.TreeSet<>();
    private final java.util.Set<Long> deadSegments = new java.util.TreeSet<>();
    private boolean metaDirty;
    /** The highest number a flush has written (or tried to: a full disk must not stop delivery). */
    private long written;

    public EventQueue(FileStore store, int capacity) {
        this.store = store;
        this.capacity = capacity;
        load();
    }

    private void load() {
        try {
            Optional<String> meta = store.readString(META);
            if (meta.isPresent()) {
                JsonObject m = JsonParser.parseString(meta.get()).getAsJsonObject();
                acked = m.get("acked").getAsLong();
                dropped = m.get("dropped").getAsLong();
                nextSeq = Math.max(nextSeq, m.get("next").getAsLong());
            }
        } catch (CorruptStateException | IOException | RuntimeException e) {
            Logger.warn("Event queue meta unreadable ({}); events may be sent twice", e.getMessage());
        }
        for (long seg : segments()) {
            String name = PREFIX + seg;
            try {
                Optional<String> text = store.readString(name);
                if (text.isEmpty()) {
                    continue;
                }
                for (String line : text.get().split("\n")) {
                    if (line.isEmpty()) {
                        continue;
                    }
                    int tab = line.indexOf('\t');
                    long seq = Long.parseLong(line.substring(0, tab));
                    if (seq > acked) {
                        entries.addLast(new Entry(seq, line.substring(tab + 1)));
                    }
                    nextSeq = Math.max(nextSeq, seq + 1);
                }
            } catch (CorruptStateException e) {
                Logger.error("Event queue segment {} was corrupt and moved aside; its events are lost", name);
                dropped += SEGMENT;
            } catch (IOException | RuntimeException e) {
                Logger.error("Event queue segment {} unreadable: {}", name, e.getMessage());
            }
        }
        trim();
        written = nextSeq - 1;
        if (!entries.isEmpty()) {
            Logger.info("Event queue: {} events from before the restart wait for the broker", entries.size());
        }
    }

    private TreeSet<Long> segments() {
        TreeSet<Long> out = new TreeSet<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(store.dir(), PREFIX + "*")) {
            for (Path p : ds) {
                String n = p.getFileName().toString().substring(PREFIX.length());
                if (n.matches("\\d{1,18}")) {
                    out.add(Long.parseLong(n));
                }
            }
        } catch (IOException e) {
            Logger.warn("Cannot list event queue segments in {}: {}", store.dir(), e.getMessage());
        }
        return out;
    }

    /** Adds an event; the oldest are dropped (and counted) beyond the capacity. Returns its number. */
    public synchronized long append(JsonObject event) {
        long seq = nextSeq++;
        event.addProperty("seq", seq);
        entries.addLast(new Entry(seq, event.toString()));
        if (trim()) {
            metaDirty = true;
        }
        dirtySegments.add(seq / SEGMENT);
        return seq;
    }

    private boolean trim() {
        boolean any = false;
        while (entries.size() > capacity) {
            Entry e = entries.removeFirst();
            acked = e.seq();
            dropped++;
            any = true;
            if ((e.seq() + 1) % SEGMENT == 0) {
                deadSegments.add(e.seq() / SEGMENT);
            }
        }
        return any;
    }

    /** The oldest event, once a {@link #flush()} has written it. */
    public synchronized Optional<Entry> head() {
        Entry h = entries.peekFirst();
        return h != null && h.seq() <= written ? Optional.of(h) : Optional.empty();
    }

    /** The broker acknowledged event {@code seq}: it leaves the queue (on disk too). */
    public synchronized void ack(long seq) {
        Entry h = entries.peekFirst();
        if (h == null || h.seq() != seq) {
            return;
        }
        entries.removeFirst();
        acked = seq;
        metaDirty = true;
        long seg = seq / SEGMENT;
        Entry next = entries.peekFirst();
        if (next == null || next.seq() / SEGMENT != seg) {
            if (next == null && seq + 1 < (seg + 1) * SEGMENT) {
                // more events of this segment may still come: keep the file, it only holds acknowledged lines
                return;
            }
            deadSegments.add(seg);
        }
    }

    /** Writes what changed since the last flush: new events first, then the acknowledged mark. */
    public synchronized void flush() {
        for (long seg : dirtySegments) {
            if (!deadSegments.contains(seg)) {
                writeSegment(seg);
            }
        }
        dirtySegments.clear();
        if (metaDirty) {
            writeMeta();
            metaDirty = false;
        }
        for (long seg : deadSegments) {
            deleteSegment(seg);
        }
        deadSegments.clear();
        written = nextSeq - 1; // a write that failed (disk full) was logged: the events are sent from memory
    }

    /** True when there are changes not yet on disk. */
    public synchronized boolean dirty() {
        return metaDirty || !dirtySegments.isEmpty() || !deadSegments.isEmpty();
    }

    public synchronized int size() {
        return entries.size();
    }

    public synchronized long dropped() {
        return dropped;
    }

    private void writeSegment(long seg) {
        StringBuilder sb = new StringBuilder();
        for (Entry e : entries) {
            if (e.seq() / SEGMENT == seg) {
                sb.append(e.seq()).append('\t').append(e.json()).append('\n');
            }
        }
        try {
            store.writeString(PREFIX + seg, sb.toString(), FileStore.Sensitivity.PLAIN);
        } catch (IOException e) {
            Logger.error("Cannot persist event queue in {}: {}; events survive only in memory", store.dir(), e.getMessage());
        }
    }

    private void deleteSegment(long seg) {
        try {
            store.delete(PREFIX + seg);
        } catch (IOException e) {
            Logger.warn("Cannot delete event segment {}: {}", seg, e.getMessage());
        }
    }

    private void writeMeta() {
        JsonObject m = new JsonObject();
        m.addProperty("acked", acked);
        m.addProperty("dropped", dropped);
        m.addProperty("next", nextSeq);
        try {
            store.writeString(META, m.toString(), FileStore.Sensitivity.PLAIN);
        } catch (IOException e) {
            Logger.error("Cannot persist event queue state in {}: {}", store.dir(), e.getMessage());
        }
    }

    /** Snapshot of queued entries (tests and diagnostics). */
    public synchronized List<Entry> snapshot() {
        return new ArrayList<>(entries);
    }
}
