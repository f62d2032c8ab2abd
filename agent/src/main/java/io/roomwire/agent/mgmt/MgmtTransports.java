package io.roomwire.agent.mgmt;

import io.roomwire.agent.config.Config;
import io.roomwire.agent.mgmt.paho.PahoMqttTransport;
import io.roomwire.core.time.Scheduler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Builds the device's transport and operator keys from the configuration (the agent's wiring calls these). */
public final class MgmtTransports {

    private MgmtTransports() {
    }

    /**
     * Whether MQTT's mutual TLS uses the certificate of {@code mqtt.client-cert} and {@code mqtt.client-key} (both
     * set) rather than the device identity, so that it need not wait for the identity to load.
     */
    public static boolean hasOwnCertificate(Config config) {
        return config.find(MgmtSettings.CLIENT_CERT).isPresent() && config.find(MgmtSettings.CLIENT_KEY).isPresent();
    }

    /**
     * The device's MQTT transport: broker from {@code mqtt.broker-url}, mutual TLS with
     * {@code mqtt.client-cert}/{@code mqtt.client-key} or else the device identity PEMs given,
     * the Last Will of {@link ManagementService#lastWill}. Empty when no broker is configured.
     *
     * @param identityCertPem the device identity certificate (PEM), null when {@link #hasOwnCertificate}
     * @param identityKeyPem  its private key (PEM)
     */
    public static Optional<MqttTransport> forDevice(Config config, String deviceId, String identityCertPem,
                                                    String identityKeyPem, Scheduler scheduler)
            throws IOException, GeneralSecurityException {
        Optional<java.net.URI> url = config.find(MgmtSettings.BROKER_URL);
        if (url.isEmpty()) {
            return Optional.empty();
        }
        MqttTransportOptions.Builder b = MqttTransportOptions.builder(url.get(),
                config.find(MgmtSettings.CLIENT_ID).orElse(deviceId))
                .sessionExpiry(config.get(MgmtSettings.SESSION_EXPIRY))
                .keepAlive(config.get(MgmtSettings.KEEP_ALIVE))
                .reconnect(config.get(MgmtSettings.RECONNECT_MIN), config.get(MgmtSettings.RECONNECT_MAX))
                .reconnectSpread(config.get(MgmtSettings.RECONNECT_SPREAD))
                .will(ManagementService.lastWill(deviceId))
                .maxPacketSize(config.get(MgmtSettings.MAX_PAYLOAD) + (long) MqttTransportOptions.PACKET_OVERHEAD);
        config.find(MgmtSettings.USERNAME).ifPresent(b::username);
        config.find(MgmtSettings.PASSWORD).ifPresent(p -> b.password(p.getBytes(StandardCharsets.UTF_8)));
        Optional<Path> cert = config.find(MgmtSettings.CLIENT_CERT);
        Optional<Path> key = config.find(MgmtSettings.CLIENT_KEY);
        if (cert.isPresent() != key.isPresent()) {
            throw new IOException("set both mqtt.client-cert and mqtt.client-key, or neither (then the device identity is used)");
        }
        String ca = config.find(MgmtSettings.CA_FILE).map(MgmtTransports::readUnchecked).orElse(null);
        if (hasOwnCertificate(config)) {
            b.tls(TlsMaterial.ofPem(ca, read(cert.get()), read(key.get())));
        } else {
            b.tls(TlsMaterial.ofPem(ca, identityCertPem, identityKeyPem));
        }
        return Optional.of(new PahoMqttTransport(b.build(), scheduler));
    }

    /** Every key of the PEM files listed in {@code mqtt.operator-keys}. */
    public static List<PublicKey> operatorKeys(Config config) throws IOException, GeneralSecurityException {
        List<PublicKey> out = new ArrayList<>();
        for (String f : config.get(MgmtSettings.OPERATOR_KEYS)) {
            out.addAll(OperatorSignatures.parseKeys(read(Path.of(f)), f + " (mqtt.operator-keys)"));
        }
        return out;
    }

    private static String read(Path p) throws IOException {
        try {
            return Files.readString(p, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IOException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    private static String readUnchecked(Path p) {
        try {
            return read(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e.getMessage() + " (mqtt.ca-file)", e);
        }
    }
}
