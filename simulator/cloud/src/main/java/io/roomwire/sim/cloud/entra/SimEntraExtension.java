package io.roomwire.sim.cloud.entra;

import io.roomwire.sim.cloud.SimPki;
import io.roomwire.sim.cloud.SimTokenAuthority;
import java.time.Clock;
import java.util.Objects;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension: a fresh simulated Entra (HTTPS with its own CA, or plain HTTP) per test,
 * on the test's clock, closed after the test. Register it as an instance field after the
 * scheduler it reads time from:
 *
 * <pre>{@code
 * final VirtualScheduler scheduler = new VirtualScheduler();
 * @RegisterExtension final SimEntraExtension entra = SimEntraExtension.https(scheduler::clock);
 * }</pre>
 *
 * Test methods may also take a {@link SimEntra} parameter.
 */
public final class SimEntraExtension implements BeforeEachCallback, AfterEachCallback, ParameterResolver {

    public static final String DEFAULT_TENANT_ID = "4b6f8a9e-2d3c-4e5f-9a1b-3c5d7e9f1a2b";

    private final Supplier<Clock> clock;
    private final boolean tls;
    private final String tenantId;
    private SimPki pki;
    private SimTokenAuthority authority;
    private SimEntra entra;

    private SimEntraExtension(Supplier<Clock> clock, boolean tls, String tenantId) {
        this.clock = Objects.requireNonNull(clock);
        this.tls = tls;
        this.tenantId = tenantId;
    }

    public static SimEntraExtension https(Supplier<Clock> clock) {
        return new SimEntraExtension(clock, true, DEFAULT_TENANT_ID);
    }

    public static SimEntraExtension http(Supplier<Clock> clock) {
        return new SimEntraExtension(clock, false, DEFAULT_TENANT_ID);
    }

    /** The same extension for another tenant id. */
    public SimEntraExtension tenant(String id) {
        return new SimEntraExtension(clock, tls, id);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        authority = new SimTokenAuthority(tenantId, clock.get());
        pki = tls ? new SimPki("sim-entra") : null;
        entra = tls ? SimEntra.https(authority, pki) : SimEntra.http(authority);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (entra != null) {
            entra.close();
            entra = null;
        }
    }

    public SimEntra entra() {
        if (entra == null) {
            throw new IllegalStateException("SimEntra is started before each test; use it inside a test method");
        }
        return entra;
    }

    /** The CA that signed the server certificate (null for plain HTTP). */
    public SimPki pki() {
        return pki;
    }

    public SimTokenAuthority authority() {
        return authority;
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
        return p.getParameter().getType() == SimEntra.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext e) {
        return entra();
    }
}
