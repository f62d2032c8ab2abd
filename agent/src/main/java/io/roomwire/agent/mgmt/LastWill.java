package io.roomwire.agent.mgmt;

/** What the broker publishes for us when the connection is lost without a DISCONNECT. */
public record LastWill(String topic, byte[] payload, int qos, boolean retained) {
    public LastWill {
        payload = payload.clone();
    }
}
