package io.roomwire.agent.mgmt;

import java.util.Arrays;
import java.util.Optional;

/** The MQTT 5 publish properties the topic API uses: response topic, correlation data, content type, expiry. */
public final class MessageProperties {

    private static final MessageProperties NONE = new MessageProperties(null, null, null, 0);
    private static final MessageProperties JSON = new MessageProperties(null, null, "application/json", 0);

    private final String responseTopic;
    private final byte[] correlationData;
    private final String contentType;
    private final long expirySeconds;

    private MessageProperties(String responseTopic, byte[] correlationData, String contentType, long expirySeconds) {
        this.responseTopic = responseTopic;
        this.correlationData = correlationData == null ? null : correlationData.clone();
        this.contentType = contentType;
        this.expirySeconds = expirySeconds;
    }

    public static MessageProperties none() {
        return NONE;
    }

    public static MessageProperties json() {
        return JSON;
    }

    /** A request: replies go to {@code responseTopic} carrying {@code correlationData}. */
    public static MessageProperties request(String responseTopic, byte[] correlationData) {
        return new MessageProperties(responseTopic, correlationData, "application/json", 0);
    }

    /** A reply to a request that carried {@code correlationData} (may be empty). */
    public static MessageProperties reply(Optional<byte[]> correlationData) {
        return new MessageProperties(null, correlationData.orElse(null), "application/json", 0);
    }

    public static MessageProperties of(String responseTopic, byte[] correlationData, String contentType, long expirySeconds) {
        return new MessageProperties(responseTopic, correlationData, contentType, expirySeconds);
    }

    /** The same properties with a message expiry (seconds; 0 = none). */
    public MessageProperties withExpiry(long seconds) {
        return new MessageProperties(responseTopic, correlationData, contentType, seconds);
    }

    public Optional<String> responseTopic() {
        return Optional.ofNullable(responseTopic);
    }

    public Optional<byte[]> correlationData() {
        return Optional.ofNullable(correlationData).map(byte[]::clone);
    }

    public Optional<String> contentType() {
        return Optional.ofNullable(contentType);
    }

    /** Message expiry in seconds; 0 when none. */
    public long expirySeconds() {
        return expirySeconds;
    }

    @Override
    public String toString() {
        return "MessageProperties[responseTopic=" + responseTopic + ", correlation="
                + (correlationData == null ? "none" : correlationData.length + " bytes") + ", contentType=" + contentType
                + ", expiry=" + expirySeconds + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MessageProperties p && java.util.Objects.equals(responseTopic, p.responseTopic)
                && Arrays.equals(correlationData, p.correlationData) && java.util.Objects.equals(contentType, p.contentType)
                && expirySeconds == p.expirySeconds;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(responseTopic, Arrays.hashCode(correlationData), contentType, expirySeconds);
    }
}
