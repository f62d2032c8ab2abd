package io.roomwire.agent.mgmt;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.roomwire.agent.mgmt.paho.PahoMqttTransport;
import io.roomwire.core.time.Scheduler;
import io.roomwire.sim.cloud.SimPki;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** An operator back end for tests: sends commands with MQTT 5 request/response and watches topics. */
final class Operator implements AutoCloseable {

    final MqttTransport transport;
    final String replyTopic;
    private final Map<String, CompletableFuture<JsonObject>> pending = new ConcurrentHashMap<>();
    private final Map<String, List<JsonObject>> chunks = new ConcurrentHashMap<>();
    final List<InboundMessage> seen = new CopyOnWriteArrayList<>();
    private final AtomicLong ids = new AtomicLong();

    Operator(MosquittoBroker broker, SimPki pki, Scheduler scheduler, String clientId) throws Exception {
        SimPki.Issued id = pki.issueClient("operator", Duration.ofDays(1));
        transport = new PahoMqttTransport(MqttTransportOptions.builder(URI.create(broker.url()), clientId)
                .tls(TlsMaterial.ofPem(pki.caPem(), id.certificatePem(), TestPem.key(id)))
                .reconnect(Duration.ofMillis(20), Duration.ofMillis(200))
                .sessionExpiry(Duration.ofMinutes(5))
                .build(), scheduler);
        replyTopic = "roomwire/v1/reply/operator/" + clientId;
        transport.subscribe(replyTopic, 1, m -> {
            String key = new String(m.properties().correlationData().orElse(new byte[0]), StandardCharsets.UTF_8);
            CompletableFuture<JsonObject> f = pending.get(key);
            if (f == null) {
                return;
            }
            JsonObject r = JsonParser.parseString(m.payloadText()).getAsJsonObject();
            List<JsonObject> got = chunks.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>());
            got.add(r);
            int count = r.has("chunk") ? r.getAsJsonObject("chunk").get("count").getAsInt() : 1;
            if (got.size() >= count) {
                f.complete(got.size() == 1 ? r : merged(got));
            }
        });
        transport.connect();
        // isConnected() comes only after the broker's SUBACK for the reply topic: replies sent from
        // now on cannot be dropped for want of a subscriber.
        Await.until("operator connected and subscribed to " + replyTopic, transport::isConnected);
    }

    /** Chunks of a reply joined back: the chunked array concatenated in index order. */
    private static JsonObject merged(List<JsonObject> parts) {
        List<JsonObject> sorted = new java.util.ArrayList<>(parts);
        sorted.sort(java.util.Comparator.comparingInt(p -> p.getAsJsonObject("chunk").get("index").getAsInt()));
        JsonObject out = sorted.get(0).deepCopy();
        JsonObject result = out.getAsJsonObject("result");
        for (String k : result.keySet()) {
            if (result.get(k).isJsonArray()) {
                com.google.gson.JsonArray all = new com.google.gson.JsonArray();
                for (JsonObject p : sorted) {
                    all.addAll(p.getAsJsonObject("result").getAsJsonArray(k));
                }
                result.add(k, all);
            }
        }
        out.addProperty("chunks", sorted.size());
        return out;
    }

    void watch(String filter) {
        subscribe(filter, seen::add);
    }

    /** Subscribes and returns once the broker surely has the subscription. */
    void subscribe(String filter, MqttTransport.MessageHandler handler) {
        transport.subscribe(filter, 1, handler);
        // a subscription is confirmed once a round trip through the broker completed
        try {
            transport.publish("roomwire/v1/reply/operator/sync", new byte[0], 1, false, MessageProperties.none())
                    .get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("broker did not answer: " + e, e);
        }
    }

    List<JsonObject> seenJson(String topic) {
        return seen.stream().filter(m -> m.topic().equals(topic))
                .map(m -> JsonParser.parseString(m.payloadText()).getAsJsonObject()).toList();
    }

    CompletableFuture<JsonObject> send(String topic, byte[] payload) {
        return send(topic, payload, 60);
    }

    /** Sends with a message expiry of {@code expirySeconds} (0: none). */
    CompletableFuture<JsonObject> send(String topic, byte[] payload, long expirySeconds) {
        String corr = "c" + ids.incrementAndGet();
        CompletableFuture<JsonObject> f = new CompletableFuture<>();
        pending.put(corr, f);
        transport.publish(topic, payload, 1, false,
                MessageProperties.request(replyTopic, corr.getBytes(StandardCharsets.UTF_8)).withExpiry(expirySeconds));
        return f.whenComplete((r, e) -> pending.remove(corr));
    }

    JsonObject call(String device, String command, String payload) {
        return await(send(ManagementService.commandTopic(device, command), payload.getBytes(StandardCharsets.UTF_8)));
    }

    JsonObject call(String device, String command, JsonObject payload) {
        return call(device, command, payload.toString());
    }

    static JsonObject await(CompletableFuture<JsonObject> f) {
        try {
            return f.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("no reply: " + e, e);
        }
    }

    @Override
    public void close() {
        transport.disconnect();
    }
}
