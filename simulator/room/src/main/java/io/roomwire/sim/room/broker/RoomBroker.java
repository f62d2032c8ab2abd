package io.roomwire.sim.room.broker;

import java.nio.file.Path;

/**
 * An MQTT 5 broker rooms report to and operators manage them through, with mutual TLS from the
 * simulator's CA: the embedded HiveMQ CE of the single simulated room, or Debian's Mosquitto for a fleet.
 */
public interface RoomBroker extends AutoCloseable {

    /** {@code ssl://127.0.0.1:<port>}. */
    String url();

    /** The CA that signed the broker's and every client's certificate (PEM). */
    Path caFile();

    Path operatorCertFile();

    Path operatorKeyFile();

    /** The operator's private command-signing key (PKCS#8 PEM, 0600). */
    Path operatorSigningKeyFile();

    /** Its public key (PEM): the value for a room's {@code mqtt.operator-keys}. */
    Path operatorPublicKeyFile();

    /** A client identity (CN = {@code name}) as PEM files {@code <name>.pem} and {@code <name>.key}; returns the certificate. */
    Path issueDevice(String name);

    @Override
    void close();

    /** The command line an operator pastes to manage {@code deviceId}, signing with {@link #operatorSigningKeyFile()}. */
    default String ctlLine(String deviceId) {
        return ctlLine(deviceId, operatorSigningKeyFile());
    }

    /**
     * The command line an operator pastes to manage {@code deviceId}; {@code signKey} (may be null)
     * is the operator signing key the room trusts.
     */
    default String ctlLine(String deviceId, Path signKey) {
        return "roomwire ctl --broker " + url() + " --cafile " + caFile() + " --cert " + operatorCertFile()
                + " --key " + operatorKeyFile() + (signKey == null ? "" : " --sign-key " + signKey)
                + " --device " + deviceId + " status.get";
    }

}
