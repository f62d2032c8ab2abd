package io.roomwire.agent.mgmt;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.roomwire.agent.config.AgentSettings;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.mgmt.internal.EventQueue;
import io.roomwire.agent.mgmt.internal.NonceLedger;
import io.roomwire.agent.mgmt.internal.ProcessStats;
import io.roomwire.agent.mgmt.internal.RateLimiter;
import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.health.Health;
import io.roomwire.core.health.Service;
import io.roomwire.core.log.ScrubbingWriter;
import io.roomwire.core.store.FileStore;
import io.roomwire.core.time.Scheduler;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;
import org.tinylog.Logger;

/**
 * Remote management over MQTT 5 (docs/mqtt-api.md): the retained status with its Last Will,
 * periodic telemetry, events from a persisted bounded queue delivered in order once the broker is
 * reachable, and commands with MQTT 5 request/response, operator signatures and rate limiting.
 * Build with {@link #builder}; register feature commands with {@link #commands()}; report events
 * through {@link #events()}; call {@link #statusChanged()} when the room's status changes.
 */
public final class ManagementService implements Service {

    /** Topic prefix of the API. */
    public static final String ROOT = "roomwire/v1/";
    /** Fleet-wide commands: {@code roomwire/v1/fleet/cmd/{name}}. */
    public static final String FLEET_CMD = ROOT + "fleet/cmd/";
    /** Replies go only to response topics under this prefix: never to a device's command topic or the fleet's. */
    public static final String REPLY_PREFIX = ROOT + "reply/";
    /** Longest response topic accepted. */
    static final int MAX_REPLY_TOPIC = 256;
    /** What {@code mqtt.hide-meeting-titles} puts in place of a title, organiser or join target. */
    static final String HIDDEN = "(hidden)";
    private static final Set<String> REDACTED_KEYS = Set.of("title", "subject", "organizer", "target", "remote", "uri",
            "dtmf", "label", "detail");

    private static final int CHUNK_BYTES = 48 * 1024;
    /** The replay ledger's file in the state folder. */
    static final String NONCE_LOG = "mgmt-nonces.log";
    /** Unexpired nonces kept: 20 signed commands a second for an hour (the longest lifetime) with room to spare. */
    static final int MAX_NONCES = 100_000;

    private final String deviceId;
    private final String version;
    private final java.util.concurrent.atomic.AtomicLong statusTickets = new java.util.concurrent.atomic.AtomicLong();
    /** The ticket of the last status handed to the transport (guarded by lock). */
    private long statusSent;
    private final MqttTransport transport;
    private final Scheduler scheduler;
    private final RoomControl room;
    private final CommandRegistry registry = new CommandRegistry();
    private final EventQueue queue;
    private final OperatorSignatures signatures;
    /** Budget of commands whose operator signature verified: others cannot spend it. */
    private final RateLimiter operatorRate;
    /** Budget of everything else: unsigned commands and those whose signature failed. */
    private final RateLimiter untrustedRate;
    private final boolean allowUnsigned;
    private final Duration unsignedMaxAge;
    private final int maxPayload;
    private final IntFunction<List<String>> logs;
    private final ProcessStats process = new ProcessStats();
    private final Set<String> running = ConcurrentHashMap.newKeySet();
    private final EventSink sink = this::enqueue;

    private volatile Duration telemetryInterval;
    private volatile String maintenanceWindow;
    private volatile ZoneId zone;
    private volatile boolean hideTitles;
    private final Object lock = new Object();
    private boolean started;
    private boolean eventInFlight;
    private boolean flushPending;
    private Instant startedAt;
    private Scheduler.Cancellable telemetryTask;
    private Scheduler.Cancellable healthWatch;
    private String lastHealth = "";
    /** How often the services' health is compared with the one in the retained status. */
    static final Duration HEALTH_WATCH = Duration.ofSeconds(2);
    private Scheduler.Cancellable pendingReboot;
    private Scheduler.Cancellable eventRetry;
    private String lastStatus = "";
    private volatile long telemetryBytes;
    private volatile long telemetryMessages;

    private ManagementService(Builder b) {
        this.deviceId = b.deviceId;
        this.version = b.version;
        this.transport = b.transport;
        this.scheduler = b.scheduler;
        this.room = b.room;
        this.logs = b.logs;
        Config c = b.config;
        this.queue = new EventQueue(b.store, c.get(MgmtSettings.EVENT_QUEUE_SIZE));
        Duration lifetime = c.get(MgmtSettings.SIGNATURE_MAX_AGE);
        this.signatures = new OperatorSignatures(b.operatorKeys, scheduler.clock(), lifetime,
                new NonceLedger(b.store.dir().resolve(NONCE_LOG), scheduler.clock(), MAX_NONCES,
                        lifetime.plus(OperatorSignatures.SKEW).plus(OperatorSignatures.SKEW)));
        this.operatorRate = new RateLimiter(scheduler.clock(), c.get(MgmtSettings.COMMAND_RATE));
        this.untrustedRate = new RateLimiter(scheduler.clock(), c.get(MgmtSettings.COMMAND_RATE));
        this.allowUnsigned = c.get(MgmtSettings.ALLOW_UNSIGNED);
        this.unsignedMaxAge = c.get(MgmtSettings.UNSIGNED_MAX_AGE);
        this.hideTitles = c.get(MgmtSettings.HIDE_MEETING_TITLES);
        this.maxPayload = c.get(MgmtSettings.MAX_PAYLOAD);
        this.telemetryInterval = c.get(MgmtSettings.TELEMETRY_INTERVAL);
        this.maintenanceWindow = c.find(MgmtSettings.MAINTENANCE_WINDOW).orElse(null);
        this.zone = c.get(AgentSettings.TIME_ZONE);
        StandardCommands.register(this);
    }

    /**
     * @param deviceId  the id in topics (with mutual TLS, brokers usually expect it to equal the certificate CN)
     * @param transport built with {@link #lastWill(String)} as its Last Will
     * @param store     where the event queue and seen nonces persist
     * @param config    the agent configuration ({@link MgmtSettings}, {@code device.time-zone})
     */
    public static Builder builder(String deviceId, MqttTransport transport, Scheduler scheduler, FileStore store,
                                  RoomControl room, Config config) {
        return new Builder(deviceId, transport, scheduler, store, room, config);
    }

    /** The Last Will every transport of this device must carry: retained {@code {"online": false, ...}}. */
    public static LastWill lastWill(String deviceId) {
        JsonObject o = new JsonObject();
        o.addProperty("online", false);
        o.addProperty("deviceId", deviceId);
        o.addProperty("reason", "connection lost");
        return new LastWill(statusTopic(deviceId), o.toString().getBytes(StandardCharsets.UTF_8), 1, true);
    }

    public static String statusTopic(String deviceId) {
        return ROOT + deviceId + "/status";
    }

    public static String telemetryTopic(String deviceId) {
        return ROOT + deviceId + "/telemetry";
    }

    public static String eventsTopic(String deviceId) {
        return ROOT + deviceId + "/events";
    }

    public static String commandTopic(String deviceId, String command) {
        return ROOT + deviceId + "/cmd/" + command;
    }

    @Override
    public String name() {
        return "mqtt";
    }

    /** Where features report events; they are queued on disk and published in order. */
    public EventSink events() {
        return sink;
    }

    /** The command table; features add their commands here before {@link #start()}. */
    public CommandRegistry commands() {
        return registry;
    }

    public String deviceId() {
        return deviceId;
    }

    @Override
    public void start() {
        synchronized (lock) {
            if (started) {
                return;
            }
            started = true;
            startedAt = scheduler.now();
        }
        String cmdPrefix = ROOT + deviceId + "/cmd/";
        transport.subscribe(cmdPrefix + "+", 1, m -> onCommand(m, m.topic().substring(cmdPrefix.length()), false));
        transport.subscribe(FLEET_CMD + "+", 1, m -> onCommand(m, m.topic().substring(FLEET_CMD.length()), true));
        transport.addConnectionListener(new MqttTransport.ConnectionListener() {
            @Override
            public void connected(boolean sessionPresent) {
                synchronized (lock) {
                    lastStatus = "";
                    connectedAtNanos = scheduler.monotonicNanos();
                }
                publishStatus(true);
                pumpEvents();
            }

            @Override
            public void connectionLost(String reason) {
                // events wait in the queue; the transport reconnects by itself
            }
        });
        scheduleTelemetry();
        if (!signatures.enforced() && allowUnsigned) {
            Logger.warn("No operator keys configured (mqtt.operator-keys) and mqtt.allow-unsigned=true: anyone who can "
                    + "publish to this room's topics can control it");
        } else if (!signatures.enforced()) {
            Logger.warn("No operator keys configured (mqtt.operator-keys): only read commands are answered");
        }
        transport.connect();
        Logger.info("Remote management started for device {}", deviceId);
    }

    @Override
    public void stop() {
        synchronized (lock) {
            if (!started) {
                return;
            }
            started = false;
            if (telemetryTask != null) {
                telemetryTask.cancel();
            }
            if (healthWatch != null) {
                healthWatch.cancel();
                healthWatch = null;
            }
            if (pendingReboot != null) {
                pendingReboot.cancel();
                pendingReboot = null;
            }
            if (eventRetry != null) {
                eventRetry.cancel();
            }
        }
        if (transport.isConnected()) {
            JsonObject off = new JsonObject();
            off.addProperty("online", false);
            off.addProperty("deviceId", deviceId);
            off.addProperty("version", version);
            off.addProperty("reason", "stopped");
            off.addProperty("time", scheduler.now().toString());
            try {
                transport.publish(statusTopic(deviceId), bytes(off), 1, true, MessageProperties.json())
                        .get(2, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                Logger.warn("Offline status not confirmed by the broker: {}", e.toString());
            }
        }
        transport.disconnect();
        queue.flush();
        signatures.close();
    }

    @Override
    public Health health() {
        boolean up;
        synchronized (lock) {
            up = started;
        }
        if (!up) {
            return Health.down("not started");
        }
        Health h = Health.up();
        if (!transport.isConnected()) {
            String err = transport.stats().lastError();
            h = Health.degraded("broker not connected" + (err.isEmpty() ? "" : " (" + err + ")")
                    + "; reconnecting, check mqtt.broker-url and the certificates");
        }
        if (!signatures.enforced()) {
            String why = unsignedReason();
            h = h.isUp() ? Health.degraded(why) : Health.degraded(h.reason() + "; " + why);
        }
        return h;
    }

    private String unsignedReason() {
        return allowUnsigned ? "commands unsigned (mqtt.allow-unsigned)"
                : "no operator keys (mqtt.operator-keys): commands that act are refused";
    }

    // ---- status and telemetry ----

    /** Publishes the status again if it changed; features call this on call, button, enrollment or compliance changes. */
    public void statusChanged() {
        publishStatus(false);
    }

    /** The status document (also the {@code status.get} result). */
    public JsonObject status(boolean online) {
        JsonObject s = new JsonObject();
        s.addProperty("online", online);
        s.addProperty("deviceId", deviceId);
        s.addProperty("version", version);
        Instant since;
        synchronized (lock) {
            since = startedAt == null ? scheduler.now() : startedAt;
        }
        s.addProperty("startedAt", since.toString());
        JsonObject r;
        try {
            r = room.status();
        } catch (RuntimeException e) {
            Logger.warn(e, "Room status unavailable: {}", e.toString());
            r = new JsonObject();
            r.addProperty("error", "room status unavailable: " + e.getMessage());
        }
        JsonObject roomPart = hideTitles ? redacted(r).getAsJsonObject() : r;
        roomPart.entrySet().forEach(e -> s.add(e.getKey(), e.getValue()));
        JsonObject health = new JsonObject();
        try {
            room.health().forEach((k, v) -> health.addProperty(k, v.toString()));
        } catch (RuntimeException e) {
            health.addProperty("agent", Health.degraded("health unavailable: " + e.getMessage()).toString());
        }
        health.addProperty(name(), health().toString());
        s.add("health", health);
        s.add("events", eventCounters());
        return s;
    }

    private JsonObject eventCounters() {
        JsonObject ev = new JsonObject();
        ev.addProperty("queued", queue.size());
        ev.addProperty("dropped", queue.dropped());
        return ev;
    }

    private void publishStatus(boolean force) {
        if (!transport.isConnected()) {
            return;
        }
        // Each build takes a ticket first; a build that started before one already sent is dropped, so a
        // status built on a telemetry tick never overwrites the retained status of a newer call event.
        long ticket = statusTickets.incrementAndGet();
        JsonObject s = status(true);
        String comparable = s.toString();
        synchronized (lock) {
            if (ticket < statusSent || (!force && comparable.equals(lastStatus))) {
                return;
            }
            lastStatus = comparable;
            statusSent = ticket;
            s.addProperty("uptimeSeconds", Duration.between(Instant.parse(s.get("startedAt").getAsString()), scheduler.now()).toSeconds());
            s.addProperty("time", scheduler.now().toString());
            // handed to the transport under the lock: statuses leave in ticket order
            transport.publish(statusTopic(deviceId), bytes(s), 1, true, MessageProperties.json())
                    .whenComplete((v, e) -> {
                        if (e != null) {
                            synchronized (lock) {
                                lastStatus = "";
                            }
                        }
                    });
        }
    }

    private void scheduleTelemetry() {
        synchronized (lock) {
            if (telemetryTask != null) {
                telemetryTask.cancel();
            }
            Duration d = telemetryInterval;
            telemetryTask = scheduler.scheduleAtFixedRate(d, d, this::publishTelemetry);
            if (healthWatch == null) {
                // a service going DOWN or back UP changes the retained status operators read (ctl fleet's HEALTH)
                healthWatch = scheduler.scheduleAtFixedRate(HEALTH_WATCH, HEALTH_WATCH, this::watchHealth);
            }
        }
    }

    private void watchHealth() {
        String h;
        try {
            h = room.health().toString();
        } catch (RuntimeException e) {
            return; // the status built next reports it
        }
        synchronized (lock) {
            if (h.equals(lastHealth)) {
                return;
            }
            lastHealth = h;
        }
        publishStatus(false);
    }

    /** The telemetry document. */
    public JsonObject telemetry() {
        JsonObject t = new JsonObject();
        Instant now = scheduler.now();
        t.addProperty("time", now.toString());
        JsonObject cpu = new JsonObject();
        process.cpuPercent(now.toEpochMilli()).ifPresent(v -> cpu.addProperty("processPercent", v));
        double load = ProcessStats.loadAverage();
        if (load >= 0) {
            cpu.addProperty("loadAverage", Math.round(load * 100) / 100.0);
        }
        t.add("cpu", cpu);
        JsonObject mem = new JsonObject();
        Runtime rt = Runtime.getRuntime();
        mem.addProperty("heapUsedBytes", rt.totalMemory() - rt.freeMemory());
        mem.addProperty("heapMaxBytes", rt.maxMemory());
        ProcessStats.rssBytes().ifPresent(v -> mem.addProperty("rssBytes", v));
        t.add("memory", mem);
        try {
            room.telemetry().entrySet().forEach(e -> t.add(e.getKey(), e.getValue()));
        } catch (RuntimeException e) {
            Logger.warn(e, "Room telemetry unavailable: {}", e.toString());
        }
        t.add("events", eventCounters());
        JsonObject mq = new JsonObject();
        MqttTransport.TransportStats st = transport.stats();
        mq.addProperty("connects", st.connects());
        mq.addProperty("losses", st.losses());
        t.add("mqtt", mq);
        return t;
    }

    private void publishTelemetry() {
        if (!transport.isConnected()) {
            return;
        }
        byte[] b = bytes(telemetry());
        telemetryBytes += b.length;
        telemetryMessages++;
        transport.publish(telemetryTopic(deviceId), b, 0, false, MessageProperties.json());
        publishStatus(false);
    }

    /** Telemetry payload bytes and messages published so far (for the benchmark). */
    public long[] telemetryCounters() {
        return new long[] {telemetryBytes, telemetryMessages};
    }

    // ---- events ----

    private void enqueue(DeviceEvent e) {
        JsonObject o = new JsonObject();
        o.addProperty("type", e.type());
        o.addProperty("time", e.time().toString());
        o.addProperty("deviceId", deviceId);
        JsonObject attrs = new JsonObject();
        e.attributes().forEach((k, v) -> {
            if (v instanceof Number n) {
                attrs.addProperty(k, n);
            } else if (v instanceof Boolean bo) {
                attrs.addProperty(k, bo);
            } else {
                attrs.addProperty(k, String.valueOf(v));
            }
        });
        o.add("attributes", attrs);
        queue.append(o);
        scheduleFlush();
        pumpEvents();
    }

    /**
     * Writes queue changes to disk on the scheduler, one write per burst, never on the reporter's thread; then sends
     * what was written (the queue hands out only events on disk).
     */
    private void scheduleFlush() {
        synchronized (lock) {
            if (flushPending) {
                return;
            }
            flushPending = true;
        }
        scheduler.execute(() -> {
            synchronized (lock) {
                flushPending = false;
            }
            queue.flush();
            pumpEvents();
        });
    }

    /**
     * For this long after a (re)connect, an event no subscription matched is kept and sent again every
     * {@link #NO_SUBSCRIBER_RETRY}: the collectors may not have re-subscribed after a broker restart. Later, an
     * event nobody subscribes to is dropped as before (a fleet without collectors must not hold its queue).
     */
    static final Duration NO_SUBSCRIBER_GRACE = Duration.ofSeconds(60);
    static final Duration NO_SUBSCRIBER_RETRY = Duration.ofSeconds(1);
    private long connectedAtNanos;

    private boolean soonAfterConnect() {
        synchronized (lock) {
            return scheduler.monotonicNanos() - connectedAtNanos < NO_SUBSCRIBER_GRACE.toNanos();
        }
    }

    /** Sends the head of the queue if nothing is in flight; one at a time keeps the order. */
    private void pumpEvents() {
        EventQueue.Entry head;
        synchronized (lock) {
            if (eventInFlight || !transport.isConnected()) {
                return;
            }
            Optional<EventQueue.Entry> h = queue.head();
            if (h.isEmpty()) {
                return;
            }
            head = h.get();
            eventInFlight = true;
        }
        transport.publishToSubscribers(eventsTopic(deviceId), head.json().getBytes(StandardCharsets.UTF_8), 1, false,
                MessageProperties.json()).whenComplete((v, e) -> {
                    if (e instanceof MqttTransport.NoSubscribersException && soonAfterConnect()) {
                        // A restarted broker may not have restored the collectors' shared subscription yet (Mosquitto
                        // 2.0 does not): keep the event and send it again until they are back, for a bounded time.
                        synchronized (lock) {
                            eventInFlight = false;
                            if (started) {
                                eventRetry = scheduler.schedule(NO_SUBSCRIBER_RETRY, this::pumpEvents);
                            }
                        }
                        return;
                    }
                    boolean taken = e == null || e instanceof MqttTransport.NoSubscribersException;
                    if (taken) {
                        queue.ack(head.seq()); // before the flag drops, or a concurrent pump would resend the head
                        scheduleFlush();
                    }
                    synchronized (lock) {
                        eventInFlight = false;
                    }
                    if (taken) {
                        pumpEvents();
                    } else if (!(e instanceof MqttTransport.NotConnectedException)) {
                        Logger.warn("Event {} not acknowledged ({}); retrying", head.seq(), e.toString());
                        synchronized (lock) {
                            if (started) {
                                eventRetry = scheduler.schedule(Duration.ofSeconds(1), this::pumpEvents);
                            }
                        }
                    }
                });
    }

    // ---- commands ----

    /** A command that may run: its table entry, its arguments and who signed it. */
    private record Admitted(CommandRegistry.Command command, JsonObject args, Optional<String> signedBy) { }

    private void onCommand(InboundMessage m, String name, boolean fleet) {
        String shown = Config.printable(abbreviate(name));
        if (m.retained()) {
            Logger.warn("Ignoring retained command {}: commands must not be retained", shown);
            return;
        }
        Optional<String> replyTo = m.properties().responseTopic();
        Optional<byte[]> corr = m.properties().correlationData();
        if (replyTo.isPresent() && !replyTopicAllowed(replyTo.get())) {
            Logger.warn("Refusing command {}: response topic {} is not under {}", shown,
                    Config.printable(abbreviate(replyTo.get())), REPLY_PREFIX);
            return;
        }
        CompletableFuture<JsonElement> result;
        String ran = null;
        try {
            Admitted a = admit(m, name, fleet);
            if (a.command().exclusive()) {
                if (!running.add(name)) {
                    throw CommandException.busy(name + " is already running; wait for its reply");
                }
                ran = name;
            }
            Logger.info("Command {} {}{}", name, fleet ? "(fleet) " : "",
                    a.signedBy().map(k -> "signed by " + k).orElse("unsigned"));
            result = a.command().handler().handle(new CommandRequest(name, a.args(), fleet, a.signedBy()))
                    .toCompletableFuture();
        } catch (CommandException e) {
            result = CompletableFuture.failedFuture(e);
        } catch (RuntimeException e) {
            result = CompletableFuture.failedFuture(e);
        }
        String release = ran;
        result.whenComplete((r, e) -> {
            if (release != null) {
                running.remove(release);
            }
            reply(shown, replyTo, corr, r, e);
        });
    }

    /**
     * Decides whether a command may run. Only a verified signature spends the operator's budget,
     * so unsigned and badly signed publishers can exhaust their own budget and not the operator's.
     */
    private Admitted admit(InboundMessage m, String name, boolean fleet) throws CommandException {
        if (m.payload().length > maxPayload) {
            spendUntrusted();
            throw CommandException.badRequest("payload", m.payload().length + " bytes is over the limit of "
                    + maxPayload + " (mqtt.max-payload)");
        }
        Optional<CommandRegistry.Command> found = CommandRegistry.NAME.matcher(name).matches()
                ? registry.find(name) : Optional.empty();
        if (found.isEmpty()) {
            spendUntrusted();
            throw new CommandException(CommandException.Code.UNKNOWN_COMMAND, "unknown command '"
                    + Config.printable(abbreviate(name)) + "'; known: "
                    + String.join(", ", registry.all().stream().map(CommandRegistry.Command::name).toList()));
        }
        CommandRegistry.Command cmd = found.get();
        JsonObject payload;
        try {
            payload = parse(m.payload());
        } catch (CommandException e) {
            spendUntrusted();
            throw e;
        }
        if (OperatorSignatures.isSigned(payload)) {
            OperatorSignatures.Verified v;
            try {
                v = signatures.verify(name, fleet ? "*" : deviceId, payload);
            } catch (CommandException e) {
                spendUntrusted();
                throw e;
            }
            if (!operatorRate.tryAcquire()) {
                throw new CommandException(CommandException.Code.RATE_LIMITED,
                        "more than mqtt.command-rate signed commands per second; retry later");
            }
            return new Admitted(cmd, v.args(), Optional.of(v.keyFingerprint()));
        }
        spendUntrusted();
        if (cmd.access().needsSignature()) {
            if (signatures.enforced()) {
                throw CommandException.forbidden(name + " " + (cmd.access() == CommandRegistry.Access.CHANGE
                        ? "changes the room" : "acts on the room") + " and must be signed with an operator key listed "
                        + "in mqtt.operator-keys (roomwire ctl --sign-key)");
            }
            if (!allowUnsigned) {
                throw CommandException.forbidden(name + " acts on the room and must be signed, but this device has no "
                        + "operator keys: list them in mqtt.operator-keys (or, on a trusted network only, set "
                        + "mqtt.allow-unsigned=true)");
            }
            long expiry = m.properties().expirySeconds();
            if (expiry <= 0 || expiry > unsignedMaxAge.toSeconds()) {
                throw CommandException.forbidden("an unsigned " + name + " must carry an MQTT message expiry of 1 to "
                        + unsignedMaxAge.toSeconds() + " s (mqtt.unsigned-max-age), so a stale one is dropped by the "
                        + "broker; " + (expiry <= 0 ? "it has none" : "it has " + expiry + " s"));
            }
        }
        return new Admitted(cmd, payload, Optional.empty());
    }

    private void spendUntrusted() throws CommandException {
        if (!untrustedRate.tryAcquire()) {
            throw new CommandException(CommandException.Code.RATE_LIMITED,
                    "more than mqtt.command-rate unsigned commands per second; retry later");
        }
    }

    /** Under {@link #REPLY_PREFIX}, one concrete topic of printable characters, bounded. */
    static boolean replyTopicAllowed(String topic) {
        return topic.startsWith(REPLY_PREFIX) && topic.length() > REPLY_PREFIX.length()
                && topic.length() <= MAX_REPLY_TOPIC && !topic.contains("+") && !topic.contains("#")
                && Config.controlCharacter(topic).isEmpty();
    }

    /** True when replies to {@code req} leave titles out ({@code mqtt.hide-meeting-titles}, unsigned request). */
    boolean hidesTitlesFrom(CommandRequest req) {
        return hideTitles && req.signedBy().isEmpty();
    }

    /** A copy of {@code e} with titles, organisers and join targets replaced by {@value #HIDDEN}. */
    static JsonElement redacted(JsonElement e) {
        if (e == null) {
            return null;
        }
        JsonElement copy = e.deepCopy();
        redactInPlace(copy);
        return copy;
    }

    private static void redactInPlace(JsonElement e) {
        if (e.isJsonArray()) {
            e.getAsJsonArray().forEach(ManagementService::redactInPlace);
        } else if (e.isJsonObject()) {
            JsonObject o = e.getAsJsonObject();
            for (String k : List.copyOf(o.keySet())) {
                if (REDACTED_KEYS.contains(k) && o.get(k).isJsonPrimitive()) {
                    o.addProperty(k, HIDDEN);
                } else {
                    redactInPlace(o.get(k));
                }
            }
        }
    }

    private JsonObject parse(byte[] payload) throws CommandException {
        String text = new String(payload, StandardCharsets.UTF_8).strip();
        if (text.isEmpty()) {
            return new JsonObject();
        }
        JsonElement e;
        try {
            e = JsonParser.parseString(text);
        } catch (JsonParseException | StackOverflowError ex) {
            throw CommandException.badRequest("payload", "not valid JSON");
        }
        if (!e.isJsonObject()) {
            throw CommandException.badRequest("payload", "expected a JSON object, got " + CommandRequest.kind(e));
        }
        return e.getAsJsonObject();
    }

    private void reply(String name, Optional<String> replyTo, Optional<byte[]> corr, JsonElement result, Throwable error) {
        JsonObject out = new JsonObject();
        if (error instanceof CompletionException && error.getCause() != null) {
            error = error.getCause();
        }
        if (error == null) {
            out.addProperty("ok", true);
            out.add("result", result == null ? new JsonObject() : result);
        } else {
            CommandException ce = error instanceof CommandException c ? c
                    : new CommandException(CommandException.Code.INTERNAL, name + " failed: " + error
                    + "; see logs.get for details");
            if (!(error instanceof CommandException)) {
                Logger.error(error, "Command {} failed: {}", name, error.toString());
            } else {
                Logger.info("Command {} answered {}: {}", name, ce.code().wire(), Config.printable(ce.getMessage()));
            }
            out.addProperty("ok", false);
            JsonObject err = new JsonObject();
            err.addProperty("code", ce.code().wire());
            err.addProperty("message", ce.getMessage());
            out.add("error", err);
        }
        out.addProperty("device", deviceId);
        if (replyTo.isEmpty()) {
            return;
        }
        MessageProperties props = MessageProperties.reply(corr);
        for (JsonObject part : chunks(out)) {
            transport.publish(replyTo.get(), bytes(part), 1, false, props).whenComplete((v, e) -> {
                if (e != null) {
                    Logger.warn("Reply to {} not delivered: {}", name, e.toString());
                }
            });
        }
    }

    /** Splits a large reply: the biggest array in the result is spread over chunks of at most ~48 KB. */
    static List<JsonObject> chunks(JsonObject reply) {
        if (bytes(reply).length <= CHUNK_BYTES || !reply.has("result") || !reply.get("result").isJsonObject()) {
            return List.of(reply);
        }
        JsonObject result = reply.getAsJsonObject("result");
        String arrayKey = null;
        int biggest = -1;
        for (Map.Entry<String, JsonElement> e : result.entrySet()) {
            if (e.getValue().isJsonArray() && e.getValue().toString().length() > biggest) {
                biggest = e.getValue().toString().length();
                arrayKey = e.getKey();
            }
        }
        if (arrayKey == null) {
            return List.of(reply);
        }
        List<JsonArray> parts = new ArrayList<>();
        JsonArray cur = new JsonArray();
        int size = 0;
        for (JsonElement item : result.getAsJsonArray(arrayKey)) {
            int n = item.toString().length() + 1;
            if (size + n > CHUNK_BYTES && cur.size() > 0) {
                parts.add(cur);
                cur = new JsonArray();
                size = 0;
            }
            cur.add(item);
            size += n;
        }
        parts.add(cur);
        List<JsonObject> out = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            JsonObject r = result.deepCopy();
            r.add(arrayKey, parts.get(i));
            JsonObject p = reply.deepCopy();
            p.add("result", r);
            JsonObject chunk = new JsonObject();
            chunk.addProperty("index", i);
            chunk.addProperty("count", parts.size());
            p.add("chunk", chunk);
            out.add(p);
        }
        return out;
    }

    // ---- used by the standard commands ----

    RoomControl room() {
        return room;
    }

    Scheduler scheduler() {
        return scheduler;
    }

    List<String> recentLogs(int n) {
        return logs.apply(n);
    }

    /**
     * Re-reads settings that apply without a restart. A changed {@code mqtt.hide-meeting-titles} replaces the
     * retained status at once, not at the next telemetry tick.
     */
    public void configApplied(Config next) {
        operatorRate.setRate(next.get(MgmtSettings.COMMAND_RATE));
        untrustedRate.setRate(next.get(MgmtSettings.COMMAND_RATE));
        boolean hide = next.get(MgmtSettings.HIDE_MEETING_TITLES);
        boolean hideChanged = hide != hideTitles;
        hideTitles = hide;
        maintenanceWindow = next.find(MgmtSettings.MAINTENANCE_WINDOW).orElse(null);
        zone = next.get(AgentSettings.TIME_ZONE);
        Duration t = next.get(MgmtSettings.TELEMETRY_INTERVAL);
        if (!t.equals(telemetryInterval)) {
            telemetryInterval = t;
            synchronized (lock) {
                if (!started) {
                    return;
                }
            }
            scheduleTelemetry();
        }
        if (hideChanged) {
            publishStatus(false);
        }
    }

    /**
     * Reboot now when idle (and inside the maintenance window, when one is set), else check again
     * every 30 s. Returns the state to report.
     */
    JsonObject requestReboot(boolean force) {
        JsonObject r = new JsonObject();
        if (force) {
            r.addProperty("state", "rebooting");
            r.addProperty("forced", true);
            synchronized (lock) {
                if (pendingReboot != null) {
                    pendingReboot.cancel();
                    pendingReboot = null;
                }
            }
            rebootSoon("operator (forced)");
            return r;
        }
        Optional<String> wait = rebootBlocker();
        if (wait.isEmpty()) {
            r.addProperty("state", "rebooting");
            rebootSoon("operator");
            return r;
        }
        synchronized (lock) {
            if (pendingReboot == null) {
                pendingReboot = scheduler.scheduleAtFixedRate(Duration.ofSeconds(30), Duration.ofSeconds(30), () -> {
                    if (rebootBlocker().isEmpty()) {
                        synchronized (lock) {
                            if (pendingReboot != null) {
                                pendingReboot.cancel();
                                pendingReboot = null;
                            }
                        }
                        rebootSoon("operator (waited)");
                    }
                });
                enqueue(DeviceEvent.of("reboot.pending", scheduler.now(), "waitingFor", wait.get()));
            }
        }
        r.addProperty("state", "scheduled");
        r.addProperty("waitingFor", wait.get());
        return r;
    }

    private Optional<String> rebootBlocker() {
        if (room.inCall()) {
            return Optional.of("the call to end");
        }
        String w = maintenanceWindow;
        if (w != null) {
            LocalTime now = LocalTime.ofInstant(scheduler.now(), zone);
            LocalTime from = LocalTime.parse(w.substring(0, 5));
            LocalTime to = LocalTime.parse(w.substring(6));
            boolean inside = from.isBefore(to) ? !now.isBefore(from) && now.isBefore(to)
                    : !now.isBefore(from) || now.isBefore(to);
            if (!inside) {
                return Optional.of("the maintenance window " + w + " (" + zone + ")");
            }
        }
        return Optional.empty();
    }

    /** The reply goes out first; the reboot follows a moment later on the scheduler. */
    private void rebootSoon(String reason) {
        enqueue(DeviceEvent.of("reboot.started", scheduler.now(), "reason", reason));
        scheduler.schedule(Duration.ofSeconds(2), () -> room.reboot(reason));
    }

    private static byte[] bytes(JsonObject o) {
        return o.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String abbreviate(String s) {
        return s.length() > 64 ? s.substring(0, 61) + "..." : s;
    }

    /** Builds a {@link ManagementService}. */
    public static final class Builder {
        private final String deviceId;
        private final MqttTransport transport;
        private final Scheduler scheduler;
        private final FileStore store;
        private final RoomControl room;
        private final Config config;
        private String version = "unknown";
        private List<PublicKey> operatorKeys = List.of();
        private IntFunction<List<String>> logs = ScrubbingWriter::recent;

        private Builder(String deviceId, MqttTransport transport, Scheduler scheduler, FileStore store, RoomControl room,
                        Config config) {
            this.deviceId = Objects.requireNonNull(deviceId, "deviceId");
            if (!deviceId.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
                throw new IllegalArgumentException("device id '" + deviceId + "' cannot be used in MQTT topics "
                        + "(letters, digits, '.', '-', '_'); set device.id");
            }
            this.transport = Objects.requireNonNull(transport, "transport");
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            this.store = Objects.requireNonNull(store, "store");
            this.room = Objects.requireNonNull(room, "room");
            this.config = Objects.requireNonNull(config, "config");
        }

        public Builder version(String v) {
            this.version = v;
            return this;
        }

        /** Operator public keys; see {@link MgmtTransports#operatorKeys(Config)} to read mqtt.operator-keys. */
        public Builder operatorKeys(List<PublicKey> keys) {
            this.operatorKeys = List.copyOf(keys);
            return this;
        }

        /** Source of scrubbed log lines for {@code logs.get}; defaults to {@link ScrubbingWriter#recent}. */
        public Builder logs(IntFunction<List<String>> source) {
            this.logs = source;
            return this;
        }

        public ManagementService build() {
            return new ManagementService(this);
        }
    }
}
