package io.roomwire.agent.mgmt.ctl;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.roomwire.agent.mgmt.CommandSigner;
import io.roomwire.agent.mgmt.ManagementService;
import io.roomwire.agent.mgmt.MessageProperties;
import io.roomwire.agent.mgmt.MqttTransport;
import io.roomwire.core.time.Durations;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * {@code roomwire ctl fleet}: the fleet's retained statuses as a table (or JSON), filtered by
 * health and device id, and optionally one command sent to every selected room in waves with a
 * bound on commands in flight.
 */
final class FleetCtl {

    /** A room's health as the table shows it, from its retained status. */
    enum RoomHealth {
        HEALTHY, DEGRADED, DOWN, OFFLINE;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        static RoomHealth of(JsonObject s) {
            if (!s.has("online") || !s.get("online").isJsonPrimitive() || !s.get("online").getAsBoolean()) {
                return OFFLINE;
            }
            RoomHealth worst = HEALTHY;
            if (s.has("health") && s.get("health").isJsonObject()) {
                for (Map.Entry<String, JsonElement> e : s.getAsJsonObject("health").entrySet()) {
                    String v = e.getValue().isJsonPrimitive() ? e.getValue().getAsString() : "";
                    if (v.startsWith("DOWN")) {
                        return DOWN;
                    }
                    if (!v.startsWith("UP")) {
                        worst = DEGRADED; // DEGRADED(...) and anything we do not know
                    }
                }
            }
            return worst;
        }
    }

    /** The widest a column grows; longer values end in "~" so the table stays aligned. */
    static final int MAX_COLUMN = 32;

    private FleetCtl() {
    }

    /**
     * Collects every retained status: subscribes, then echoes a probe message through the broker.
     * The broker sends a subscription's retained messages before it handles the next packet of the
     * same connection, so the echo arrives after them; a short quiet period covers brokers that
     * queue them separately. Bounded by {@code wait}.
     */
    static Map<String, JsonObject> collect(MqttTransport t, Duration wait) throws InterruptedException {
        Map<String, JsonObject> statuses = new TreeMap<>();
        long[] lastArrival = {System.nanoTime()};
        CompletableFuture<Void> echoed = new CompletableFuture<>();
        String probe = ManagementService.REPLY_PREFIX + "probe-" + safeNonce();
        t.subscribe(probe, 1, m -> echoed.complete(null));
        t.subscribe("roomwire/v1/+/status", 1, m -> {
            String[] parts = m.topic().split("/");
            if (parts.length != 4) {
                return;
            }
            try {
                JsonElement e = JsonParser.parseString(m.payloadText());
                if (e.isJsonObject()) {
                    synchronized (statuses) {
                        statuses.put(parts[2], e.getAsJsonObject());
                        lastArrival[0] = System.nanoTime();
                    }
                }
            } catch (JsonParseException | IllegalStateException notOurs) {
                // a status that is not JSON is not one of ours: leave it out
            }
        });
        long deadline = System.nanoTime() + wait.toNanos();
        t.publish(probe, new byte[0], 1, false, MessageProperties.none());
        long quiet = Duration.ofMillis(50).toNanos();
        while (System.nanoTime() < deadline) {
            synchronized (statuses) {
                if (echoed.isDone() && System.nanoTime() - lastArrival[0] >= quiet) {
                    break;
                }
            }
            try {
                echoed.get(10, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException notYet) {
                // keep waiting until the echo and a quiet moment, or the bound
            }
        }
        synchronized (statuses) {
            return new TreeMap<>(statuses);
        }
    }

    private static String safeNonce() {
        return CommandSigner.newNonce().replace('-', 'x').replace('_', 'y');
    }

    /** Keeps the rooms whose health is in {@code healths} (all when empty) and whose id matches {@code glob}. */
    static Map<String, JsonObject> select(Map<String, JsonObject> all, Set<RoomHealth> healths, Optional<String> glob) {
        Optional<Pattern> p = glob.map(g -> Pattern.compile(Arrays.stream(g.split("\\*", -1)).map(Pattern::quote)
                .reduce((a, b) -> a + ".*" + b).orElse("")));
        Map<String, JsonObject> out = new TreeMap<>();
        all.forEach((id, s) -> {
            if ((healths.isEmpty() || healths.contains(RoomHealth.of(s))) && p.map(x -> x.matcher(id).matches()).orElse(true)) {
                out.put(id, s);
            }
        });
        return out;
    }

    /** The table: one row per room, every column as wide as its widest value (at most {@link #MAX_COLUMN}). */
    static void printTable(Map<String, JsonObject> statuses, Instant now, PrintStream out) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"DEVICE", "HEALTH", "VERSION", "CALL", "COMPLIANCE", "LAST SEEN", "NEXT MEETING"});
        statuses.forEach((id, s) -> rows.add(new String[] {id, RoomHealth.of(s).label(), text(s, "version"), call(s),
                compliance(s), lastSeen(s, now), nextMeeting(s)}));
        int columns = rows.get(0).length;
        int[] width = new int[columns];
        for (String[] r : rows) {
            for (int c = 0; c < columns - 1; c++) {
                r[c] = fit(r[c]);
                width[c] = Math.max(width[c], r[c].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            for (int c = 0; c < columns - 1; c++) {
                sb.append(r[c]).append(" ".repeat(width[c] - r[c].length() + 2));
            }
            sb.append(r[columns - 1].strip()).append('\n');
        }
        Map<RoomHealth, Integer> counts = new TreeMap<>();
        statuses.values().forEach(s -> counts.merge(RoomHealth.of(s), 1, Integer::sum));
        sb.append(statuses.size()).append(statuses.size() == 1 ? " device" : " devices");
        counts.forEach((h, n) -> sb.append(", ").append(n).append(' ').append(h.label()));
        out.println(sb);
    }

    /** Control characters out (a status is remote input), long values cut so columns stay aligned. */
    static String fit(String v) {
        String clean = v.replaceAll("\\p{Cntrl}", "?");
        return clean.length() <= MAX_COLUMN ? clean : clean.substring(0, MAX_COLUMN - 1) + "~";
    }

    static String text(JsonObject s, String k) {
        return s.has(k) && s.get(k).isJsonPrimitive() ? s.get(k).getAsString() : "-";
    }

    /** The call state exactly as the room reports it ({@code status.get}'s {@code call.state}). */
    static String call(JsonObject s) {
        if (s.has("call") && s.get("call").isJsonObject()) {
            return text(s.getAsJsonObject("call"), "state");
        }
        return "-";
    }

    /** "compliant", "non_compliant", "not_configured": the state, or the {@code compliant} flag of older agents. */
    static String compliance(JsonObject s) {
        if (!s.has("compliance") || !s.get("compliance").isJsonObject()) {
            return "-";
        }
        JsonObject c = s.getAsJsonObject("compliance");
        if (c.has("state") && c.get("state").isJsonPrimitive()) {
            return c.get("state").getAsString();
        }
        if (c.has("compliant") && c.get("compliant").isJsonPrimitive()) {
            return c.get("compliant").getAsBoolean() ? "compliant" : "non_compliant";
        }
        return "-";
    }

    /** "now" for a connected room; for one offline, how long ago its last status was written. */
    static String lastSeen(JsonObject s, Instant now) {
        if (RoomHealth.of(s) != RoomHealth.OFFLINE) {
            return "now";
        }
        try {
            Instant t = Instant.parse(text(s, "time"));
            return Durations.human(Duration.between(t, now).withNanos(0)) + " ago";
        } catch (java.time.format.DateTimeParseException unknown) {
            return "-";
        }
    }

    static String nextMeeting(JsonObject s) {
        if (!s.has("nextMeeting") || !s.get("nextMeeting").isJsonObject()) {
            return "-";
        }
        JsonObject m = s.getAsJsonObject("nextMeeting");
        return (text(m, "start") + " " + text(m, "subject")).strip();
    }

    static void printJson(Map<String, JsonObject> statuses, PrintStream out) {
        JsonArray a = new JsonArray();
        statuses.values().forEach(a::add);
        out.println(a);
    }

    /** The outcome of one room's command in a fan-out. */
    record Outcome(String device, Optional<JsonObject> reply, long micros) {
        boolean ok() {
            return reply.map(r -> r.has("ok") && r.get("ok").getAsBoolean()).orElse(false);
        }
    }

    /**
     * Sends {@code command} to every device, {@code wave} devices at a time (a wave starts when the
     * one before has every reply or timed out), never more than {@code inFlight} awaiting a reply.
     */
    static List<Outcome> fanOut(MqttTransport t, List<String> devices, String command, JsonObject args,
                                Optional<CommandSigner> signer, int wave, int inFlight, Duration timeout)
            throws InterruptedException {
        String replyTopic = ManagementService.REPLY_PREFIX + safeNonce();
        Map<String, CompletableFuture<JsonObject>> waiting = new ConcurrentHashMap<>();
        t.subscribe(replyTopic, 1, m -> m.properties().correlationData()
                .map(c -> waiting.remove(new String(c, StandardCharsets.UTF_8)))
                .ifPresent(f -> {
                    try {
                        f.complete(JsonParser.parseString(m.payloadText()).getAsJsonObject());
                    } catch (RuntimeException e) {
                        f.completeExceptionally(e);
                    }
                }));
        try {
            // the subscription is in place once this QoS 1 round trip is done (same connection, in order)
            t.publish(replyTopic, new byte[0], 1, false, MessageProperties.none()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot set up the reply topic: " + e.getMessage(), e);
        }
        Semaphore slots = new Semaphore(inFlight);
        List<Outcome> outcomes = new ArrayList<>();
        for (int from = 0; from < devices.size(); from += wave) {
            List<CompletableFuture<Outcome>> thisWave = new ArrayList<>();
            for (String device : devices.subList(from, Math.min(devices.size(), from + wave))) {
                slots.acquire();
                String corr = safeNonce();
                CompletableFuture<JsonObject> reply = new CompletableFuture<>();
                waiting.put(corr, reply);
                JsonObject payload = signer.map(s -> s.sign(command, device, args, Instant.now().plusSeconds(60),
                        CommandSigner.newNonce())).orElse(args);
                long t0 = System.nanoTime();
                t.publish(ManagementService.commandTopic(device, command), payload.toString().getBytes(StandardCharsets.UTF_8),
                        1, false, MessageProperties.request(replyTopic, corr.getBytes(StandardCharsets.UTF_8)).withExpiry(60));
                thisWave.add(reply.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).handle((r, e) -> {
                    slots.release();
                    waiting.remove(corr);
                    return new Outcome(device, Optional.ofNullable(r), (System.nanoTime() - t0) / 1000);
                }));
            }
            for (CompletableFuture<Outcome> f : thisWave) {
                outcomes.add(f.join());
            }
        }
        return outcomes;
    }

    /** One line per room that did not answer ok, then the counts and the reply times. */
    static int printOutcomes(List<Outcome> outcomes, boolean json, PrintStream out) {
        int failed = 0;
        int silent = 0;
        List<Long> times = new ArrayList<>();
        JsonArray a = new JsonArray();
        for (Outcome o : outcomes) {
            if (o.reply().isEmpty()) {
                silent++;
                if (!json) {
                    out.println(o.device() + ": no reply");
                }
            } else {
                times.add(o.micros());
                if (!o.ok()) {
                    failed++;
                    if (!json) {
                        JsonObject e = o.reply().get().has("error") ? o.reply().get().getAsJsonObject("error") : new JsonObject();
                        out.println(o.device() + ": " + text(e, "code") + ": " + text(e, "message"));
                    }
                }
            }
            JsonObject j = new JsonObject();
            j.addProperty("device", o.device());
            o.reply().ifPresentOrElse(r -> j.add("reply", r), () -> j.addProperty("reply", "none"));
            j.addProperty("micros", o.micros());
            a.add(j);
        }
        times.sort(null);
        if (json) {
            out.println(a);
        } else {
            out.printf("%d sent, %d ok, %d failed, %d no reply; reply time p50 %d ms, p99 %d ms%n", outcomes.size(),
                    outcomes.size() - failed - silent, failed, silent, percentile(times, 50) / 1000,
                    percentile(times, 99) / 1000);
        }
        return silent > 0 ? 3 : failed > 0 ? 1 : 0;
    }

    static long percentile(List<Long> sorted, int p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }
}
