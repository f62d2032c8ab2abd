package io.roomwire.agent.mdm;

import io.roomwire.agent.config.AgentSettings;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.config.ConfigException;
import io.roomwire.agent.config.ConfigProblem;
import io.roomwire.core.health.AfterStart;
import io.roomwire.core.health.Health;
import io.roomwire.core.health.Service;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.store.FileStore;
import io.roomwire.hal.DeviceInfo;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.roomwire.agent.mgmt.CommandException;
import io.roomwire.core.time.Scheduler;
import io.roomwire.provisioning.identity.DeviceIdentity;
import io.roomwire.provisioning.mdm.CheckInResult;
import io.roomwire.provisioning.mdm.MdmException;
import io.roomwire.provisioning.mdm.EnrollmentToken;
import io.roomwire.provisioning.mdm.MdmConfig;
import io.roomwire.provisioning.mdm.MdmService;
import io.roomwire.provisioning.mdm.PollSchedule;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.tinylog.Logger;

/** MDM as an agent service: enrolls once signed in, checks in on schedule, shows a banner when not compliant. */
public final class DeviceManagement {

    private final Config config;
    private final Scheduler scheduler;
    private final FileStore store;
    private final EventSink events;
    private final DeviceInfo device;
    private final Consumer<Optional<String>> banner;
    private final Supplier<Optional<DeviceIdentity>> identity;
    private final EnrollmentToken token;
    private final Supplier<Optional<Duration>> calendarStaleness;
    private final AfterStart afterStart;
    private final AtomicReference<MdmService> service = new AtomicReference<>();

    /**
     * @param banner     where the compliance banner goes (the panel owner)
     * @param afterStart where an enrolled, compliant start leaves its first check-in
     */
    public DeviceManagement(Config config, Scheduler scheduler, FileStore store, EventSink events, DeviceInfo device,
                            Consumer<Optional<String>> banner, Supplier<Optional<DeviceIdentity>> identity,
                            EnrollmentToken token, Supplier<Optional<Duration>> calendarStaleness, AfterStart afterStart) {
        this.config = config;
        this.scheduler = scheduler;
        this.store = store;
        this.events = events;
        this.device = device;
        this.banner = banner;
        this.identity = identity;
        this.token = token;
        this.calendarStaleness = calendarStaleness;
        this.afterStart = afterStart;
    }

    /** The MDM configuration when {@code mdm.enabled}; names the missing key otherwise. */
    public static Optional<MdmConfig> mdmConfig(Config c) throws ConfigException {
        if (!c.get(MdmSettings.ENABLED)) {
            return Optional.empty();
        }
        if (c.find(MdmSettings.DISCOVERY_URL).isEmpty() || c.find(MdmSettings.UPN).isEmpty()) {
            throw new ConfigException(List.of(new ConfigProblem("(config)", 0, "mdm.enabled",
                    "MDM is enabled but mdm.discovery-url and mdm.upn must both be set")));
        }
        List<X509Certificate> anchors = List.of();
        Optional<java.nio.file.Path> ca = c.find(MdmSettings.TRUST_CA_FILE);
        if (ca.isPresent()) {
            try (InputStream in = Files.newInputStream(ca.get())) {
                anchors = CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                        .map(X509Certificate.class::cast).toList();
            } catch (IOException | GeneralSecurityException e) {
                throw new ConfigException(List.of(new ConfigProblem("(config)", 0, MdmSettings.TRUST_CA_FILE.key(),
                        "cannot read CA certificates from " + ca.get() + ": " + e.getMessage())));
            }
        }
        Optional<PollSchedule> schedule = c.find(MdmSettings.SCHEDULE).map(PollSchedule::parse);
        return Optional.of(new MdmConfig(true, c.find(MdmSettings.DISCOVERY_URL).get(), c.find(MdmSettings.UPN).get(),
                c.get(AgentSettings.DEVICE_NAME), c.get(MdmSettings.DEVICE_TYPE), anchors,
                c.get(MdmSettings.REQUEST_TIMEOUT), c.get(MdmSettings.COMPLIANCE_INTERVAL),
                c.get(MdmSettings.RETRY_BASE), c.get(MdmSettings.RETRY_CAP), schedule));
    }

    public Optional<MdmService> service() {
        return Optional.ofNullable(service.get());
    }

    /** Enrolls (and checks in) at once when the room has just signed in, rather than at the next retry. */
    public void signedIn() {
        service().filter(m -> m.enrollment().isEmpty()).ifPresent(m -> scheduler.execute(() -> {
            try {
                m.enrollNow();
                m.checkInNow();
            } catch (MdmException e) {
                Logger.warn("MDM enrollment after sign-in failed ({}); retrying on schedule", e.getMessage());
            }
        }));
    }

    /** The {@code compliance.checkin} command: one OMA-DM session on a scheduler thread, answered with its outcome. */
    public CompletionStage<JsonElement> checkInCommand() throws CommandException {
        MdmService m = service().orElseThrow(() ->
                CommandException.badRequest("mdm", "MDM is off: set mdm.enabled, mdm.discovery-url and mdm.upn"));
        CompletableFuture<JsonElement> f = new CompletableFuture<>();
        scheduler.execute(() -> {
            try {
                f.complete(toJson(m.checkInNow()));
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    /** A check-in's outcome as the CLI ({@code --json}) and the MQTT command report it. */
    public static JsonObject toJson(CheckInResult r) {
        JsonObject o = new JsonObject();
        o.addProperty("ok", r.ok());
        o.addProperty("outcome", r.outcome().name().toLowerCase(Locale.ROOT));
        o.addProperty("message", r.message());
        o.addProperty("roundTrips", r.roundTrips());
        o.addProperty("bytesSent", r.bytesSent());
        o.addProperty("bytesReceived", r.bytesReceived());
        o.addProperty("commands", r.commands());
        r.compliance().ifPresent(c -> {
            o.addProperty("compliant", c.compliant());
            o.addProperty("reasons", c.reasons());
        });
        return o;
    }

    public List<Service> services() {
        MdmConfig cfg;
        try {
            Optional<MdmConfig> c = mdmConfig(config);
            if (c.isEmpty()) {
                return List.of();
            }
            cfg = c.get();
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return List.of(new Service() {
            @Override public String name() { return "mdm"; }
            @Override public List<String> dependsOn() { return List.of("identity"); }
            // Enrollment needs the sign-in's token: starting before it has loaded would fail and wait out a retry.
            @Override public List<String> startsAfter() { return List.of("entra"); }

            @Override
            public void start() throws Exception {
                MdmService m = MdmService.builder().config(cfg).scheduler(scheduler).store(store)
                        .identity(identity.get().orElseThrow(() -> new IllegalStateException("no device identity")))
                        .device(device).token(token).banner(banner)
                        .events(events).calendarStaleness(calendarStaleness).afterStart(afterStart).build();
                m.start();
                service.set(m);
            }

            @Override
            public void stop() throws Exception {
                MdmService m = service.get();
                if (m != null) {
                    m.stop();
                }
            }

            @Override
            public Health health() {
                MdmService m = service.get();
                return m == null ? Health.down("not started") : m.health();
            }
        });
    }
}
