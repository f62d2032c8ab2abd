package io.roomwire.provisioning.entra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.provisioning.EnrollmentState;
import io.roomwire.sim.cloud.SimTokenAuthority;
import io.roomwire.sim.cloud.entra.SimEntra;
import io.roomwire.sim.cloud.entra.SimEntraExtension;
import io.roomwire.core.time.VirtualScheduler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The device authorization grant against the simulated Entra over HTTPS on loopback, on virtual time. */
class DeviceCodeEnrollmentTest {

    final VirtualScheduler scheduler = new VirtualScheduler();
    @RegisterExtension
    final SimEntraExtension ext = SimEntraExtension.https(scheduler::clock);
    @TempDir
    Path tmp;

    private EntraRig rig() throws Exception {
        return new EntraRig(scheduler, ext, tmp.resolve("state"));
    }

    private static List<Long> secondsBetween(List<SimEntra.Request> polls, Instant from) {
        return polls.stream().map(r -> Duration.between(from, r.at()).toSeconds()).toList();
    }

    @Test
    void enrollsOnHappyPathAndStoresTokensEncrypted0600() throws Exception {
        EntraRig rig = rig();
        TokenManager m = rig.start();
        assertEquals(EnrollmentState.ENROLLING, m.enrollment().state());
        assertEquals(1, rig.recorder.prompts.size());
        DeviceCodePrompt p = rig.recorder.prompts.get(0);
        assertEquals(9, p.userCode().length());

        // The screens rendered from these events are asserted in the agent's SignInScreensTest.
        assertEquals("code", rig.recorder.last());
        assertEquals(SimEntra.DEFAULT_VERIFICATION_URI, p.verificationUri());
        assertEquals(Duration.ofMinutes(15), p.remaining(scheduler.now()), "code expires in 15:00");
        assertTrue(p.qr().rows().matches("[01]+(\n[01]+)+"), "qr rows of 1/0");
        assertTrue(p.message().contains(p.userCode()), p.message());

        rig.approveLatest();
        rig.advance(Duration.ofSeconds(5));
        assertEquals(EnrollmentState.ENROLLED, m.enrollment().state());
        assertEquals(EntraRig.UPN, m.account().orElseThrow().upn());
        assertEquals(ext.entra().tenantId(), m.account().orElseThrow().tenantId());
        String token = m.accessToken().orElseThrow();
        StringBuilder why = new StringBuilder();
        assertTrue(ext.authority().verify(token, SimTokenAuthority.GRAPH_AUDIENCE, why).isPresent(), why.toString());

        Path file = rig.store.pathOf(TokenVault.ENTRY);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        String raw = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertFalse(raw.contains(token.substring(0, 40)), "access token must not be stored in clear");
        assertFalse(raw.contains("refresh_token"), "token file is encrypted");

        assertEquals("enrolled", rig.recorder.last());
        assertEquals(1, rig.recorder.enrolled.size());
        assertEquals("room401@contoso.example", rig.recorder.enrolled.get(0).upn());
        assertEquals(ext.entra().tenantId(), rig.recorder.enrolled.get(0).tenantId());
        assertEquals("enrolled", rig.events("enrollment.changed").get(rig.events("enrollment.changed").size() - 1).attributes().get("state"));
        assertTrue(m.health().isUp(), m.health().toString());
    }

    @Test
    void keepsPollingWhilePendingThenEnrollsOnApproval() throws Exception {
        EntraRig rig = rig();
        TokenManager m = rig.start();
        Instant issued = scheduler.now();
        rig.advance(Duration.ofSeconds(20));
        assertEquals(4, ext.entra().devicePolls().size(), "four authorization_pending answers");
        assertEquals(EnrollmentState.ENROLLING, m.enrollment().state());
        rig.approveLatest();
        rig.advance(Duration.ofSeconds(5));
        assertEquals(EnrollmentState.ENROLLED, m.enrollment().state());
        List<SimEntra.Request> polls = ext.entra().devicePolls();
        assertEquals(List.of(5L, 10L, 15L, 20L, 25L), secondsBetween(polls, issued));
        assertTrue(polls.stream().allMatch(r -> r.param("grant_type").orElse("").equals(DeviceCodeEnrollment.GRANT_TYPE)));
        assertEquals(1, polls.stream().map(r -> r.param("device_code").orElseThrow()).distinct().count());
        assertEquals(1, ext.entra().requests().stream().filter(SimEntra.Request::isDeviceCodeRequest).count());
    }

    @Test
    void keepsPollingAfterSlowDownWithLongerInterval() throws Exception {
        EntraRig rig = rig();
        ext.entra().forceSlowDown(2);
        rig.start();
        Instant issued = scheduler.now();
        rig.advance(Duration.ofSeconds(60));
        // 5 s, then +10 s (first slow_down), then +15 s (second), then every 15 s.
        assertEquals(List.of(5L, 15L, 30L, 45L, 60L), secondsBetween(ext.entra().devicePolls(), issued));
    }

    @Test
    void pollsEveryFiveSecondsWhenIntervalIsAbsent() throws Exception {
        EntraRig rig = rig();
        ext.entra().setPollInterval(Duration.ofSeconds(5), true);
        rig.start();
        Instant issued = scheduler.now();
        rig.advance(Duration.ofSeconds(15));
        assertEquals(List.of(5L, 10L, 15L), secondsBetween(ext.entra().devicePolls(), issued));
    }

    @Test
    void stopsOnDeclineAndOffersANewCode() throws Exception {
        EntraRig rig = rig();
        TokenManager m = rig.start();
        String first = rig.recorder.prompts.get(0).userCode();
        ext.entra().decline(first);
        rig.advance(Duration.ofSeconds(30));
        assertEquals(EnrollmentState.DECLINED, m.enrollment().state());
        assertEquals(1, ext.entra().devicePolls().size(), "no polling after a decline");
        assertEquals("declined", rig.recorder.last());
        assertEquals(1, rig.recorder.declines.size());

        // What the agent's panel owner does on "Get a new code" (RoomPanel.onNewSignInCode).
        m.requestNewCode();
        rig.settle();
        assertEquals(2, rig.recorder.prompts.size());
        assertFalse(first.equals(rig.recorder.prompts.get(1).userCode()));
        assertEquals(EnrollmentState.ENROLLING, m.enrollment().state());
        assertEquals("code", rig.recorder.last());
    }

    @Test
    void showsANewCodeAutomaticallyWhenTheCodeExpiresMidWait() throws Exception {
        EntraRig rig = rig();
        TokenManager m = rig.start();
        rig.advance(Duration.ofSeconds(10));
        ext.entra().expireCodes();
        rig.advance(Duration.ofSeconds(5)); // poll -> expired_token -> new code
        assertEquals(2, rig.recorder.prompts.size());
        DeviceCodePrompt second = rig.recorder.prompts.get(1);
        assertEquals(Optional.of(DeviceCodeEnrollment.EXPIRED_NOTICE), second.notice());
        assertEquals("code", rig.recorder.last());
        ext.entra().approve(second.userCode(), EntraRig.UPN);
        rig.advance(Duration.ofSeconds(5));
        assertEquals(EnrollmentState.ENROLLED, m.enrollment().state());
    }

    @Test
    void requestsANewCodeWhenItsOwnExpiryPassesWithoutAsking() throws Exception {
        EntraRig rig = rig();
        ext.entra().setLifetimes(Duration.ofHours(1), Duration.ofDays(90), Duration.ofSeconds(12));
        rig.start();
        rig.advance(Duration.ofSeconds(15));
        assertEquals(2, rig.recorder.prompts.size(), "new code at the first tick after expiry");
        assertEquals(2, ext.entra().devicePolls().size(), "polled at 5 s and 10 s only, not with a dead code");
        assertEquals(2, ext.entra().requests().stream().filter(SimEntra.Request::isDeviceCodeRequest).count());
    }

    @Test
    void theCodeKeepsItsExpiryWhileTimeMoves() throws Exception {
        // The countdown on the panel is the agent's (SignInScreensTest.countdownOnThePanelMovesWithTime).
        EntraRig rig = rig();
        rig.start();
        rig.advance(Duration.ofSeconds(60));
        assertEquals(1, rig.recorder.prompts.size());
        assertEquals("code", rig.recorder.last());
        assertEquals(Duration.ofMinutes(14), rig.recorder.prompts.get(0).remaining(scheduler.now()), "code expires in 14:00");
    }

    @Test
    void honoursRetryAfterOn429WithoutLosingTheCode() throws Exception {
        EntraRig rig = rig();
        TokenManager m = rig.start();
        Instant issued = scheduler.now();
        ext.entra().injectFailures("token", 429, Optional.of(Duration.ofSeconds(30)), 1);
        rig.advance(Duration.ofSeconds(40));
        assertEquals(List.of(5L, 35L, 40L), secondsBetween(ext.entra().devicePolls(), issued));
        assertEquals(1, ext.entra().devicePolls().stream().map(r -> r.param("device_code").orElseThrow()).distinct().count());
        assertEquals(1, rig.recorder.prompts.size());
        assertEquals(1, rig.recorder.retries.size());
        rig.approveLatest();
        rig.advance(Duration.ofSeconds(5));
        assertEquals(EnrollmentState.ENROLLED, m.enrollment().state());
    }

    @Test
    void recoversAfterServerErrorsAndDroppedConnections() throws Exception {
        EntraRig rig = rig();
        TokenManager m = rig.start();
        ext.entra().injectFailures("token", 500, Optional.empty(), 2);
        ext.entra().injectFailures("token", 0, Optional.empty(), 1);
        rig.advance(Duration.ofSeconds(5));
        assertTrue(m.health().reason().startsWith("cannot reach Entra to sign in: polling failed: HTTP 500"), m.health().reason());
        rig.advance(Duration.ofMinutes(2));
        assertTrue(rig.recorder.retries.size() >= 3, rig.recorder.retries.toString());
        assertTrue(m.health().reason().startsWith("waiting for an admin"), "problem cleared: " + m.health().reason());
        assertEquals(1, rig.recorder.prompts.size(), "the code was kept");
        rig.approveLatest();
        rig.advance(Duration.ofSeconds(5));
        assertEquals(EnrollmentState.ENROLLED, m.enrollment().state());
        assertEquals(1, ext.entra().requests().stream().filter(SimEntra.Request::isDeviceCodeRequest).count());
    }

    @Test
    void retriesTheDeviceCodeRequestWhenEntraIsUnavailable() throws Exception {
        EntraRig rig = rig();
        ext.entra().injectFailures("devicecode", 503, Optional.of(Duration.ofSeconds(20)), 1);
        TokenManager m = rig.start();
        assertEquals(0, rig.recorder.prompts.size());
        rig.advance(Duration.ofSeconds(20));
        assertEquals(1, rig.recorder.prompts.size());
        assertEquals(EnrollmentState.ENROLLING, m.enrollment().state());
    }

    @Test
    void stopsWithTheClientIdKeyWhenTheAppIsUnknown() throws Exception {
        Path dir = tmp.resolve("state");
        EntraConfig cfg = EntraRig.defaultConfig(ext, dir);
        cfg = new EntraConfig(cfg.authority(), cfg.tenant(), "00000000-0000-0000-0000-000000000001", cfg.scopes(),
                cfg.caFile(), cfg.requestTimeout());
        EntraRig rig = new EntraRig(scheduler, ext, dir, cfg);
        TokenManager m = rig.start();
        assertEquals(EnrollmentState.FAILED, m.enrollment().state());
        EnrollmentFailure f = rig.recorder.failures.get(0);
        assertEquals(Optional.of("entra.client-id"), f.configKey());
        assertTrue(f.message().contains("AADSTS700016"), f.message());
        assertEquals("failed", rig.recorder.last());
        assertFalse(m.health().isUp());
        assertTrue(m.health().reason().contains("entra.client-id"));
    }

    @Test
    void stopsWithTheClientIdKeyWhenTheAppIsNotAPublicClient() throws Exception {
        Path dir = tmp.resolve("state");
        String confidential = "11111111-2222-3333-4444-555555555555";
        ext.entra().registerConfidentialClient(confidential);
        EntraConfig cfg = EntraRig.defaultConfig(ext, dir);
        cfg = new EntraConfig(cfg.authority(), cfg.tenant(), confidential, cfg.scopes(), cfg.caFile(), cfg.requestTimeout());
        EntraRig rig = new EntraRig(scheduler, ext, dir, cfg);
        rig.start();
        assertEquals(Optional.of("entra.client-id"), rig.recorder.failures.get(0).configKey());
        assertTrue(rig.recorder.failures.get(0).message().contains("Allow public client flows"));
    }

    @Test
    void stopsWithTheScopesKeyOnInvalidScope() throws Exception {
        Path dir = tmp.resolve("state");
        EntraConfig cfg = EntraRig.defaultConfig(ext, dir).withScopes(List.of("https://graph.microsoft.com/Bogus.Everything"));
        EntraRig rig = new EntraRig(scheduler, ext, dir, cfg);
        TokenManager m = rig.start();
        assertEquals(EnrollmentState.FAILED, m.enrollment().state());
        assertEquals(Optional.of("entra.scopes"), rig.recorder.failures.get(0).configKey());
    }

    @Test
    void stopsWithTheTenantKeyWhenTheTenantIsUnknown() throws Exception {
        Path dir = tmp.resolve("state");
        EntraConfig base = EntraRig.defaultConfig(ext, dir);
        EntraConfig cfg = new EntraConfig(base.authority(), "fabrikam.example", base.clientId(), base.scopes(),
                base.caFile(), base.requestTimeout());
        EntraRig rig = new EntraRig(scheduler, ext, dir, cfg);
        rig.start();
        assertEquals(Optional.of("entra.tenant"), rig.recorder.failures.get(0).configKey());
        assertTrue(rig.recorder.failures.get(0).message().contains("AADSTS90002"));
    }

    @Test
    void acceptsAVerifiedDomainAsTenant() throws Exception {
        Path dir = tmp.resolve("state");
        EntraConfig base = EntraRig.defaultConfig(ext, dir);
        EntraConfig cfg = new EntraConfig(base.authority(), SimEntra.DEFAULT_DOMAIN, base.clientId(), base.scopes(),
                base.caFile(), base.requestTimeout());
        EntraRig rig = new EntraRig(scheduler, ext, dir, cfg);
        TokenManager m = rig.enroll();
        assertEquals(ext.entra().tenantId(), m.account().orElseThrow().tenantId());
    }

    @Test
    void stopsNamingTheAuthorityWhenTheTokenEndpointDoesNotKnowTheCode() throws Exception {
        EntraRig rig = rig();
        TokenManager m = rig.start();
        ext.entra().forgetCodes();
        rig.advance(Duration.ofSeconds(5));
        assertEquals(EnrollmentState.FAILED, m.enrollment().state());
        assertEquals(Optional.of("entra.authority"), rig.recorder.failures.get(0).configKey());
        rig.advance(Duration.ofMinutes(1));
        assertEquals(1, ext.entra().devicePolls().size(), "no polling after a fatal answer");
    }
}
