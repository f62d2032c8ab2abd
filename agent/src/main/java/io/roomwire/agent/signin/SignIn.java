package io.roomwire.agent.signin;

import io.roomwire.agent.Agent;
import io.roomwire.agent.config.AgentSettings;
import io.roomwire.agent.config.Config;
import io.roomwire.core.health.Health;
import io.roomwire.core.health.Service;
import io.roomwire.provisioning.AccessTokens;
import io.roomwire.provisioning.entra.EnrollmentPanel;
import io.roomwire.provisioning.entra.EntraConfig;
import io.roomwire.provisioning.entra.TokenManager;
import io.roomwire.provisioning.identity.DeviceIdentity;
import io.roomwire.provisioning.identity.IdentityException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The device's identity and its Entra sign-in as agent services: {@code identity} loads (or on
 * first start creates) the device key, {@code entra} keeps the tokens fresh and shows the device
 * code on the panel when the room must sign in.
 */
public final class SignIn {

    private final AtomicReference<DeviceIdentity> identity = new AtomicReference<>();
    private final AtomicReference<TokenManager> tokens = new AtomicReference<>();
    private final List<java.util.function.Consumer<io.roomwire.provisioning.EnrollmentStatus>> listeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();

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
    public List<Service> services(Agent agent) {
        Service id = new IdentityService(agent);
        Optional<EntraConfig> entra = entraConfig(agent.config());
        if (entra.isEmpty()) {
            return List.of(id);
        }
        return List.of(id, new EntraService(agent, entra.get()));
    }

    public Optional<DeviceIdentity> identity() {
        return Optional.ofNullable(identity.get());
    }

    /** The access tokens, once the entra service has started. */
    public Optional<AccessTokens> tokens() {
        return Optional.ofNullable(tokens.get());
    }

    private final class IdentityService implements Service {
        private final Agent agent;

        IdentityService(Agent agent) {
            this.agent = agent;
        }

        @Override public String name() { return "identity"; }

        @Override
        public void start() throws IdentityException {
            identity.set(DeviceIdentity.loadOrCreate(agent.store(), agent.scheduler().clock(),
                    agent.config().get(AgentSettings.DEVICE_NAME)));
        }

        @Override public void stop() { }

        @Override
        public Health health() {
            return identity.get() == null ? Health.down("no device identity") : Health.up();
        }
    }

    private final class EntraService implements Service {
        private final Agent agent;
        private final EntraConfig config;
        private volatile TokenManager manager;
        private volatile EnrollmentPanel panel;

        EntraService(Agent agent, EntraConfig config) {
            this.agent = agent;
            this.config = config;
        }

        @Override public String name() { return "entra"; }
        @Override public List<String> dependsOn() { return List.of("identity"); }

        @Override
        public void start() throws Exception {
            TokenManager m = TokenManager.builder().config(config).identity(identity.get()).store(agent.store())
                    .scheduler(agent.scheduler()).events(agent.events()).build();
            panel = EnrollmentPanel.attach(m, agent.device().panel(), agent.scheduler());
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
            if (panel != null) {
                panel.close();
            }
        }

        @Override
        public Health health() {
            TokenManager m = manager;
            return m == null ? Health.down("not started") : m.health();
        }
    }
}
