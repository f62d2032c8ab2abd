package io.roomwire.provisioning.mdm;

import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.store.FileStore;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.sim.SimDeviceInfo;
import io.roomwire.hal.sim.SimTouchPanel;
import io.roomwire.provisioning.identity.DeviceIdentity;
import io.roomwire.sim.cloud.SimPki;
import io.roomwire.sim.cloud.SimTokenAuthority;
import io.roomwire.sim.cloud.mdm.SimMdm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * Given a simulated MDM on loopback and a simulated room device: the service under test, wired as
 * the agent wires it. Time is virtual but starts at the real now, because TLS checks certificate
 * validity against the real clock.
 */
final class MdmRig implements AutoCloseable {

    static final String UPN = "room401@contoso.example";

    final VirtualScheduler scheduler = new VirtualScheduler(Instant.now());
    final SimTokenAuthority authority = new SimTokenAuthority("4b6f8a9e-2d3c-4e5f-9a1b-3c5d7e9f1a2b", scheduler.clock());
    final SimPki cloudPki = new SimPki("Sim cloud");
    final SimMdm mdm = new SimMdm(authority, cloudPki);
    final SimDeviceInfo device = new SimDeviceInfo("RW-0401", "Roomwire Bar 40", "1.2", "02:00:5E:10:04:01", true, false);
    /** What the service reads; tests of other hardware replace it before the service is built. */
    io.roomwire.hal.DeviceInfo hardware = device;
    final SimTouchPanel panel = new SimTouchPanel();
    final List<DeviceEvent> events = new CopyOnWriteArrayList<>();
    final AtomicReference<Optional<String>> token = new AtomicReference<>();
    final AtomicReference<Optional<Duration>> calendarAge = new AtomicReference<>(Optional.of(Duration.ofMinutes(2)));
    final Path dir;
    final FileStore store;
    final DeviceIdentity identity;
    MdmConfig config;
    MdmService service;
    EnrollmentToken tokenSource = () -> token.get();

    MdmRig() throws Exception {
        dir = Files.createTempDirectory("mdm-rig");
        store = new FileStore(dir.resolve("state"), scheduler.clock());
        identity = DeviceIdentity.loadOrCreate(store, scheduler.clock(), "room-401");
        token.set(Optional.of(freshToken()));
        config = MdmConfig.of(mdm.discoveryUrl(), UPN, "Room 401").withTrustAnchors(List.of(cloudPki.caCertificate()));
    }

    String freshToken() {
        return authority.sign(Map.of("aud", SimTokenAuthority.GRAPH_AUDIENCE, "upn", UPN), Duration.ofHours(1));
    }

    MdmRig configure(UnaryOperator<MdmConfig> change) {
        config = change.apply(config);
        return this;
    }

    MdmService service() {
        if (service == null) {
            service = MdmService.builder().config(config).scheduler(scheduler).store(store).identity(identity)
                    .device(hardware).token(tokenSource).banner(panel::banner).events(events::add)
                    .calendarStaleness(() -> calendarAge.get()).random(new Random(7)).build();
        }
        return service;
    }

    /** Starts the service and runs what is due now: enrollment and the first check-in. */
    MdmService started() throws Exception {
        service().start();
        scheduler.runDue();
        return service;
    }

    EnrollmentClient enrollmentClient() {
        return new EnrollmentClient(config, identity, hardware, scheduler.clock());
    }

    String deviceId() {
        return EnrollmentClient.deviceId(identity);
    }

    SimMdm.DeviceView simDevice() {
        return mdm.device(deviceId()).orElseThrow();
    }

    List<DeviceEvent> events(String type) {
        return events.stream().filter(e -> e.type().equals(type)).toList();
    }

    long sessions() {
        return mdm.device(deviceId()).map(SimMdm.DeviceView::sessions).orElse(0);
    }

    @Override
    public void close() throws IOException {
        if (service != null) {
            service.stop();
        }
        mdm.close();
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
