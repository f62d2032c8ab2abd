package io.roomwire.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.roomwire.agent.call.Calls;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.config.Setting;
import io.roomwire.agent.config.Settings;
import io.roomwire.agent.mgmt.InboundMessage;
import io.roomwire.agent.mgmt.ManagementService;
import io.roomwire.agent.mgmt.MessageProperties;
import io.roomwire.agent.mgmt.MgmtSettings;
import io.roomwire.agent.mgmt.MqttTransport;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.sip.Call;
import io.roomwire.sip.CallEnd;
import io.roomwire.sip.CallListener;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinPath;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sip.MediaStats;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code mqtt.*} setting marked live takes effect in the running management service when an
 * operator changes it with {@code config.set}, without a restart. The command arrives as an MQTT
 * message and goes the operator's way: {@code config.set} -> {@link AgentRoomControl#applyConfig}
 * (saves the file) -> its applied-config listeners -> {@link ManagementService#configApplied}
 * (StandardAgent registers that listener through {@code RemoteManagement}). The broker is an
 * in-memory transport and time is a {@link VirtualScheduler}: no socket, no sleep.
 */
class LiveMqttSettingsTest {

    private static final String ID = "room-7";
    private static final String REPLY = ManagementService.REPLY_PREFIX + "op-1";
    private static final Instant T0 = Instant.parse("2026-01-05T09:00:00Z");

    @TempDir
    Path dir;

    private final VirtualScheduler time = new VirtualScheduler(T0);
    private final InMemoryBroker broker = new InMemoryBroker();
    private final ScriptedPath sip = new ScriptedPath();
    private Path file;
    private Calls calls;
    private ManagementService mgmt;
    private AgentRoomControl control;

    @AfterEach
    void stop() {
        if (mgmt != null) {
            mgmt.stop();
        }
    }

    /** A room whose management service runs on {@code text}; unsigned commands allowed (with an expiry). */
    private void givenRoomRunningOn(String text) throws Exception {
        file = dir.resolve("roomwire.properties");
        String all = "agent.state-dir = " + dir.resolve("state") + "\ndevice.id = " + ID + "\nmqtt.allow-unsigned = true\n"
                + text;
        Files.writeString(file, all);
        Config config = Config.parse(file.toString(), all, Map.of(), Settings.all());
        RoomControlFixture room = RoomControlFixture.build(config, file, dir.resolve("state"), time,
                device -> new Calls(sip, List.of(), time, EventSink.none()));
        calls = room.calls();
        AgentRoomControl control = room.control();
        this.control = control;
        mgmt = ManagementService.builder(ID, broker, time, room.store(), control, config).version("test").build();
        control.onApplied(mgmt::configApplied); // StandardAgent: control.onApplied(remote::configApplied)
        mgmt.start();
        assertTrue(broker.isConnected());
    }

    /** An operator's unsigned command with a 30 s expiry, as {@code roomwire ctl} sends it; returns the reply. */
    private JsonObject command(String name, String json) {
        int before = broker.published(REPLY).size();
        broker.deliver(ManagementService.commandTopic(ID, name), json,
                MessageProperties.request(REPLY, ("c" + before).getBytes(StandardCharsets.UTF_8)).withExpiry(30));
        List<Published> replies = broker.published(REPLY);
        assertEquals(before + 1, replies.size(), name + " answered once");
        return replies.get(replies.size() - 1).json();
    }

    private void configSet(String key, String value) throws Exception {
        JsonObject r = command("config.set", "{\"" + key + "\":\"" + value + "\"}");
        assertTrue(r.get("ok").getAsBoolean(), r.toString());
        JsonObject result = r.getAsJsonObject("result");
        assertEquals(new JsonArray(), result.getAsJsonArray("restartRequired"), key + " needs no restart: " + r);
        assertTrue(Files.readString(file).contains(key + " = " + value), "the change is saved for the next start too");
    }

    private static boolean ok(JsonObject reply) {
        return reply.get("ok").getAsBoolean();
    }

    private static String errorCode(JsonObject reply) {
        return reply.getAsJsonObject("error").get("code").getAsString();
    }

    @Test
    void theLiveMqttSettingsAreTheseFour() {
        List<String> live = Settings.all().stream().filter(s -> s.key().startsWith("mqtt.") && !s.restart())
                .map(Setting::key).sorted().toList();
        assertEquals(List.of(MgmtSettings.COMMAND_RATE.key(), MgmtSettings.HIDE_MEETING_TITLES.key(),
                MgmtSettings.MAINTENANCE_WINDOW.key(), MgmtSettings.TELEMETRY_INTERVAL.key()), live,
                "a new live mqtt.* setting needs its test here");
        live.forEach(k -> assertTrue(MgmtSettings.REMOTELY_CHANGEABLE.contains(k), k + " can be changed with config.set"));
    }

    @Test
    void aNewTelemetryIntervalAppliesFromTheMomentItIsSet() throws Exception {
        givenRoomRunningOn("");
        time.advance(Duration.ofSeconds(60));
        assertEquals(List.of(T0.plusSeconds(60)), broker.telemetryTimes(), "the default: once a minute");

        configSet("mqtt.telemetry-interval", "10s");
        time.advance(Duration.ofSeconds(30));

        assertEquals(List.of(T0.plusSeconds(60), T0.plusSeconds(70), T0.plusSeconds(80), T0.plusSeconds(90)),
                broker.telemetryTimes(), "every 10 s from the change on (the old interval: none before 120 s)");

        configSet("mqtt.telemetry-interval", "5m");
        time.advance(Duration.ofSeconds(299));
        assertEquals(4, broker.telemetryTimes().size(), "a longer interval cancels the 10 s ticks");
        time.advance(Duration.ofSeconds(1));
        assertEquals(T0.plusSeconds(90 + 300), broker.telemetryTimes().get(4));
    }

    @Test
    void aNewCommandRateLimitsTheNextCommands() throws Exception {
        givenRoomRunningOn("");
        for (int i = 0; i < 3; i++) {
            assertTrue(ok(command("status.get", "")), "the default 20 a second (bursts of 40) lets three through");
        }

        configSet("mqtt.command-rate", "1");

        assertTrue(ok(command("status.get", "")));
        assertTrue(ok(command("status.get", "")), "a burst of twice the new rate");
        JsonObject limited = command("status.get", "");
        assertFalse(ok(limited), limited.toString());
        assertEquals("rate_limited", errorCode(limited));
        time.advance(Duration.ofSeconds(1));
        assertTrue(ok(command("status.get", "")), "one more a second");
        assertEquals("rate_limited", errorCode(command("status.get", "")));

        time.advance(Duration.ofSeconds(1));
        configSet("mqtt.command-rate", "50");
        time.advance(Duration.ofSeconds(1));
        for (int i = 0; i < 50; i++) {
            assertTrue(ok(command("status.get", "")), "a raised rate applies too (command " + (i + 1) + ")");
        }
        assertEquals("rate_limited", errorCode(command("status.get", "")), "and still limits");
    }

    @Test
    void aNewMaintenanceWindowAppliesToTheNextRebootAndUpdateDecision() throws Exception {
        givenRoomRunningOn("mqtt.maintenance-window = 02:00-03:00\n"); // T0 is 09:00 UTC: outside
        io.roomwire.updater.UpdatePolicy updates = new io.roomwire.updater.UpdatePolicy(calls::inCall, () -> false,
                Optional.of("02:00-03:00"), time.clock(), java.time.ZoneOffset.UTC);
        control.onApplied(next -> io.roomwire.agent.update.AgentUpdates.configApplied(updates, next)); // as StandardAgent
        assertEquals(Optional.of("the maintenance window 02:00-03:00"), updates.blocker());
        JsonObject waiting = command("device.reboot", "{}").getAsJsonObject("result");
        assertEquals("scheduled", waiting.get("state").getAsString(), waiting.toString());

        configSet("mqtt.maintenance-window", "08:30-09:30");

        assertEquals(Optional.empty(), updates.blocker(), "the update policy uses the new window at once");
        JsonObject now = command("device.reboot", "{}").getAsJsonObject("result");
        assertEquals("rebooting", now.get("state").getAsString(), "the reboot too: " + now);
    }

    @Test
    void hidingMeetingTitlesAppliesToTheRetainedStatusAtOnceAndShowingThemAgainToo() throws Exception {
        givenRoomRunningOn("");
        calls.join(JoinTarget.sip("sip:board-review@video.contoso.com", "sip", "test"));
        mgmt.statusChanged();
        assertEquals("sip:board-review@video.contoso.com", broker.retainedStatus().getAsJsonObject("call")
                .get("target").getAsString(), "shown by default");

        configSet("mqtt.hide-meeting-titles", "true");

        JsonObject call = broker.retainedStatus().getAsJsonObject("call");
        assertEquals("(hidden)", call.get("target").getAsString(), "the retained status is replaced without waiting "
                + "for the next telemetry tick: " + call);
        assertEquals("(hidden)", call.get("remote").getAsString());
        JsonObject asked = command("status.get", "").getAsJsonObject("result").getAsJsonObject("call");
        assertEquals("(hidden)", asked.get("target").getAsString(), "status.get too");

        configSet("mqtt.hide-meeting-titles", "false");

        assertEquals("sip:board-review@video.contoso.com", broker.retainedStatus().getAsJsonObject("call")
                .get("target").getAsString(), "shown again");
    }

    private record Published(String topic, byte[] payload, boolean retained) {
        JsonObject json() {
            return JsonParser.parseString(new String(payload, StandardCharsets.UTF_8)).getAsJsonObject();
        }
    }

    /** The broker and the device's session in one: commands delivered on the test's thread, publishes recorded. */
    private final class InMemoryBroker implements MqttTransport {
        private final List<Published> published = new CopyOnWriteArrayList<>();
        private final Map<String, MessageHandler> subscriptions = new java.util.concurrent.ConcurrentHashMap<>();
        private final List<ConnectionListener> listeners = new CopyOnWriteArrayList<>();
        private volatile boolean connected;

        @Override
        public void connect() {
            connected = true;
            listeners.forEach(l -> l.connected(false));
        }

        @Override
        public void disconnect() {
            connected = false;
        }

        @Override
        public boolean isConnected() {
            return connected;
        }

        @Override
        public CompletableFuture<Void> publish(String topic, byte[] payload, int qos, boolean retained,
                                               MessageProperties properties) {
            if (!connected) {
                return CompletableFuture.failedFuture(new NotConnectedException("down"));
            }
            published.add(new Published(topic, payload.clone(), retained));
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void subscribe(String topicFilter, int qos, MessageHandler handler) {
            subscriptions.put(topicFilter, handler);
        }

        @Override
        public void addConnectionListener(ConnectionListener listener) {
            listeners.add(listener);
        }

        @Override
        public void dropConnection() {
            connected = false;
        }

        @Override
        public TransportStats stats() {
            return new TransportStats(1, 0, 0, "");
        }

        void deliver(String topic, String json, MessageProperties props) {
            String filter = topic.substring(0, topic.lastIndexOf('/') + 1) + "+";
            MessageHandler h = subscriptions.get(filter);
            assertTrue(h != null, "nothing subscribed to " + filter);
            h.onMessage(new InboundMessage(topic, json.getBytes(StandardCharsets.UTF_8), 1, false, props));
        }

        List<Published> published(String topic) {
            return published.stream().filter(p -> p.topic().equals(topic)).toList();
        }

        List<Instant> telemetryTimes() {
            return published(ManagementService.telemetryTopic(ID)).stream()
                    .map(p -> Instant.parse(p.json().get("time").getAsString())).toList();
        }

        /** What the broker keeps for the status topic: the last retained publish. */
        JsonObject retainedStatus() {
            List<Published> s = published(ManagementService.statusTopic(ID)).stream().filter(Published::retained).toList();
            return s.get(s.size() - 1).json();
        }
    }

    /** A join path whose calls stay dialling: enough for a call target in the status. */
    private static final class ScriptedPath implements JoinPath {
        @Override public void start() { }
        @Override public void stop() { }
        @Override public boolean supports(JoinTarget target) { return target.isSip(); }
        @Override public Call dial(JoinTarget target) { return new DiallingCall(target); }
        @Override public List<Call> calls() { return List.of(); }
        @Override public void addListener(CallListener l) { }
        @Override public void removeListener(CallListener l) { }
    }

    private record DiallingCall(JoinTarget target) implements Call {
        @Override public String id() { return "call-1"; }
        @Override public boolean incoming() { return false; }
        @Override public String remoteName() { return "Board review"; }
        @Override public CallState state() { return CallState.DIALING; }
        @Override public Instant startedAt() { return T0; }
        @Override public Optional<CallEnd> end() { return Optional.empty(); }
        @Override public MediaStats stats() { return MediaStats.none(); }
        @Override public void hangUp() { }
        @Override public void sendDtmf(String digits) { }
        @Override public void answer() { }
        @Override public void decline() { }
    }
}
