package io.roomwire.agent.signin;

import io.roomwire.agent.config.AgentSettings;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.panel.RoomPanel;
import io.roomwire.agent.panel.SignInScreens;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.health.Health;
import io.roomwire.core.health.Service;
import io.roomwire.core.store.FileStore;
import io.roomwire.core.time.Scheduler;
import io.roomwire.provisioning.AccessTokens;
import io.roomwire.provisioning.entra.EntraConfig;
import io.roomwire.provisioning.entra.TokenManager;
import io.roomwire.provisioning.identity.DeviceIdentity;
import io.roomwire.provisioning.identity.IdentityException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The device's identity and its Entra sign-in as agent services: {@code identity} loads (or on
 * first start creates) the device key, {@code entra} keeps the tokens fresh; its enrollment events
 * become the device code screens through the panel owner's {@link SignInScreens}.
 */
public final class SignIn {

    private final Config config;
    private final FileStore store;
    private final Scheduler scheduler;
    private final EventSink events;
    private final RoomPanel panel;
    private final io.roomwire.core.health.AfterStart afterStart;

    private final AtomicReference<DeviceIdentity> identity = new AtomicReference<>();
    private final AtomicReference<TokenManager> tokens = new AtomicReference<>();
    private final List<java.util.function.Consumer<io.roomwire.provisioning.EnrollmentStatus>> listeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    /** @param afterStart where a start from stored tokens makes Entra's HTTP client (the agent's: once all is UP) */
    public SignIn(Config config, FileStore store, Scheduler scheduler, EventSink events, RoomPanel panel,
                  io.roomwire.core.health.AfterStart afterStart) {
        this.config = config;
        this.store = store;
        this.scheduler = scheduler;
        this.events = events;
        this.panel = panel;
        this.afterStart = afterStart;
    }

    /** Called with the sign-in state when the token manager starts and whenever it changes. */
    public void onEnrollmentChange(java.util.function.Consumer<io.roomwire.provisioning.EnrollmentStatus> l) {
        listeners.add(l);
    }

    /** The Entra configuration, when sign-in is configured (tenant and client id set). */
    public static Optional<EntraConfig> entraConfig(Config c) {
        Optional<String> tenant = c.find(EntraSettings.TENANT);
        Optional<String> client = c.find(EntraSettings.CLIENT_ID);
        if (tenant.isEmpty() || client.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new EntraConfig(c.get(EntraSettings.AUTHORITY), tenant.get(), client.get(),
                c.get(EntraSettings.SCOPES), c.find(EntraSettings.CA_FILE), c.get(EntraSettings.REQUEST_TIMEOUT)));
    }

    /** Identity always; Entra when configured. */
    public List<Service> services() {
        Service id = new IdentityService();
        Optional<EntraConfig> entra = entraConfig(config);
        if (entra.isEmpty()) {
            return List.of(id);
        }
        return List.of(id, new EntraService(entra.get()));
    }

    public Optional<DeviceIdentity> identity() {
        return Optional.ofNullable(identity.get());
    }

    /** The access tokens, once the entra service has started. */
    public Optional<AccessTokens> tokens() {
        return Optional.ofNullable(tokens.get());
    }

    private final class IdentityService implements Service {

        @Override public String name() { return "identity"; }

        @Override
        public void start() throws IdentityException {
            identity.set(DeviceIdentity.loadOrCreate(store, scheduler.clock(), config.get(AgentSettings.DEVICE_NAME)));
        }

        @Override public void stop() { }

        @Override
        public Health health() {
            return identity.get() == null ? Health.down("no device identity") : Health.up();
        }
    }

    private final class EntraService implements Service {
        private final EntraConfig entra;
        private volatile TokenManager manager;
        private volatile SignInScreens screens;

        EntraService(EntraConfig entra) {
            this.entra = entra;
        }

        @Override public String name() { return "entra"; }
        @Override public List<String> dependsOn() { return List.of("identity"); }

        @Override
        public void start() throws Exception {
            TokenManager m = TokenManager.builder().config(entra).identity(identity.get()).store(store)
                    .scheduler(scheduler).events(events).afterStart(afterStart).build();
            screens = SignInScreens.attach(m, panel.signInScreens(), scheduler);
            panel.onNewSignInCode(m::requestNewCode);
            m.onEnrollmentChange(st -> listeners.forEach(l -> l.accept(st)));
            m.start();
            manager = m;
            tokens.set(m);
            io.roomwire.provisioning.EnrollmentStatus now = m.enrollment();
            listeners.forEach(l -> l.accept(now));
        }

        @Override
        public void stop() throws Exception {
            TokenManager m = manager;
            if (m != null) {
                m.stop();
            }
            if (screens != null) {
                screens.close();
            }
        }

        @Override
        public Health health() {
            TokenManager m = manager;
            return m == null ? Health.down("not started") : m.health();
        }
    }
}
