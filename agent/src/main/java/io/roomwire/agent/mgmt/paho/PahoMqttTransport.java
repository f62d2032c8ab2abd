package io.roomwire.agent.mgmt.paho;

import io.roomwire.agent.mgmt.InboundMessage;
import io.roomwire.agent.mgmt.MessageProperties;
import io.roomwire.agent.mgmt.MqttTransport;
import io.roomwire.agent.mgmt.MqttTransportOptions;
import io.roomwire.agent.mgmt.internal.Pem;
import io.roomwire.core.log.LogScrubber;
import io.roomwire.core.time.Scheduler;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import javax.net.ssl.SSLSocketFactory;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.tinylog.Logger;

/**
 * {@link MqttTransport} on Eclipse Paho MQTT v5 (1.2.5, unmaintained since 2020, hence kept behind
 * our interface). Paho's own automatic reconnect is off: we reconnect by our {@link ReconnectDelays} on the
 * {@link Scheduler}, forever, and every reconnect uses a fresh client while the old one is closed
 * and its socket surely shut, which avoids Paho's reconnect-timer thread leak (paho.mqtt.java#654)
 * and the growth of a long-lived client over hundreds of reconnects (#747). Connects, discards
 * and retries run on the scheduler given: use the agent's real-time scheduler (with a
 * {@code VirtualScheduler} the session is attempted only when the test advances time).
 *
 * <p>The transport reports itself connected ({@link #isConnected()}, the listeners' {@code connected})
 * only once the broker has acknowledged (SUBACK) every subscription known at connect time: on a new
 * session a command published right after that report reaches our subscription instead of being
 * dropped by the broker. No SUBACK within the connect timeout, or a failed SUBSCRIBE, counts as a
 * failed connection attempt and is retried by the back-off; a subscription the broker refuses
 * (reason code 0x80 or above, e.g. its ACL) is logged and does not hold the connection back.
 */
public final class PahoMqttTransport implements MqttTransport {

    private record Subscription(String filter, int qos, MessageHandler handler) { }

    private final MqttTransportOptions options;
    private final Scheduler scheduler;
    private final ReconnectDelays delays;
    private final NoDelaySocketFactory.Tracked sockets;
    private final PahoThreads threads;
    private final String serverUri;
    private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();
    private final List<ConnectionListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong connects = new AtomicLong();
    private final AtomicLong losses = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile String lastError = "";

    private final Object lock = new Object();
    private MqttAsyncClient client;
    private long generation;
    private boolean running;
    /** The MQTT connection of {@link #client} is up (CONNACK received); its subscriptions may still be pending. */
    private boolean established;
    /** Established and every subscription known at connect time acknowledged: what we report as connected. */
    private volatile boolean connected;
    private Scheduler.Cancellable retry;

    public PahoMqttTransport(MqttTransportOptions options, Scheduler scheduler) throws GeneralSecurityException {
        this.options = options;
        this.scheduler = scheduler;
        this.delays = new ReconnectDelays(options.reconnectMin(), options.reconnectMax(), options.reconnectSpread(),
                options.randomSeed());
        SSLSocketFactory tls = null;
        if (options.usesTls()) {
            tls = Pem.clientContext(options.tls().orElse(io.roomwire.agent.mgmt.TlsMaterial.ofPem(null, null, null)))
                    .getSocketFactory();
        }
        this.sockets = NoDelaySocketFactory.create(tls);
        this.threads = new PahoThreads(options.clientId());
        String scheme = options.usesTls() ? "ssl" : "tcp";
        int port = options.broker().getPort() > 0 ? options.broker().getPort() : options.usesTls() ? 8883 : 1883;
        String host = options.broker().getHost();
        this.serverUri = scheme + "://" + (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public void connect() {
        synchronized (lock) {
            if (running) {
                return;
            }
            running = true;
            retry = scheduler.execute(this::attempt);
        }
    }

    private void attempt() {
        MqttAsyncClient c;
        long gen;
        synchronized (lock) {
            if (!running || client != null) {
                return;
            }
            retry = null;
            gen = ++generation;
            try {
                c = new MqttAsyncClient(serverUri, options.clientId(), new MemoryPersistence(), null, threads);
            } catch (MqttException e) {
                lastError = "cannot create MQTT client: " + e.getMessage();
                Logger.error("MQTT client for {} cannot be created ({}): check mqtt.broker-url", serverUri, e.getMessage());
                scheduleRetryLocked(delays.afterFailure());
                return;
            }
            client = c;
        }
        c.setCallback(new Callback(gen));
        try {
            c.connect(connectionOptions(), null, new MqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    onConnected(gen, c, token.getSessionPresent());
                }

                @Override
                public void onFailure(IMqttToken token, Throwable e) {
                    onLost(gen, c, "connect to " + serverUri + " failed: " + describe(e), false);
                }
            });
        } catch (MqttException | RuntimeException e) {
            onLost(gen, c, "connect to " + serverUri + " failed: " + describe(e), false);
        }
    }

    private MqttConnectionOptions connectionOptions() {
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(false);
        o.setSessionExpiryInterval(options.sessionExpiry().toSeconds());
        o.setKeepAliveInterval((int) options.keepAlive().toSeconds());
        o.setConnectionTimeout((int) Math.max(1, options.connectTimeout().toSeconds()));
        o.setAutomaticReconnect(false);
        o.setSocketFactory(sockets.factory());
        o.setHttpsHostnameVerificationEnabled(true);
        // MQTT 5 3.1.2.11.4: the broker must not send more; Paho refuses a larger packet from its length header
        o.setMaximumPacketSize(options.maxPacketSize());
        options.username().ifPresent(o::setUserName);
        options.password().ifPresent(o::setPassword);
        options.will().ifPresent(w -> {
            MqttProperties p = new MqttProperties();
            p.setContentType("application/json");
            o.setWillMessageProperties(p);
            o.setWill(w.topic(), new MqttMessage(w.payload(), w.qos(), w.retained(), new MqttProperties()));
        });
        return o;
    }

    private void onConnected(long gen, MqttAsyncClient c, boolean sessionPresent) {
        List<Subscription> subs;
        synchronized (lock) {
            if (gen != generation || client != c || !running) {
                return;
            }
            established = true;
            // taken under the lock that subscribe() also holds: each subscription is sent exactly once
            subs = List.copyOf(subscriptions.values());
        }
        if (subs.isEmpty()) {
            ready(gen, c, sessionPresent, 0);
            return;
        }
        // Not connected until the broker confirmed every SUBSCRIBE: a command sent on a new session
        // before that would find no subscriber and be dropped.
        Duration limit = options.connectTimeout();
        Scheduler.Cancellable timer = scheduler.schedule(limit, () -> onLost(gen, c, "no SUBACK from " + serverUri
                + " within " + limit.toMillis() + " ms", false, true));
        AtomicInteger left = new AtomicInteger(subs.size());
        for (Subscription s : subs) {
            subscribeOn(c, s, error -> {
                if (error != null) {
                    timer.cancel();
                    onLost(gen, c, "subscribe to " + s.filter() + " at " + serverUri + " failed: " + error, false, true);
                } else if (left.decrementAndGet() == 0) {
                    timer.cancel();
                    ready(gen, c, sessionPresent, subs.size());
                }
            });
        }
    }

    /** The connection is usable: up and subscribed. Reports it once per connection. */
    private void ready(long gen, MqttAsyncClient c, boolean sessionPresent, int subscribed) {
        synchronized (lock) {
            if (gen != generation || client != c || !running || connected) {
                return;
            }
            connected = true;
            delays.reset();
        }
        connects.incrementAndGet();
        Logger.info("MQTT connected to {} as {} (session {}, {} subscription{} confirmed)", serverUri, options.clientId(),
                sessionPresent ? "resumed" : "new", subscribed, subscribed == 1 ? "" : "s");
        for (ConnectionListener l : listeners) {
            try {
                l.connected(sessionPresent);
            } catch (RuntimeException e) {
                Logger.warn(e, "MQTT connection listener failed: {}", e.toString());
            }
        }
    }

    private void onLost(long gen, MqttAsyncClient c, String reason, boolean wasUp) {
        onLost(gen, c, reason, wasUp, false);
    }

    /** @param onlyBeforeReady ignore this if the connection was reported connected meanwhile (a late subscribe failure or timeout) */
    private void onLost(long gen, MqttAsyncClient c, String reason, boolean wasUp, boolean onlyBeforeReady) {
        boolean notify;
        synchronized (lock) {
            if (gen != generation || client != c || (onlyBeforeReady && connected)) {
                return;
            }
            notify = connected;
            connected = false;
            established = false;
            client = null;
            lastError = reason;
            if (wasUp || notify) {
                losses.incrementAndGet();
            } else {
                failures.incrementAndGet();
            }
        }
        // Paho must not be closed from its own callback thread: discard on the scheduler, then retry.
        scheduler.execute(() -> {
            discard(c);
            synchronized (lock) {
                if (running && client == null && retry == null) {
                    scheduleRetryLocked(notify ? delays.afterLoss() : delays.afterFailure());
                }
            }
        });
        if (notify) {
            Logger.warn("MQTT connection to {} lost: {}", serverUri, LogScrubber.scrub(reason));
            for (ConnectionListener l : listeners) {
                try {
                    l.connectionLost(reason);
                } catch (RuntimeException e) {
                    Logger.warn(e, "MQTT connection listener failed: {}", e.toString());
                }
            }
        }
    }

    private void scheduleRetryLocked(Duration d) {
        Logger.debug("MQTT reconnect to {} in {} ms", serverUri, d.toMillis());
        retry = scheduler.schedule(d, this::attempt);
    }

    /** Closes a client for good: its threads end and its socket is shut even when Paho leaves it open. */
    private void discard(MqttAsyncClient c) {
        try {
            if (c.isConnected()) {
                c.disconnectForcibly(0, 1, false);
            }
        } catch (MqttException | RuntimeException e) {
            Logger.debug("discarding MQTT client: {}", e.getMessage());
        }
        sockets.closeAll(true);
        try {
            c.close(true);
        } catch (MqttException | RuntimeException e) {
            Logger.debug("closing MQTT client: {}", e.getMessage());
        }
    }

    @Override
    public void disconnect() {
        MqttAsyncClient c;
        boolean wasConnected;
        synchronized (lock) {
            if (!running) {
                return;
            }
            running = false;
            if (retry != null) {
                retry.cancel();
                retry = null;
            }
            c = client;
            client = null;
            generation++;
            // also while subscriptions are pending: the session is up and must end without the Last Will
            wasConnected = established;
            established = false;
            connected = false;
        }
        if (c == null) {
            return;
        }
        if (wasConnected) {
            try {
                c.disconnect(500).waitForCompletion(3000);
            } catch (MqttException | RuntimeException e) {
                Logger.debug("MQTT disconnect: {}", e.getMessage());
            }
        }
        discard(c);
        Logger.info("MQTT session to {} closed", serverUri);
    }

    @Override
    public boolean isConnected() {
        return connected;
    }

    /** MQTT 5 PUBACK reason code 0x10. */
    static final int NO_MATCHING_SUBSCRIBERS = 16;

    @Override
    public CompletableFuture<Void> publish(String topic, byte[] payload, int qos, boolean retained, MessageProperties properties) {
        return publish(topic, payload, qos, retained, properties, false);
    }

    @Override
    public CompletableFuture<Void> publishToSubscribers(String topic, byte[] payload, int qos, boolean retained,
                                                        MessageProperties properties) {
        return publish(topic, payload, qos, retained, properties, true);
    }

    private CompletableFuture<Void> publish(String topic, byte[] payload, int qos, boolean retained, MessageProperties properties,
                                            boolean needSubscriber) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        MqttAsyncClient c;
        synchronized (lock) {
            c = client;
        }
        // Paho's own state, not ours: replies to messages queued for the session may arrive before our connect listener ran.
        if (c == null || !c.isConnected()) {
            f.completeExceptionally(new NotConnectedException("not connected to " + serverUri));
            return f;
        }
        MqttProperties p = new MqttProperties();
        properties.responseTopic().ifPresent(p::setResponseTopic);
        properties.correlationData().ifPresent(p::setCorrelationData);
        properties.contentType().ifPresent(p::setContentType);
        if (properties.expirySeconds() > 0) {
            p.setMessageExpiryInterval(properties.expirySeconds());
        }
        try {
            c.publish(topic, new MqttMessage(payload, qos, retained, p), null, new MqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    int[] rc = token.getReasonCodes();
                    if (needSubscriber && rc != null && java.util.Arrays.stream(rc).anyMatch(c -> c == NO_MATCHING_SUBSCRIBERS)) {
                        f.completeExceptionally(new NoSubscribersException("no subscription matched " + topic));
                    } else {
                        f.complete(null);
                    }
                }

                @Override
                public void onFailure(IMqttToken token, Throwable e) {
                    f.completeExceptionally(e);
                }
            });
        } catch (MqttException | RuntimeException e) {
            f.completeExceptionally(e);
        }
        return f;
    }

    @Override
    public void subscribe(String topicFilter, int qos, MessageHandler handler) {
        Subscription s = new Subscription(topicFilter, qos, handler);
        MqttAsyncClient c;
        synchronized (lock) {
            subscriptions.put(topicFilter, s);
            c = established ? client : null;
        }
        if (c != null) {
            subscribeOn(c, s, error -> { });
        }
    }

    /**
     * Sends one SUBSCRIBE; {@code done} gets null once the broker answered it (a refusal is logged,
     * retrying would not change the broker's mind), or the reason it could not be sent or answered.
     */
    private void subscribeOn(MqttAsyncClient c, Subscription s, Consumer<String> done) {
        try {
            c.subscribe(new MqttSubscription[] {new MqttSubscription(s.filter(), s.qos())}, null, new MqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    int[] codes = token.getReasonCodes();
                    if (codes != null && codes.length > 0 && codes[0] >= 0x80) {
                        Logger.error("MQTT broker refused subscription to {} (reason 0x{}): check the broker ACL",
                                s.filter(), Integer.toHexString(codes[0]));
                    }
                    done.accept(null);
                }

                @Override
                public void onFailure(IMqttToken token, Throwable e) {
                    Logger.warn("MQTT subscribe to {} failed: {}", s.filter(), describe(e));
                    done.accept(describe(e));
                }
            }, new MqttProperties());
        } catch (MqttException | RuntimeException e) {
            Logger.warn("MQTT subscribe to {} failed: {}", s.filter(), describe(e));
            done.accept(describe(e));
        }
    }

    @Override
    public void addConnectionListener(ConnectionListener listener) {
        listeners.add(listener);
    }

    @Override
    public void dropConnection() {
        sockets.closeAll(true);
    }

    @Override
    public TransportStats stats() {
        return new TransportStats(connects.get(), losses.get(), failures.get(), lastError);
    }

    /** How Paho's loops started on this transport's connections (see {@link PahoThreads}). */
    public PahoThreads.Starts loopStarts() {
        return threads.starts();
    }

    /**
     * Does, without a client, the part of Paho's first client creation that takes longest and needs no
     * broker, no key and no socket: its logger (java.util.logging with a resource bundle per message catalog)
     * and its look-up of network modules by URI scheme ({@code ServiceLoader}), 40-50 ms on a cold JVM. For
     * {@code agent.lifecycle.WarmUp}, on the start's spare core; what fails here fails again, with its reason,
     * when the real client is made.
     */
    public static void warmUp() {
        try {
            org.eclipse.paho.mqttv5.client.logging.LoggerFactory.getLogger(
                    org.eclipse.paho.mqttv5.client.logging.LoggerFactory.MQTT_CLIENT_MSG_CAT, PahoMqttTransport.class.getName());
            org.eclipse.paho.mqttv5.client.internal.NetworkModuleService.validateURI("ssl://warm-up.invalid:8883");
        } catch (RuntimeException e) {
            // nothing to do: see above
        }
    }

    /** MQTT topic filter matching, including {@code $share/group/} prefixes. */
    static boolean matches(String filter, String topic) {
        if (filter.startsWith("$share/")) {
            int slash = filter.indexOf('/', 7);
            filter = slash < 0 ? filter : filter.substring(slash + 1);
        }
        String[] f = filter.split("/", -1);
        String[] t = topic.split("/", -1);
        for (int i = 0; i < f.length; i++) {
            if (f[i].equals("#")) {
                return !(i == 0 && topic.startsWith("$"));
            }
            if (i >= t.length) {
                return false;
            }
            if (f[i].equals("+")) {
                if (i == 0 && t[0].startsWith("$")) {
                    return false;
                }
                continue;
            }
            if (!f[i].equals(t[i])) {
                return false;
            }
        }
        return f.length == t.length;
    }

    private static String describe(Throwable e) {
        if (e == null) {
            return "unknown error";
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (root != e && root.getMessage() != null) {
            m += " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
        }
        return m;
    }

    private final class Callback implements MqttCallback {
        private final long gen;

        Callback(long gen) {
            this.gen = gen;
        }

        @Override
        public void disconnected(MqttDisconnectResponse r) {
            MqttAsyncClient c;
            synchronized (lock) {
                c = client;
            }
            String reason = r.getException() != null ? describe(r.getException())
                    : "broker sent DISCONNECT 0x" + Integer.toHexString(r.getReturnCode())
                    + (r.getReasonString() == null ? "" : " " + r.getReasonString());
            if (c != null) {
                onLost(gen, c, reason, true);
            }
        }

        @Override
        public void mqttErrorOccurred(MqttException e) {
            Logger.warn("MQTT protocol error from {}: {}", serverUri, describe(e));
        }

        @Override
        public void messageArrived(String topic, MqttMessage m) {
            MqttProperties p = m.getProperties();
            MessageProperties props = p == null ? MessageProperties.none() : MessageProperties.of(
                    p.getResponseTopic(), p.getCorrelationData(), p.getContentType(),
                    p.getMessageExpiryInterval() == null ? 0 : p.getMessageExpiryInterval());
            InboundMessage in = new InboundMessage(topic, m.getPayload(), m.getQos(), m.isRetained(), props);
            for (Subscription s : subscriptions.values()) {
                if (matches(s.filter(), topic)) {
                    try {
                        s.handler().onMessage(in);
                    } catch (RuntimeException e) {
                        Logger.error(e, "MQTT handler for {} failed on {}: {}", s.filter(), topic, e.toString());
                    }
                }
            }
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
            // publish futures complete through their own listeners
        }

        @Override
        public void connectComplete(boolean reconnect, String serverURI) {
            // handled by the connect listener, which also knows whether the session was present
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
            Logger.warn("MQTT broker {} asked for enhanced authentication (reason {}), which is not configured",
                    serverUri, reasonCode);
        }
    }
}
