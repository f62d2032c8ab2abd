package io.roomwire.agent.mgmt;

import io.roomwire.agent.config.AgentSettings;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.config.ConfigException;
import io.roomwire.agent.config.Setting;
import io.roomwire.core.store.FileStore;
import io.roomwire.core.time.Scheduler;
import io.roomwire.sim.cloud.SimPki;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import io.roomwire.agent.mgmt.paho.PahoMqttTransport;

/** Builds devices for management tests: configuration, transport with the device's certificate, service. */
final class MgmtFixture {

    private MgmtFixture() {
    }

    static List<Setting<?>> known() {
        List<Setting<?>> out = new ArrayList<>();
        for (Class<?> c : List.of(AgentSettings.class, MgmtSettings.class)) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) && Setting.class.isAssignableFrom(f.getType())) {
                    try {
                        out.add((Setting<?>) f.get(null));
                    } catch (IllegalAccessException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        }
        return out;
    }

    static Config config(String text) {
        try {
            return Config.parse("test", text, Map.of(), known());
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

        Device(String id, MosquittoBroker broker, SimPki pki, SimPki.Issued cert, Scheduler transportScheduler,
               Scheduler serviceScheduler, Path stateDir, String configText, List<PublicKey> keys,
               java.util.function.IntFunction<List<String>> logs, Duration sessionExpiry) throws Exception {
            this.id = id;
            Config c = config(configText);
            this.room = new FakeRoom(c);
            this.transport = new PahoMqttTransport(MqttTransportOptions.builder(URI.create(broker.url()), id)
                    .tls(TlsMaterial.ofPem(pki.caPem(), cert.certificatePem(), TestPem.key(cert)))
                    .reconnect(Duration.ofMillis(20), Duration.ofMillis(300))
                    .sessionExpiry(sessionExpiry)
                    .will(ManagementService.lastWill(id))
                    .build(), transportScheduler);
            this.store = new FileStore(stateDir, serviceScheduler.clock());
            ManagementService.Builder b = ManagementService.builder(id, transport, serviceScheduler, store, room, c)
                    .version("1.2.3").operatorKeys(keys);
            if (logs != null) {
                b.logs(logs);
            }
            this.service = b.build();
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
}
