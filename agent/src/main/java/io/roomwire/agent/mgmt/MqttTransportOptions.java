package io.roomwire.agent.mgmt;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/** How to reach the broker; build with {@link #builder(URI, String)}. */
public final class MqttTransportOptions {

    /** Default largest packet accepted: chunked replies are under 64 KB; this leaves room and bounds memory. */
    public static final long DEFAULT_MAX_PACKET = 1024 * 1024;
    /** Room for the topic and properties (response topic, correlation data) beside a payload. */
    public static final int PACKET_OVERHEAD = 16 * 1024;

    private final URI broker;
    private final String clientId;
    private final TlsMaterial tls;
    private final String username;
    private final byte[] password;
    private final Duration sessionExpiry;
    private final Duration keepAlive;
    private final Duration connectTimeout;
    private final Duration reconnectMin;
    private final Duration reconnectMax;
    private final Duration reconnectSpread;
    private final LastWill will;
    private final long randomSeed;
    private final long maxPacketSize;

    private MqttTransportOptions(Builder b) {
        this.broker = b.broker;
        this.clientId = b.clientId;
        this.tls = b.tls;
        this.username = b.username;
        this.password = b.password;
        this.sessionExpiry = b.sessionExpiry;
        this.keepAlive = b.keepAlive;
        this.connectTimeout = b.connectTimeout;
        this.reconnectMin = b.reconnectMin;
        this.reconnectMax = b.reconnectMax;
        this.reconnectSpread = b.reconnectSpread;
        this.will = b.will;
        this.randomSeed = b.randomSeed;
        this.maxPacketSize = b.maxPacketSize;
    }

    public static Builder builder(URI broker, String clientId) {
        return new Builder(broker, clientId);
    }

    public URI broker() { return broker; }
    public String clientId() { return clientId; }
    /** TLS material; required for {@code ssl://} brokers (may hold only a CA). */
    public Optional<TlsMaterial> tls() { return Optional.ofNullable(tls); }
    public Optional<String> username() { return Optional.ofNullable(username); }
    public Optional<byte[]> password() { return Optional.ofNullable(password).map(byte[]::clone); }
    public Duration sessionExpiry() { return sessionExpiry; }
    public Duration keepAlive() { return keepAlive; }
    public Duration connectTimeout() { return connectTimeout; }
    public Duration reconnectMin() { return reconnectMin; }
    public Duration reconnectMax() { return reconnectMax; }
    /** After a working connection is lost, the first reconnect waits a random moment within this. */
    public Duration reconnectSpread() { return reconnectSpread; }
    public Optional<LastWill> will() { return Optional.ofNullable(will); }
    public long randomSeed() { return randomSeed; }
    /** Largest packet we accept (MQTT 5 Maximum Packet Size, 3.1.2.11.4): the broker sends nothing larger, and a larger one is refused from its header, before its body is read. */
    public long maxPacketSize() { return maxPacketSize; }

    /** True for {@code ssl://} and {@code mqtts://}. */
    public boolean usesTls() {
        String s = broker.getScheme();
        return "ssl".equalsIgnoreCase(s) || "mqtts".equalsIgnoreCase(s);
    }

    public static final class Builder {
        private final URI broker;
        private final String clientId;
        private TlsMaterial tls;
        private String username;
        private byte[] password;
        private Duration sessionExpiry = Duration.ofDays(1);
        private Duration keepAlive = Duration.ofSeconds(30);
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration reconnectMin = Duration.ofSeconds(1);
        private Duration reconnectMax = Duration.ofMinutes(2);
        private Duration reconnectSpread = Duration.ZERO;
        private LastWill will;
        private long randomSeed = new java.security.SecureRandom().nextLong();
        private long maxPacketSize = DEFAULT_MAX_PACKET;

        private Builder(URI broker, String clientId) {
            this.broker = Objects.requireNonNull(broker, "broker");
            this.clientId = Objects.requireNonNull(clientId, "clientId");
            String s = broker.getScheme() == null ? "" : broker.getScheme().toLowerCase(java.util.Locale.ROOT);
            if (!s.equals("ssl") && !s.equals("tcp") && !s.equals("mqtts") && !s.equals("mqtt")) {
                throw new IllegalArgumentException("mqtt.broker-url must start with ssl:// (or tcp:// without TLS), got '"
                        + broker + "'");
            }
            if (broker.getHost() == null) {
                throw new IllegalArgumentException("mqtt.broker-url has no host: '" + broker + "'");
            }
        }

        public Builder tls(TlsMaterial t) { this.tls = t; return this; }
        public Builder username(String u) { this.username = u; return this; }
        public Builder password(byte[] p) { this.password = p == null ? null : p.clone(); return this; }
        public Builder sessionExpiry(Duration d) { this.sessionExpiry = d; return this; }
        public Builder keepAlive(Duration d) { this.keepAlive = d; return this; }
        public Builder connectTimeout(Duration d) { this.connectTimeout = d; return this; }
        /** Back-off between reconnect attempts: jittered, doubling from {@code min} up to {@code max}. */
        public Builder reconnect(Duration min, Duration max) { this.reconnectMin = min; this.reconnectMax = max; return this; }
        /** After losing a working connection, the first reconnect at a random moment within {@code d} (zero: the back-off's). */
        public Builder reconnectSpread(Duration d) { this.reconnectSpread = d; return this; }
        public Builder will(LastWill w) { this.will = w; return this; }
        public Builder randomSeed(long seed) { this.randomSeed = seed; return this; }
        /** Largest packet accepted from the broker, in bytes (at least 1 KB). */
        public Builder maxPacketSize(long bytes) {
            if (bytes < 1024 || bytes > 268_435_455L) {
                throw new IllegalArgumentException("maximum packet size must be 1 KB to 256 MB, got " + bytes);
            }
            this.maxPacketSize = bytes;
            return this;
        }

        public MqttTransportOptions build() {
            return new MqttTransportOptions(this);
        }
    }
}
