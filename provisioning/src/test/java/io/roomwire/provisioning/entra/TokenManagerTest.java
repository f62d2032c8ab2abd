package io.roomwire.provisioning.entra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.health.AfterStart;
import io.roomwire.core.health.Health;
import io.roomwire.core.log.ScrubbingWriter;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.provisioning.EnrollmentState;
import io.roomwire.provisioning.EnrollmentStatus;
import io.roomwire.sim.cloud.entra.SimEntra;
import io.roomwire.sim.cloud.entra.SimEntraExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Tokens after enrollment: refresh, rotation, restart, revocation, conditional access, storage. */
class TokenManagerTest {

    final VirtualScheduler scheduler = new VirtualScheduler();
    @RegisterExtension
    final SimEntraExtension ext = SimEntraExtension.https(scheduler::clock);
    @TempDir
    Path tmp;

    private EntraRig rig(String name) throws Exception {
        return new EntraRig(scheduler, ext, tmp.resolve(name));
    }

    @Test
    void refreshesAtAboutEightyPercentOfTheLifetime() throws Exception {
        EntraRig rig = rig("a");
        TokenManager m = rig.enroll();
        Instant enrolledAt = scheduler.now();
        String first = m.accessToken().orElseThrow();
        rig.advance(Duration.ofMinutes(44));
        assertEquals(0, ext.entra().refreshRequests().size(), "not before 75% of the 60 min lifetime");
        rig.advance(Duration.ofMinutes(4).plusSeconds(10));
        assertEquals(1, ext.entra().refreshRequests().size(), "by 80% of the lifetime");
        Duration at = Duration.between(enrolledAt, ext.entra().refreshRequests().get(0).at());
        // 75-80% of the 59:30 the token is handed out (the hour less the 30 s expiry skew)
        assertTrue(at.compareTo(Duration.ofSeconds(2676)) >= 0 && at.compareTo(Duration.ofSeconds(2856)) <= 0, at.toString());
        assertNotEquals(first, m.accessToken().orElseThrow());
        rig.advance(Duration.ofHours(3));
        assertEquals(4, ext.entra().refreshRequests().size(), "keeps refreshing every ~48 min");
        assertTrue(m.health().isUp());
    }

    @Test
    void aShortLivedTokenIsRefreshedBeforeItIsWithheld() throws Exception {
        // 45 s tokens: handed out for 15 s (30 s expiry skew). Refreshing at 80% of the whole lifetime (36 s)
        // left Graph without a token for 20 s of every 36 (a fleet's chaos suite found it).
        ext.entra().setLifetimes(Duration.ofSeconds(45), Duration.ofDays(90), Duration.ofMinutes(15));
        EntraRig rig = rig("a");
        TokenManager m = rig.enroll();
        for (int s = 1; s <= 120; s++) {
            rig.advance(Duration.ofSeconds(1));
            assertTrue(m.accessToken().isPresent(), "no access token handed out " + s + " s after enrolling");
        }
        assertTrue(ext.entra().refreshRequests().size() >= 9, ext.entra().refreshRequests().size() + " refreshes in 2 min");
        assertTrue(m.health().isUp(), m.health().toString());
    }

    @Test
    void rotatesTheRefreshTokenAcrossARestart() throws Exception {
        EntraRig rig = rig("a");
        TokenManager m = rig.enroll();
        TokenVault vault = new TokenVault(rig.store, rig.identity, scheduler.clock());
        String original = vault.load().orElseThrow().refreshToken();
        rig.advance(Duration.ofMinutes(50));
        assertEquals(1, ext.entra().refreshRequests().size());
        assertEquals(original, ext.entra().refreshRequests().get(0).param("refresh_token").orElseThrow());
        String rotated = vault.load().orElseThrow().refreshToken();
        assertNotEquals(original, rotated);
        assertFalse(ext.entra().isRefreshTokenValid(original), "the sim rotates strictly");
        m.stop();

        // Simulated restart: a new manager on the same state folder reads the tokens back from disk.
        EntraRig restarted = new EntraRig(scheduler, ext, rig.dir);
        TokenManager m2 = restarted.start();
        assertEquals(EnrollmentState.ENROLLED, m2.enrollment().state());
        assertEquals(EntraRig.UPN, m2.account().orElseThrow().upn());
        assertTrue(m2.accessToken().isPresent());
        assertEquals(0, restarted.recorder.prompts.size(), "no new sign-in after a restart");
        restarted.advance(Duration.ofMinutes(50));
        List<SimEntra.Request> refreshes = ext.entra().refreshRequests();
        assertEquals(2, refreshes.size());
        assertEquals(rotated, refreshes.get(1).param("refresh_token").orElseThrow(), "the rotated token is used");
        assertTrue(refreshes.stream().skip(1).noneMatch(r -> r.param("refresh_token").orElseThrow().equals(original)));
        assertEquals(EnrollmentState.ENROLLED, m2.enrollment().state());
    }

    @Test
    void storesTheRotatedRefreshTokenBeforeHandingOutTheNewAccessToken() throws Exception {
        EntraRig rig = rig("a");
        TokenManager m = rig.enroll();
        rig.advance(Duration.ofMinutes(1));
        TokenVault vault = new TokenVault(rig.store, rig.identity, scheduler.clock());
        AtomicReference<TokenSet> onDiskWhenHandedOut = new AtomicReference<>();
        AtomicReference<String> handedOut = new AtomicReference<>();
        CompletableFuture<Optional<String>> f = m.refreshAfterUnauthorized();
        f.thenAccept(t -> {
            handedOut.set(t.orElseThrow());
            try {
                onDiskWhenHandedOut.set(vault.load().orElseThrow());
            } catch (TokenVault.VaultException e) {
                throw new AssertionError(e);
            }
        });
        rig.settle();
        assertEquals(handedOut.get(), onDiskWhenHandedOut.get().accessToken());
        assertTrue(ext.entra().isRefreshTokenValid(onDiskWhenHandedOut.get().refreshToken()),
                "the refresh token on disk is the live, rotated one");
    }

    @Test
    void concurrentUnauthorizedRefreshesShareOneRequest() throws Exception {
        EntraRig rig = rig("a");
        TokenManager m = rig.enroll();
        rig.advance(Duration.ofMinutes(1));
        CompletableFuture<Optional<String>> a = m.refreshAfterUnauthorized();
        CompletableFuture<Optional<String>> b = m.refreshAfterUnauthorized();
        assertSame(a, b);
        rig.settle();
        assertEquals(1, ext.entra().refreshRequests().size());
        CompletableFuture<Optional<String>> c = m.refreshAfterUnauthorized();
        assertTrue(c.isDone(), "a second 401 right after a refresh does not hammer Entra");
        assertEquals(1, ext.entra().refreshRequests().size());
    }

    @Test
    void reEnrollsWithADeviceCodeWhenTheRefreshTokenIsRevoked() throws Exception {
        EntraRig rig = rig("a");
        TokenManager m = rig.enroll();
        List<EnrollmentStatus> changes = new ArrayList<>();
        m.onEnrollmentChange(changes::add);
        assertEquals(1, ext.entra().revokeRefreshTokens(Optional.of(EntraRig.UPN)));
        rig.advance(Duration.ofMinutes(48));
        assertEquals(EnrollmentState.ENROLLING, m.enrollment().state());
        assertTrue(m.enrollment().reason().contains("AADSTS50173"), m.enrollment().reason());
        assertTrue(m.accessToken().isEmpty());
        assertFalse(rig.store.exists(TokenVault.ENTRY), "refused tokens are deleted");
        DeviceEvent last = rig.events("enrollment.changed").get(rig.events("enrollment.changed").size() - 1);
        assertEquals("enrolling", last.attributes().get("state"));
        assertTrue(last.attributes().get("reason").toString().contains("AADSTS50173"));
        assertEquals(2, rig.recorder.prompts.size());
        assertEquals(Optional.of(TokenManager.REVOKED_NOTICE), rig.recorder.prompts.get(1).notice());
        assertEquals("code", rig.recorder.last());
        assertEquals(EnrollmentState.ENROLLING, changes.get(0).state());

        rig.approveLatest();
        rig.advance(Duration.ofSeconds(5));
        assertEquals(EnrollmentState.ENROLLED, m.enrollment().state());
    }

    @Test
    void detectsACorruptTokenFileMovesItAsideAndEnrollsAgain() throws Exception {
        EntraRig rig = rig("a");
        rig.enroll().stop();
        Path file = rig.store.pathOf(TokenVault.ENTRY);
        byte[] b = Files.readAllBytes(file);
        b[b.length - 5] ^= 0x01;
        Files.write(file, b);

        EntraRig again = new EntraRig(scheduler, ext, rig.dir);
        TokenManager m = again.start();
        assertEquals(EnrollmentState.ENROLLING, m.enrollment().state());
        assertTrue(m.enrollment().reason().contains("checksum"), m.enrollment().reason());
        try (Stream<Path> s = Files.list(rig.dir)) {
            assertTrue(s.anyMatch(p -> p.getFileName().toString().startsWith(TokenVault.ENTRY + ".corrupt-")));
        }
        assertEquals(1, again.recorder.prompts.size());
        assertEquals("code", again.recorder.last());
    }

    @Test
    void aTokenFileCopiedToAnotherDeviceCannotBeDecrypted() throws Exception {
        EntraRig deviceA = rig("a");
        deviceA.enroll().stop();
        EntraRig deviceB = rig("b");
        assertNotEquals(deviceA.identity.fingerprint(), deviceB.identity.fingerprint());
        Files.copy(deviceA.store.pathOf(TokenVault.ENTRY), deviceB.store.pathOf(TokenVault.ENTRY));

        TokenVault vaultB = new TokenVault(deviceB.store, deviceB.identity, scheduler.clock());
        TokenVault.VaultException e = assertThrows(TokenVault.VaultException.class, vaultB::load);
        assertTrue(e.getMessage().contains("cannot be decrypted with this device's key"), e.getMessage());
        assertTrue(e.movedTo().isPresent());
        assertFalse(deviceB.store.exists(TokenVault.ENTRY));

        Files.copy(deviceA.store.pathOf(TokenVault.ENTRY), deviceB.store.pathOf(TokenVault.ENTRY));
        TokenManager m = deviceB.start();
        assertEquals(EnrollmentState.ENROLLING, m.enrollment().state());
        assertTrue(m.accessToken().isEmpty());
        assertEquals(0, ext.entra().refreshRequests().size(), "device B never used device A's refresh token");
    }

    @Test
    void conditionalAccessBlocksRefreshKeepsTheRefreshTokenAndRecoversByItself() throws Exception {
        EntraRig rig = rig("a");
        TokenManager m = rig.enroll();
        TokenVault vault = new TokenVault(rig.store, rig.identity, scheduler.clock());
        String refreshToken = vault.load().orElseThrow().refreshToken();
        AtomicReference<Optional<String>> gate = new AtomicReference<>(Optional.of("Storage encryption is off."));
        ext.entra().setComplianceGate(upn -> gate.get());

        rig.advance(Duration.ofMinutes(50));
        assertEquals(EnrollmentState.BLOCKED_BY_COMPLIANCE, m.enrollment().state());
        assertTrue(m.enrollment().reason().contains("Storage encryption is off."), m.enrollment().reason());
        assertTrue(m.enrollment().reason().startsWith("Device is not in required device state"), m.enrollment().reason());
        assertEquals(refreshToken, vault.load().orElseThrow().refreshToken(), "the refresh token is kept");
        assertTrue(rig.store.exists(TokenVault.ENTRY));
        assertEquals(1, rig.recorder.prompts.size(), "no re-enrollment");
        assertEquals(Health.State.DEGRADED, m.health().state());
        DeviceEvent ev = rig.events("enrollment.changed").get(rig.events("enrollment.changed").size() - 1);
        assertEquals("blocked_by_compliance", ev.attributes().get("state"));

        rig.advance(Duration.ofMinutes(5));
        int blockedTries = ext.entra().refreshRequests().size();
        assertTrue(blockedTries >= 3, "retried with back-off: " + blockedTries);
        assertTrue(ext.entra().refreshRequests().stream().allMatch(r -> r.param("refresh_token").orElseThrow().equals(refreshToken)));

        gate.set(Optional.empty());
        rig.advance(Duration.ofMinutes(15));
        assertEquals(EnrollmentState.ENROLLED, m.enrollment().state());
        assertTrue(m.accessToken().isPresent());
        assertNotEquals(refreshToken, vault.load().orElseThrow().refreshToken());
    }

    @Test
    void keepsTheTokensAndRetriesWhenRefreshHitsServerErrors() throws Exception {
        EntraRig rig = rig("a");
        TokenManager m = rig.enroll();
        ext.entra().injectFailures("token", 503, Optional.of(Duration.ofSeconds(60)), 2);
        rig.advance(Duration.ofMinutes(48));
        assertEquals(EnrollmentState.ENROLLED, m.enrollment().state());
        assertTrue(m.accessToken().isPresent(), "the old token is still valid");
        rig.advance(Duration.ofMinutes(3));
        assertEquals(3, ext.entra().refreshRequests().size());
        assertEquals(EnrollmentState.ENROLLED, m.enrollment().state());
        assertTrue(m.health().isUp());
    }

    @Test
    void aRetryAfterBeyondNanosecondRangeIsCappedAndTheRefreshStillHappens() throws Exception {
        EntraRig rig = rig("a");
        TokenManager m = rig.enroll();
        // 10^13 s is ~317,000 years: Duration.toNanos overflows, a naive schedule is lost or never due
        ext.entra().injectFailures("token", 429, Optional.of(Duration.ofSeconds(10_000_000_000_000L)), 1);
        rig.advance(Duration.ofMinutes(48));
        assertEquals(1, ext.entra().refreshRequests().size(), "the throttled refresh");
        rig.advance(Duration.ofDays(1).plusMinutes(1));
        assertEquals(2, ext.entra().refreshRequests().size(), "retried after at most a day");
        assertEquals(EnrollmentState.ENROLLED, m.enrollment().state());
    }

    @Test
    void enrollmentLogsContainNoToken() throws Exception {
        EntraRig rig = rig("a");
        TokenManager m = rig.enroll();
        rig.advance(Duration.ofMinutes(50));
        ext.entra().revokeRefreshTokens(Optional.empty());
        rig.advance(Duration.ofMinutes(48));
        List<String> secrets = new ArrayList<>();
        ext.entra().requests().forEach(r -> {
            r.param("device_code").ifPresent(secrets::add);
            r.param("refresh_token").ifPresent(secrets::add);
        });
        assertFalse(secrets.isEmpty());
        List<String> lines = ScrubbingWriter.recent(2000);
        assertTrue(lines.stream().anyMatch(l -> l.contains("Enrolled with Entra as " + EntraRig.UPN)),
                "the log was captured");
        assertTrue(lines.stream().anyMatch(l -> l.contains("Entra refused the refresh token")));
        for (String line : lines) {
            for (String s : secrets) {
                assertFalse(line.contains(s.substring(0, Math.min(24, s.length()))), "secret in log line: " + line);
            }
            assertFalse(line.matches(".*eyJ[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,}.*"), "JWT in log line: " + line);
            if (line.matches(".*(DeviceCodeEnrollment|TokenManager|TokenVault|EntraHttp|DeviceIdentity): .*")) {
                // Our own lines never needed scrubbing: no secret was handed to the logger in the first place.
                assertFalse(line.contains(io.roomwire.core.log.LogScrubber.MASK), "scrubbed secret in: " + line);
            }
        }
        assertEquals(EnrollmentState.ENROLLING, m.enrollment().state());
    }

    @Test
    void reEnrollsWhenStoredTokensBelongToAnotherClientId() throws Exception {
        EntraRig rig = rig("a");
        rig.enroll().stop();
        String other = "22222222-3333-4444-5555-666666666666";
        ext.entra().registerPublicClient(other);
        EntraConfig cfg = new EntraConfig(rig.config.authority(), rig.config.tenant(), other, rig.config.scopes(),
                rig.config.caFile(), rig.config.requestTimeout());
        EntraRig again = new EntraRig(scheduler, ext, rig.dir, cfg);
        TokenManager m = again.start();
        assertEquals(EnrollmentState.ENROLLING, m.enrollment().state());
        assertTrue(again.recorder.prompts.get(0).notice().orElseThrow().contains("entra.client-id"));
    }

    @Test
    void aStartFromStoredTokensMakesItsHttpClientAfterTheStartAndThenSaysWhyTheCaFileCannotBeUsed() throws Exception {
        EntraRig rig = rig("a");
        rig.enroll().stop();
        EntraConfig cfg = withCaFile(rig, Files.writeString(tmp.resolve("not-a-ca.pem"), "not a certificate\n"));
        AfterStart gate = new AfterStart();
        TokenManager m = TokenManager.builder().config(cfg).identity(rig.identity).store(rig.store).scheduler(scheduler)
                .afterStart(gate).build();
        m.start(); // the HTTP client, and with it the CA file, waits for the gate
        assertEquals(EnrollmentState.ENROLLED, m.enrollment().state());
        assertTrue(m.health().isUp(), m.health().toString());
        String token = m.accessToken().orElseThrow();
        scheduler.runDue();
        assertEquals(EnrollmentState.ENROLLED, m.enrollment().state(), "nothing before the gate opens");

        gate.openNow();
        scheduler.runDue();
        assertEquals(EnrollmentState.FAILED, m.enrollment().state());
        assertTrue(m.enrollment().reason().startsWith("entra.ca-file"), m.enrollment().reason());
        assertFalse(m.health().isUp());
        assertTrue(m.health().toString().contains("entra.ca-file"), m.health().toString());
        assertEquals(token, m.accessToken().orElseThrow(), "the stored token still serves until it expires");
        rig.advance(Duration.ofMinutes(50));
        assertEquals(0, ext.entra().refreshRequests().size(), "no refresh without an HTTP client");
        assertEquals(EnrollmentState.FAILED, m.enrollment().state());
    }

    @Test
    void aStartThatMustEnrollStillFailsOnACaFileItCannotUse() throws Exception {
        EntraRig rig = rig("a");
        EntraConfig cfg = withCaFile(rig, tmp.resolve("missing-ca.pem"));
        TokenManager m = TokenManager.builder().config(cfg).identity(rig.identity).store(rig.store).scheduler(scheduler)
                .afterStart(new AfterStart()).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, m::start);
        assertTrue(e.getMessage().startsWith("entra.ca-file"), e.getMessage());
        assertEquals(EnrollmentState.FAILED, m.enrollment().state());
        assertFalse(m.health().isUp());
        assertTrue(m.currentPrompt().isEmpty(), "no code without a way to reach Entra");
    }

    private static EntraConfig withCaFile(EntraRig rig, Path caFile) {
        return new EntraConfig(rig.config.authority(), rig.config.tenant(), rig.config.clientId(), rig.config.scopes(),
                Optional.of(caFile), rig.config.requestTimeout());
    }

    @Test
    void keepsARotatedRefreshTokenThatArrivesAfterStop() throws Exception {
        EntraRig rig = rig("a");
        TokenManager m = rig.enroll();
        rig.advance(Duration.ofMinutes(1));
        CompletableFuture<Optional<String>> f = m.refreshAfterUnauthorized();
        m.stop();
        assertEquals(Optional.empty(), f.get());
        rig.settle();
        assertEquals(1, ext.entra().refreshRequests().size());
        TokenVault vault = new TokenVault(rig.store, rig.identity, scheduler.clock());
        assertTrue(ext.entra().isRefreshTokenValid(vault.load().orElseThrow().refreshToken()),
                "the disk holds the rotated token, so the next start stays signed in");
        TokenManager again = new EntraRig(scheduler, ext, rig.dir).start();
        assertEquals(EnrollmentState.ENROLLED, again.enrollment().state());
    }
}
