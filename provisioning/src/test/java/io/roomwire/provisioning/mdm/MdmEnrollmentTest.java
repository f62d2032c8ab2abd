package io.roomwire.provisioning.mdm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.health.AfterStart;
import io.roomwire.core.health.Health;
import io.roomwire.provisioning.mdm.internal.EnrollmentStore;
import io.roomwire.sim.cloud.mdm.SimMdm;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MdmEnrollmentTest {

    private MdmRig rig;

    @BeforeEach
    void setUp() throws Exception {
        rig = new MdmRig();
    }

    @AfterEach
    void tearDown() throws Exception {
        rig.close();
    }

    @Test
    void enrollsThroughDiscoveryPolicyAndWstepAndStoresTheProvisioningDocument() throws Exception {
        MdmService s = rig.started();

        Enrollment e = s.enrollment().orElseThrow();
        assertEquals(rig.deviceId(), e.deviceId());
        assertEquals(rig.mdm.managementUrl(), e.managementUrl());
        assertEquals(SimMdm.PROVIDER_ID, e.providerId());
        assertEquals(rig.identity.keyPair().getPublic(), e.clientCertificate().getPublicKey());
        assertEquals(rig.mdm.mdmCa().caCertificate(), e.rootCertificates().get(0));
        assertEquals(PollSchedule.intune(), e.schedule());
        assertEquals(Duration.ofDays(42), e.renewPeriod());
        SimMdm.DeviceView d = rig.simDevice();
        assertEquals(MdmRig.UPN, d.upn());
        assertEquals("Room 401", d.deviceName());
        assertEquals(1, d.sessions(), "checks in right after enrolling");
        assertEquals("1.2", d.reported().get("./DevDetail/FwV"));
        assertEquals(Optional.of(true), d.compliant());
        assertTrue(rig.mdm.protocolErrors().isEmpty(), rig.mdm.protocolErrors().toString());
        assertEquals(Health.up(), s.health());
        assertEquals(1, rig.events("enrollment.changed").size());
        assertEquals("rw-------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(rig.store.pathOf(EnrollmentStore.ENROLLMENT))));
    }

    @Test
    void restartUsesTheStoredEnrollmentWithoutEnrollingAgain() throws Exception {
        rig.started();
        rig.service.stop();
        int exchangesBefore = (int) rig.mdm.exchanges().stream().filter(x -> x.endpoint() != SimMdm.Endpoint.MANAGEMENT).count();

        MdmService again = MdmService.builder().config(rig.config).scheduler(rig.scheduler).store(rig.store)
                .identity(rig.identity).device(rig.device).token(Optional::empty).banner(rig.panel::banner).build();
        again.start();
        rig.scheduler.runDue();

        assertEquals(rig.service.enrollment().orElseThrow().clientCertificate(), again.enrollment().orElseThrow().clientCertificate());
        assertEquals(exchangesBefore, rig.mdm.exchanges().stream().filter(x -> x.endpoint() != SimMdm.Endpoint.MANAGEMENT).count());
        assertEquals(2, rig.sessions());
        again.stop();
    }

    @Test
    void anEnrolledCompliantRestartIsUpAtOnceAndChecksInOnceTheRestOfTheStartIsOver() throws Exception {
        rig.started();
        rig.service.stop();
        AfterStart afterStart = new AfterStart();
        MdmService again = MdmService.builder().config(rig.config).scheduler(rig.scheduler).store(rig.store)
                .identity(rig.identity).device(rig.device).token(Optional::empty).banner(rig.panel::banner)
                .afterStart(afterStart).build();
        again.start();
        rig.scheduler.advance(Duration.ofMinutes(1));

        assertEquals(Health.up(), again.health(), "enrolled and compliant by the stored policy");
        assertEquals(1, rig.sessions(), "no check-in before the start is over");

        afterStart.openNow();
        rig.scheduler.runDue();
        assertEquals(2, rig.sessions(), "the check-in at start (PollOnLogin), once it is over");
        rig.scheduler.advance(Duration.ofMinutes(1));
        assertEquals(2, rig.sessions(), "then the poll schedule, as ever");
        again.stop();
    }

    @Test
    void aStartThatIsNotEnrolledEnrollsAtOnceWhateverTheRestOfTheStartDoes() throws Exception {
        AfterStart closed = new AfterStart();
        MdmService s = MdmService.builder().config(rig.config).scheduler(rig.scheduler).store(rig.store)
                .identity(rig.identity).device(rig.device).token(rig.tokenSource).banner(rig.panel::banner)
                .afterStart(closed).build();
        s.start();
        rig.scheduler.runDue();

        assertTrue(s.enrollment().isPresent(), "enrolling is what makes MDM UP: it does not wait");
        assertEquals(1, rig.sessions());
        assertEquals(Health.up(), s.health());
        s.stop();
    }

    @Test
    void waitsForTheEntraSignInAndEnrollsOnceATokenExists() throws Exception {
        rig.token.set(Optional.empty());
        MdmService s = rig.started();
        assertTrue(s.enrollment().isEmpty());
        assertEquals(Health.State.DEGRADED, s.health().state());
        assertTrue(s.health().reason().contains("not signed in"), s.health().reason());

        rig.token.set(Optional.of(rig.freshToken()));
        rig.scheduler.advance(Duration.ofMinutes(31));

        assertTrue(s.enrollment().isPresent());
        assertEquals(Health.up(), s.health());
    }

    @Test
    void invalidTokenBecomesAnAuthenticationErrorNamingTheNextStep() {
        rig.token.set(Optional.of(rig.authority.sign(Map.of("aud", "api://other", "upn", MdmRig.UPN), Duration.ofHours(1))));
        MdmException e = assertThrows(MdmException.class, () -> rig.enrollmentClient().enroll(rig.token.get().get()));
        assertEquals(MdmException.Kind.AUTHENTICATION, e.kind());
        assertTrue(e.getMessage().contains("s:authentication"), e.getMessage());
        assertTrue(e.getMessage().contains("wrong audience"), e.getMessage());
        assertTrue(e.getMessage().contains("sign in again"), e.getMessage());
    }

    @Test
    void refusedUserBecomesAnAuthorizationError() {
        rig.mdm.denyUser(MdmRig.UPN);
        MdmException e = assertThrows(MdmException.class, () -> rig.enrollmentClient().enroll(rig.freshToken()));
        assertEquals(MdmException.Kind.AUTHORIZATION, e.kind());
        assertTrue(e.getMessage().contains("may not enroll"), e.getMessage());
    }

    @Test
    void throttledEnrollmentHonoursRetryAfter() throws Exception {
        rig.mdm.failNext(SimMdm.Endpoint.ENROLLMENT, 429, 1, Optional.of(Duration.ofMinutes(10)));
        MdmService s = rig.started();
        assertTrue(s.enrollment().isEmpty());
        assertTrue(s.health().reason().contains("throttled"), s.health().reason());

        rig.scheduler.advance(Duration.ofMinutes(9));
        assertTrue(s.enrollment().isEmpty(), "not before Retry-After");
        rig.token.set(Optional.of(rig.freshToken()));
        rig.scheduler.advance(Duration.ofMinutes(2));
        assertTrue(s.enrollment().isPresent());
    }

    @Test
    void discoveryUrlThatIsNotADiscoveryServiceGivesAMessageFormatErrorNamingTheKey() {
        rig.configure(c -> MdmConfig.of(rig.mdm.enrollmentUrl(), MdmRig.UPN, "Room 401")
                .withTrustAnchors(java.util.List.of(rig.cloudPki.caCertificate())));
        MdmException e = assertThrows(MdmException.class, () -> rig.enrollmentClient().discover());
        assertEquals(MdmException.Kind.MESSAGE_FORMAT, e.kind());
        assertTrue(e.getMessage().contains("s:messageformat") && e.getMessage().contains("mdm.discovery-url"), e.getMessage());
    }

    @Test
    void untrustedServerCertificateIsATransportErrorNotAnEnrollment() {
        rig.configure(c -> c.withTrustAnchors(java.util.List.of(new io.roomwire.sim.cloud.SimPki("other").caCertificate())));
        MdmException e = assertThrows(MdmException.class, () -> rig.enrollmentClient().discover());
        assertEquals(MdmException.Kind.TRANSPORT, e.kind());
        assertTrue(e.getMessage().contains("trusted root"), e.getMessage());
    }

    @Test
    void refusesPlainHttpDiscoveryToANonLoopbackHost() {
        rig.configure(c -> MdmConfig.of(java.net.URI.create("http://enterpriseenrollment.contoso.example/EnrollmentServer/Discovery.svc"),
                MdmRig.UPN, "Room 401"));
        MdmException e = assertThrows(MdmException.class, () -> rig.enrollmentClient().discover());
        assertEquals(MdmException.Kind.CONFIGURATION, e.kind());
        assertTrue(e.getMessage().contains("must use https"), e.getMessage());
    }

    @Test
    void corruptStoredEnrollmentIsMovedAsideAndTheDeviceEnrollsAgain() throws Exception {
        rig.started();
        rig.service.stop();
        java.nio.file.Path file = rig.store.pathOf(EnrollmentStore.ENROLLMENT);
        byte[] b = Files.readAllBytes(file);
        b[b.length - 3] ^= 0x55;
        Files.write(file, b);

        MdmService again = MdmService.builder().config(rig.config).scheduler(rig.scheduler).store(rig.store)
                .identity(rig.identity).device(rig.device).token(() -> Optional.of(rig.freshToken())).banner(rig.panel::banner).build();
        again.start();
        rig.scheduler.runDue();

        assertTrue(again.enrollment().isPresent());
        assertTrue(again.lastCheckIn().orElseThrow().ok());
        try (var files = Files.list(rig.store.dir())) {
            assertTrue(files.anyMatch(p -> p.getFileName().toString().startsWith(EnrollmentStore.ENROLLMENT + ".corrupt-")));
        }
        again.stop();
    }

    @Test
    void expiredCertificateThatCannotBeRenewedLeadsToANewEnrollmentAttempt() throws Exception {
        rig.mdm.setCertificateValidity(Duration.ofDays(2)).setRenewPeriodDays(1);
        MdmService s = rig.started();
        rig.mdm.failNext(SimMdm.Endpoint.ENROLLMENT, 500, 1000, Optional.empty());

        // Certificates count real time (TLS checks them), so the renewed or re-issued certificate would
        // look expired on this virtual clock: this test stops at the re-enrollment attempt.
        rig.scheduler.advance(Duration.ofDays(2).plusHours(1));

        assertTrue(s.enrollment().isEmpty());
        assertTrue(rig.events("enrollment.changed").stream()
                .anyMatch(e -> "certificate expired".equals(e.attributes().get("reason"))));
        long wstep = rig.mdm.exchanges().stream().filter(x -> x.endpoint() == SimMdm.Endpoint.ENROLLMENT && x.status() == 500).count();
        assertTrue(wstep >= 2, "renewals, then a new WSTEP enrollment: " + wstep);
        assertTrue(rig.mdm.exchanges().stream().anyMatch(x -> x.endpoint() == SimMdm.Endpoint.POLICY),
                "enrolling again goes through discovery and policy");
        assertEquals(Health.State.DEGRADED, s.health().state());
    }
}
