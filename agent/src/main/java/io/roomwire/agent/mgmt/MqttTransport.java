package io.roomwire.agent.mgmt;

import java.util.concurrent.CompletableFuture;

/**
 * Our own seam in front of an MQTT 5 client library: one persistent session to one broker that
 * reconnects by itself, forever, with jittered back-off. Nothing outside the adapter package
 * ({@code mgmt.paho}) imports the library.
 *
 * <p>Subscriptions are remembered and renewed after every reconnect; messages that the broker
 * kept for the session while the device was away are routed to the same handlers.
 */
public interface MqttTransport extends AutoCloseable {

    /** Starts connecting in the background; returns at once. Later losses reconnect by themselves. */
    void connect();

    /**
     * Graceful end of the session: sends DISCONNECT (so the broker does not publish the Last
     * Will), stops reconnecting and releases every thread and socket. Idempotent.
     */
    void disconnect();

    /** Same as {@link #disconnect()}. */
    @Override
    default void close() {
        disconnect();
    }

    /**
     * The session is up and the broker has acknowledged (SUBACK) every subscription made before it
     * came up: a command published to a subscribed topic from now on reaches this client.
     */
    boolean isConnected();

    /**
     * Publishes a message. The future completes when QoS 0 was written or QoS 1 acknowledged, and
     * fails at once with {@link NotConnectedException} while the session is down (the caller keeps
     * what must not be lost).
     */
    CompletableFuture<Void> publish(String topic, byte[] payload, int qos, boolean retained, MessageProperties properties);

    /**
     * As {@link #publish}, but a QoS 1 message the broker acknowledged with "no matching subscribers" (MQTT 5
     * reason 16) fails with {@link NoSubscribersException}: the broker dropped it. Transports that cannot tell
     * complete as {@link #publish} does.
     */
    default CompletableFuture<Void> publishToSubscribers(String topic, byte[] payload, int qos, boolean retained,
                                                         MessageProperties properties) {
        return publish(topic, payload, qos, retained, properties);
    }

    /** Subscribes now (if connected) and after every reconnect; the handler runs on the transport's thread and must not block. */
    void subscribe(String topicFilter, int qos, MessageHandler handler);

    void addConnectionListener(ConnectionListener listener);

    /**
     * Drops the network connection abruptly, as a pulled cable would: no DISCONNECT is sent, so
     * the broker publishes the Last Will. The transport then reconnects by its policy.
     */
    void dropConnection();

    /** Counters for health and benchmarks. */
    TransportStats stats();

    /** Receives messages of one subscription. */
    @FunctionalInterface
    interface MessageHandler {
        void onMessage(InboundMessage message);
    }

    /** Session up/down notifications; called on the transport's thread, must not block. */
    interface ConnectionListener {
        /**
         * The session is up and its subscriptions are acknowledged by the broker (as {@link #isConnected()}).
         *
         * @param sessionPresent the broker still had our session (subscriptions and queued messages)
         */
        void connected(boolean sessionPresent);

        void connectionLost(String reason);
    }

    /** A publish attempted while the session is down. */
    /** The broker took the message but no subscription matched it (PUBACK reason 16): nobody got it. */
    final class NoSubscribersException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        public NoSubscribersException(String message) {
            super(message);
        }
    }

    final class NotConnectedException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        public NotConnectedException(String message) {
            super(message);
        }
    }

    /** @param connects successful connects; @param losses connections lost; @param lastError last failure, or "" */
    record TransportStats(long connects, long losses, long failedAttempts, String lastError) { }
}
