package io.roomwire.agent.mgmt.collector;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.roomwire.agent.mgmt.MqttTransport;
import java.util.BitSet;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.tinylog.Logger;

/**
 * A collector of the fleet's statuses and events: subscribes through an MQTT 5 shared subscription
 * ({@code $share/<group>/roomwire/v1/+/events}, MQTT 5 section 4.8.2), so the broker gives each
 * message to one collector of the group and several collectors split the load. It records each
 * room's event sequence numbers ({@code seq}, 1, 2, 3 ... per room, docs/mqtt-api.md) so that
 * {@link Ledger} can tell, across the group, which events never arrived.
 *
 * <p>Collectors need a persistent session (a session expiry above zero) so that events for them
 * wait at the broker while they reconnect.
 */
public final class FleetCollector implements AutoCloseable {

    /** What one or several collectors received, per room. */
    public static final class Ledger {
        private final Map<String, BitSet> seen = new ConcurrentHashMap<>();
        private final AtomicLong events = new AtomicLong();
        private final AtomicLong duplicates = new AtomicLong();
        private final AtomicLong statuses = new AtomicLong();
        private final Map<String, JsonObject> lastStatus = new ConcurrentHashMap<>();
        private final Map<String, java.util.Set<String>> marks = new ConcurrentHashMap<>();

        void mark(String device, String mark) {
            marks.computeIfAbsent(device, d -> ConcurrentHashMap.newKeySet()).add(mark);
        }

        /** Whether an event with attribute {@code mark} = {@code mark} arrived from {@code device} (test probes). */
        public boolean hasMark(String device, String mark) {
            return marks.getOrDefault(device, java.util.Set.of()).contains(mark);
        }

        /** Per room, the sequence numbers from 1 up to the highest received that never arrived. */
        public Map<String, Long> gaps() {
            Map<String, Long> upTo = new TreeMap<>();
            seen.keySet().forEach(d -> upTo.put(d, highest(d)));
            return lost(upTo);
        }

        void event(String device, long seq) {
            events.incrementAndGet();
            BitSet b = seen.computeIfAbsent(device, d -> new BitSet());
            synchronized (b) {
                if (seq <= 0 || seq > Integer.MAX_VALUE) {
                    return;
                }
                if (b.get((int) seq)) {
                    duplicates.incrementAndGet(); // QoS 1 may deliver twice: counted, not lost
                }
                b.set((int) seq);
            }
        }

        void status(String device, JsonObject s) {
            statuses.incrementAndGet();
            lastStatus.put(device, s);
        }

        /** Events received (duplicates included). */
        public long events() {
            return events.get();
        }

        public long duplicates() {
            return duplicates.get();
        }

        public long statuses() {
            return statuses.get();
        }

        /** The highest seq received from {@code device} (0: none). */
        public long highest(String device) {
            BitSet b = seen.get(device);
            if (b == null) {
                return 0;
            }
            synchronized (b) {
                return Math.max(0, b.length() - 1);
            }
        }

        /** Per room, the sequence numbers from 1 up to {@code upTo} that never arrived (upTo: what the room sent). */
        public Map<String, Long> lost(Map<String, Long> upTo) {
            Map<String, Long> out = new TreeMap<>();
            upTo.forEach((device, last) -> {
                BitSet b = seen.getOrDefault(device, new BitSet());
                long missing;
                synchronized (b) {
                    missing = last - b.get(1, (int) (last + 1)).cardinality();
                }
                if (missing > 0) {
                    out.put(device, missing);
                }
            });
            return out;
        }

        /** Rooms heard of, by id. */
        public java.util.Set<String> devices() {
            return new java.util.TreeSet<>(seen.keySet());
        }

        public Map<String, JsonObject> lastStatuses() {
            return Map.copyOf(lastStatus);
        }
    }

    private final MqttTransport transport;
    private final String group;
    private final Ledger ledger;
    private final AtomicLong received = new AtomicLong();

    /** A collector in {@code group} recording into {@code ledger} (shared by the group's collectors in tests). */
    public FleetCollector(MqttTransport transport, String group, Ledger ledger) {
        if (!group.matches("[A-Za-z0-9_-]{1,64}")) {
            throw new IllegalArgumentException("collector group '" + group + "' must be 1-64 letters, digits, _ or -");
        }
        this.transport = transport;
        this.group = group;
        this.ledger = ledger;
    }

    public FleetCollector start() {
        String share = "$share/" + group + "/";
        transport.subscribe(share + "roomwire/v1/+/events", 1, m -> {
            received.incrementAndGet();
            try {
                JsonObject e = JsonParser.parseString(m.payloadText()).getAsJsonObject();
                JsonElement seq = e.get("seq");
                String device = m.topic().split("/")[2];
                if (seq != null && seq.isJsonPrimitive()) {
                    ledger.event(device, seq.getAsLong());
                }
                JsonElement attrs = e.get("attributes");
                if (attrs != null && attrs.isJsonObject() && attrs.getAsJsonObject().has("mark")) {
                    ledger.mark(device, attrs.getAsJsonObject().get("mark").getAsString());
                }
            } catch (RuntimeException notOurs) {
                Logger.warn("Collector {}: unreadable event on {}: {}", group, m.topic(), notOurs.toString());
            }
        });
        transport.subscribe(share + "roomwire/v1/+/status", 1, m -> {
            received.incrementAndGet();
            try {
                ledger.status(m.topic().split("/")[2], JsonParser.parseString(m.payloadText()).getAsJsonObject());
            } catch (RuntimeException notOurs) {
                Logger.warn("Collector {}: unreadable status on {}: {}", group, m.topic(), notOurs.toString());
            }
        });
        transport.connect();
        return this;
    }

    /** Messages this collector received (its share of the group's). */
    public long received() {
        return received.get();
    }

    public boolean connected() {
        return transport.isConnected();
    }

    @Override
    public void close() {
        transport.disconnect();
    }
}
