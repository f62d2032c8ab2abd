package io.roomwire.agent.mgmt;

import io.roomwire.agent.config.Config;
import io.roomwire.agent.config.ConfigException;
import io.roomwire.core.store.FileStore;
import io.roomwire.core.time.Scheduler;
import io.roomwire.sim.cloud.SimPki;
import java.net.URI;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import io.roomwire.agent.mgmt.paho.PahoMqttTransport;

/** Builds devices for management tests: configuration, transport with the device's certificate, service. */
final class MgmtFixture {

    private MgmtFixture() {
    }

    static Config config(String text) {
        try {
            return Config.parse("test", text, Map.of(), io.roomwire.agent.config.Settings.all());
        } catch (ConfigException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    /** A device: its own client certificate (CN = device id), a fast reconnect policy. */
    static final class Device implements AutoCloseable {
        final String id;
        final FakeRoom room;
        final MqttTransport transport;
        final ManagementService service;
        final FileStore store;
        /** Every topic the device published to, in order (whatever the broker's ACL then did with it). */
        final List<String> published = new java.util.concurrent.CopyOnWriteArrayList<>();

        Device(String id, MosquittoBroker broker, SimPki pki, SimPki.Issued cert, Scheduler transportScheduler,
               Scheduler serviceScheduler, Path stateDir, String configText, List<PublicKey> keys,
               java.util.function.IntFunction<List<String>> logs, Duration sessionExpiry) throws Exception {
            this.id = id;
            Config c = config(configText);
            this.room = new FakeRoom(c);
            this.transport = new Recording(new PahoMqttTransport(MqttTransportOptions.builder(URI.create(broker.url()), id)
                    .tls(TlsMaterial.ofPem(pki.caPem(), cert.certificatePem(), TestPem.key(cert)))
                    .reconnect(Duration.ofMillis(20), Duration.ofMillis(300))
                    .sessionExpiry(sessionExpiry)
                    .will(ManagementService.lastWill(id))
                    .build(), transportScheduler), published);
            this.store = new FileStore(stateDir, serviceScheduler.clock());
            ManagementService.Builder b = ManagementService.builder(id, transport, serviceScheduler, store, room, c)
                    .version("1.2.3").operatorKeys(keys);
            if (logs != null) {
                b.logs(logs);
            }
            this.service = b.build();
            room.onApplied = service::configApplied;
        }

        Device start() {
            service.start();
            Await.until(id + " connected", transport::isConnected);
            return this;
        }

        @Override
        public void close() throws Exception {
            service.stop();
        }
    }

    /** A transport that records the topic of every publish: what the device decided, before any broker ACL. */
    static final class Recording implements MqttTransport {
        private final MqttTransport inner;
        private final List<String> topics;

        Recording(MqttTransport inner, List<String> topics) {
            this.inner = inner;
            this.topics = topics;
        }

        @Override public void connect() { inner.connect(); }
        @Override public void disconnect() { inner.disconnect(); }
        @Override public boolean isConnected() { return inner.isConnected(); }
        @Override public void subscribe(String filter, int qos, MessageHandler handler) { inner.subscribe(filter, qos, handler); }
        @Override public void addConnectionListener(ConnectionListener l) { inner.addConnectionListener(l); }
        @Override public void dropConnection() { inner.dropConnection(); }
        @Override public TransportStats stats() { return inner.stats(); }

        @Override
        public java.util.concurrent.CompletableFuture<Void> publish(String topic, byte[] payload, int qos, boolean retained,
                                                                    MessageProperties properties) {
            topics.add(topic);
            return inner.publish(topic, payload, qos, retained, properties);
        }
    }
}
