package io.roomwire.agent.mgmt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.roomwire.agent.mgmt.internal.EventQueue;
import io.roomwire.core.store.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventQueueTest {

    @TempDir
    Path dir;

    static JsonObject event(int n) {
        JsonObject o = new JsonObject();
        o.addProperty("type", "button.shown");
        o.addProperty("n", n);
        return o;
    }

    static int n(EventQueue.Entry e) {
        return JsonParser.parseString(e.json()).getAsJsonObject().get("n").getAsInt();
    }

    @Test
    void keepsEventsInOrderAcrossARestartAndForgetsAcknowledgedOnes() {
        FileStore store = new FileStore(dir, Clock.systemUTC());
        EventQueue q = new EventQueue(store, 1000);
        for (int i = 0; i < 250; i++) {
            q.append(event(i));
        }
        q.flush();
        for (int i = 0; i < 120; i++) {
            q.ack(q.head().orElseThrow().seq());
        }
        q.flush();
        EventQueue again = new EventQueue(new FileStore(dir, Clock.systemUTC()), 1000);
        List<EventQueue.Entry> left = again.snapshot();
        assertEquals(130, left.size());
        assertEquals(120, n(left.get(0)));
        assertEquals(249, n(left.get(129)));
        long nextSeq = again.append(event(250));
        assertEquals(left.get(129).seq() + 1, nextSeq, "numbers are never reused");
    }

    @Test
    void dropsTheOldestBeyondItsCapacityAndCountsThemAcrossARestart() throws Exception {
        EventQueue q = new EventQueue(new FileStore(dir, Clock.systemUTC()), 100);
        for (int i = 0; i < 350; i++) {
            q.append(event(i));
            if (i % 50 == 0) {
                q.flush();
            }
        }
        q.flush();
        assertEquals(100, q.size());
        assertEquals(250, q.dropped());
        assertEquals(250, n(q.head().orElseThrow()));
        EventQueue again = new EventQueue(new FileStore(dir, Clock.systemUTC()), 100);
        assertEquals(100, again.size());
        assertEquals(250, again.dropped());
        assertEquals(250, n(again.head().orElseThrow()));
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.filter(p -> p.getFileName().toString().startsWith("mgmt-events-")).count() <= 3,
                    "segments of dropped events are deleted");
        }
    }

    @Test
    void aCorruptSegmentIsMovedAsideCountedAsDroppedAndTheRestIsKept() throws Exception {
        EventQueue q = new EventQueue(new FileStore(dir, Clock.systemUTC()), 1000);
        for (int i = 0; i < 150; i++) {
            q.append(event(i));
        }
        q.flush();
        Path seg0 = dir.resolve("mgmt-events-0");
        byte[] b = Files.readAllBytes(seg0);
        b[b.length - 3] ^= 0x55;
        Files.write(seg0, b);
        EventQueue again = new EventQueue(new FileStore(dir, Clock.systemUTC()), 1000);
        assertEquals(51, again.size(), "segment 0 held events 1..99, segment 1 the rest");
        assertEquals(99, n(again.head().orElseThrow()));
        assertTrue(again.dropped() >= 100);
    }

    @Test
    void nothingReachesTheDiskBeforeAFlush() {
        EventQueue q = new EventQueue(new FileStore(dir, Clock.systemUTC()), 100);
        q.append(event(1));
        assertTrue(q.dirty());
        assertEquals(0, new EventQueue(new FileStore(dir, Clock.systemUTC()), 100).size());
        q.flush();
        assertEquals(1, new EventQueue(new FileStore(dir, Clock.systemUTC()), 100).size());
    }

    @Test
    void handsOutOnlyWrittenEventsSoThatNoNumberTheBrokerSawIsGivenAgainAfterAKill() {
        EventQueue q = new EventQueue(new FileStore(dir, Clock.systemUTC()), 100);
        java.util.Set<Long> sent = new java.util.TreeSet<>();
        q.append(event(0));
        q.flush();
        // the service sends the head and the broker acknowledges it; then a burst, sent while its flush is pending
        EventQueue.Entry first = q.head().orElseThrow();
        sent.add(first.seq());
        q.ack(first.seq());
        for (int i = 1; i <= 3; i++) {
            q.append(event(i));
            q.head().ifPresent(h -> {
                sent.add(h.seq());
                q.ack(h.seq());
            });
        }
        // kill -9 before the flush: the burst was in memory only
        EventQueue after = new EventQueue(new FileStore(dir, Clock.systemUTC()), 100);
        long next = after.append(event(4));
        assertFalse(sent.contains(next), "seq " + next + " was sent before the kill and is given to another event: " + sent);
        q.flush();
        assertEquals(1, n(q.head().orElseThrow()), "once written, the burst is sent, in order");
    }

    @Test
    void theDefaultCapacityIsTenThousand() {
        assertEquals(10_000, MgmtSettings.EVENT_QUEUE_SIZE.defaultValue().orElseThrow());
    }
}
