package io.roomwire.agent;

import io.roomwire.agent.config.Config;
import io.roomwire.agent.mgmt.CommandRegistry;
import io.roomwire.agent.mgmt.ManagementService;
import io.roomwire.agent.mgmt.MgmtSettings;
import io.roomwire.agent.mgmt.MgmtTransports;
import io.roomwire.agent.mgmt.MqttTransport;
import io.roomwire.agent.mgmt.RoomControl;
import io.roomwire.agent.signin.SignIn;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.health.Health;
import io.roomwire.core.health.Service;
import io.roomwire.core.log.ScrubbingWriter;
import io.roomwire.core.store.FileStore;
import io.roomwire.core.time.Scheduler;
import io.roomwire.provisioning.identity.DeviceIdentity;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Remote management as the {@code mqtt} service: it connects to the broker (mutual TLS with the device
 * identity, once that is loaded, or with the certificate {@code mqtt.client-cert} and {@code mqtt.client-key}
 * name, without waiting for it), publishes status, telemetry and events, and takes commands.
 * Off when {@code mqtt.broker-url} is not set.
 */
final class RemoteManagement {

    private final Config config;
    private final String deviceId;
    private final Scheduler scheduler;
    private final FileStore store;
    private final EventSink.Hub events;
    private final SignIn signIn;
    private final RoomControl control;
    private final Consumer<CommandRegistry> extraCommands;
    private final AtomicReference<ManagementService> service = new AtomicReference<>();

    /** @param extraCommands registers the commands of features beyond the standard set (compliance.checkin ...) */
    RemoteManagement(Config config, String deviceId, Scheduler scheduler, FileStore store, EventSink.Hub events,
                     SignIn signIn, RoomControl control, Consumer<CommandRegistry> extraCommands) {
        this.config = config;
        this.deviceId = deviceId;
        this.scheduler = scheduler;
        this.store = store;
        this.events = events;
        this.signIn = signIn;
        this.control = control;
        this.extraCommands = extraCommands;
    }

    Optional<ManagementService> service() {
        return Optional.ofNullable(service.get());
    }

    /** Tells the status topic that something in it changed (call, buttons, enrollment, compliance). */
    void statusChanged() {
        service().ifPresent(ManagementService::statusChanged);
    }

    /** Hands a configuration that was just applied to the running management service (its live mqtt.* settings). */
    void configApplied(Config next) {
        service().ifPresent(m -> m.configApplied(next));
    }

    List<Service> services() {
        if (config.find(MgmtSettings.BROKER_URL).isEmpty()) {
            return List.of();
        }
        boolean ownCertificate = MgmtTransports.hasOwnCertificate(config);
        return List.of(new Service() {
            private EventSink forward;

            @Override public String name() { return "mqtt"; }
            @Override public List<String> dependsOn() { return ownCertificate ? List.of() : List.of("identity"); }

            @Override
            public void start() throws Exception {
                String certPem = null;
                String keyPem = null;
                if (!ownCertificate) {
                    DeviceIdentity id = signIn.identity().orElseThrow(() -> new IllegalStateException("no device identity"));
                    certPem = id.certificatePem();
                    keyPem = id.privateKeyPem();
                }
                MqttTransport t = MgmtTransports.forDevice(config, deviceId, certPem, keyPem, scheduler).orElseThrow();
                ManagementService m = ManagementService.builder(deviceId, t, scheduler, store, control, config)
                        .version(Version.get()).operatorKeys(MgmtTransports.operatorKeys(config))
                        .logs(ScrubbingWriter::recent).build();
                extraCommands.accept(m.commands());
                m.start();
                forward = m.events();
                events.subscribe(forward);
                service.set(m);
            }

            @Override
            public void stop() throws Exception {
                ManagementService m = service.getAndSet(null);
                if (forward != null) {
                    events.unsubscribe(forward);
                }
                if (m != null) {
                    m.stop();
                }
            }

            @Override
            public Health health() {
                ManagementService m = service.get();
                return m == null ? Health.down("not started") : m.health();
            }
        });
    }
}
