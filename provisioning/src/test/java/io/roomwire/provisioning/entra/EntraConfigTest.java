package io.roomwire.provisioning.entra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.provisioning.EnrollmentState;
import io.roomwire.sim.cloud.entra.SimEntra;
import io.roomwire.sim.cloud.entra.SimEntraExtension;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class EntraConfigTest {

    static final String TENANT = "4b6f8a9e-2d3c-4e5f-9a1b-3c5d7e9f1a2b";

    final VirtualScheduler scheduler = new VirtualScheduler();
    @RegisterExtension
    final SimEntraExtension plain = SimEntraExtension.http(scheduler::clock);
    @TempDir
    Path tmp;

    @Test
    void refusesPlainHttpToANonLoopbackHost() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EntraConfig.of(TENANT, SimEntra.DEFAULT_CLIENT_ID).withAuthority(URI.create("http://login.microsoftonline.com")));
        assertTrue(e.getMessage().startsWith("entra.authority uses plain http"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> EntraConfig.of(TENANT, SimEntra.DEFAULT_CLIENT_ID).withAuthority(URI.create("http://10.0.0.1:8080")));
    }

    @Test
    void enrollsOverPlainHttpOnLoopback() throws Exception {
        EntraConfig cfg = EntraConfig.of(TENANT, SimEntra.DEFAULT_CLIENT_ID).withAuthority(plain.entra().baseUri());
        assertEquals("http", cfg.authority().getScheme());
        EntraRig rig = new EntraRig(scheduler, plain, tmp.resolve("s"), cfg);
        assertEquals(EnrollmentState.ENROLLED, rig.enroll().enrollment().state());
    }

    @Test
    void namesTheKeyOfEachBadValue() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EntraConfig.of("", SimEntra.DEFAULT_CLIENT_ID))
                .getMessage().contains("entra.tenant"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EntraConfig.of("contoso", SimEntra.DEFAULT_CLIENT_ID))
                .getMessage().contains("entra.tenant"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EntraConfig.of(TENANT, "my-app"))
                .getMessage().contains("entra.client-id"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> EntraConfig.of(TENANT, SimEntra.DEFAULT_CLIENT_ID).withScopes(List.of())).getMessage().contains("entra.scopes"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> EntraConfig.of(TENANT, SimEntra.DEFAULT_CLIENT_ID).withAuthority(URI.create("https://login.microsoftonline.com/" + TENANT)))
                .getMessage().contains("entra.authority must not contain a path"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> EntraConfig.of(TENANT, SimEntra.DEFAULT_CLIENT_ID).withRequestTimeout(Duration.ZERO)).getMessage()
                .contains("entra.request-timeout"));
        assertEquals(List.of("entra.tenant must be a tenant GUID, a verified domain or 'organizations', got 'a b'"),
                EntraConfig.problems(EntraConfig.DEFAULT_AUTHORITY, "a b", SimEntra.DEFAULT_CLIENT_ID, List.of("User.Read"),
                        Duration.ofSeconds(1)));
    }

    @Test
    void acceptsOrganizationsAndDomainsAndAddsTheOidcScopes() {
        EntraConfig c = EntraConfig.of("organizations", SimEntra.DEFAULT_CLIENT_ID);
        assertEquals(URI.create("https://login.microsoftonline.com/organizations/oauth2/v2.0/devicecode"), c.deviceCodeEndpoint());
        assertEquals("https://graph.microsoft.com/Calendars.Read https://graph.microsoft.com/User.Read offline_access openid profile",
                c.scopeParameter());
        EntraConfig.of("contoso.onmicrosoft.com", SimEntra.DEFAULT_CLIENT_ID);
    }

    @Test
    void reportsAnUnreadableCaFileByItsKey() throws Exception {
        EntraConfig missing = EntraConfig.of(TENANT, SimEntra.DEFAULT_CLIENT_ID).withCaFile(tmp.resolve("nope.pem"));
        assertTrue(assertThrows(IllegalArgumentException.class, missing::sslContext).getMessage().startsWith("entra.ca-file"));
        Path junk = Files.writeString(tmp.resolve("junk.pem"), "not a certificate");
        EntraConfig bad = EntraConfig.of(TENANT, SimEntra.DEFAULT_CLIENT_ID).withCaFile(junk);
        assertTrue(assertThrows(IllegalArgumentException.class, bad::sslContext).getMessage().startsWith("entra.ca-file"));
    }

    @Test
    void doesNotTrustAServerOutsideTheConfiguredCa() throws Exception {
        // HTTPS sim signed by its own CA, but the client trusts another CA: every request fails, the code never comes.
        try (SimEntra https = SimEntra.https(plain.authority(), new io.roomwire.sim.cloud.SimPki("a"))) {
            Path otherCa = new io.roomwire.sim.cloud.SimPki("b").writeCaPem(tmp.resolve("other-ca.pem"));
            EntraConfig cfg = EntraConfig.of(TENANT, SimEntra.DEFAULT_CLIENT_ID).withAuthority(https.baseUri()).withCaFile(otherCa);
            EntraRig rig = new EntraRig(scheduler, plain, tmp.resolve("s"), cfg);
            TokenManager m = rig.start();
            assertEquals(0, rig.recorder.prompts.size());
            assertTrue(rig.recorder.retries.get(0).contains("SSLHandshakeException"), rig.recorder.retries.toString());
            assertEquals(Optional.empty(), m.accessToken());
            assertEquals(0, https.requests().size());
        }
    }
}
