package io.roomwire.agent.mgmt;

/** A message the broker delivered to one of our subscriptions. */
public record InboundMessage(String topic, byte[] payload, int qos, boolean retained, MessageProperties properties) {

    public InboundMessage {
        payload = payload == null ? new byte[0] : payload;
    }

    public String payloadText() {
        return new String(payload, java.nio.charset.StandardCharsets.UTF_8);
    }
}
