package io.roomwire.provisioning.mdm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.health.Health;
import io.roomwire.provisioning.EnrollmentState;
import io.roomwire.provisioning.entra.EntraConfig;
import io.roomwire.provisioning.entra.TokenManager;
import io.roomwire.provisioning.entra.internal.EntraHttp;
import io.roomwire.sim.cloud.entra.SimEntra;
import io.roomwire.sim.cloud.mdm.SimMdm;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MdmComplianceTest {

    private static final String BANNER = "Device not compliant: firmware 1.2 is below the required 1.4";

    private MdmRig rig;

    @BeforeEach
    void setUp() throws Exception {
        rig = new MdmRig();
    }

    @AfterEach
    void tearDown() throws Exception {
        rig.close();
    }

    private List<DeviceEvent> complianceEvents() {
        return rig.events("compliance.changed");
    }

    @Test
    void tightenedPolicyMakesTheDeviceNonCompliantAndAFirmwareUpdateMakesItCompliantAgain() throws Exception {
        MdmService s = rig.started();
        assertTrue(s.compliance().compliant());
        assertEquals(Optional.empty(), rig.panel.currentBanner());

        rig.mdm.setPolicy(SimMdm.Policy.none().withMinimumFirmware("1.4"));
        assertTrue(s.checkInNow().ok());

        ComplianceReport r = s.compliance();
        assertFalse(r.compliant());
        assertEquals(List.of(new ComplianceReport.Violation(CompliancePolicy.MINIMUM_FIRMWARE,
                "firmware 1.2 is below the required 1.4")), r.violations());
        assertEquals(Optional.of(BANNER), rig.panel.currentBanner());
        assertEquals(1, complianceEvents().size());
        assertEquals(false, complianceEvents().get(0).attributes().get("compliant"));
        assertEquals(Optional.of("firmware 1.2 is below the required 1.4"), rig.mdm.nonComplianceReason(MdmRig.UPN));
        assertEquals(Health.State.DEGRADED, s.health().state());

        long sessions = rig.sessions();
        rig.device.setFirmwareVersion("1.4");
        rig.scheduler.advance(Duration.ofMinutes(1));

        assertTrue(s.compliance().compliant());
        assertEquals(sessions + 1, rig.sessions(), "a local compliance change triggers a check-in");
        assertEquals(Optional.empty(), rig.panel.currentBanner());
        assertEquals(true, complianceEvents().get(1).attributes().get("compliant"));
        assertEquals(Optional.empty(), rig.mdm.nonComplianceReason(MdmRig.UPN));
        assertEquals(Health.up(), s.health());
    }

    @Test
    void reportsEveryFailedSettingWithItsReason() throws Exception {
        rig.mdm.setPolicy(SimMdm.Policy.none().withRequireEncryption(true).withBlockDebugMode(true)
                .withMaxCalendarStalenessMinutes(60));
        rig.device.setStorageEncrypted(false);
        rig.device.setDebugEnabled(true);
        rig.calendarAge.set(Optional.of(Duration.ofMinutes(95)));

        MdmService s = rig.started();

        assertEquals(List.of(CompliancePolicy.REQUIRE_ENCRYPTION, CompliancePolicy.BLOCK_DEBUG_MODE,
                CompliancePolicy.MAX_CALENDAR_STALENESS), s.compliance().violations().stream()
                .map(ComplianceReport.Violation::setting).toList());
        assertEquals("storage is not encrypted; debug mode is enabled; calendar last synced 95 min ago (maximum 60 min)",
                s.compliance().reasons());
        assertEquals(Optional.of(s.compliance().reasons()), rig.mdm.nonComplianceReason(MdmRig.UPN),
                "the MDM's own evaluation agrees with the device's");
        assertEquals("false", rig.simDevice().reported().get("./Vendor/Roomwire/State/Compliant"),
                "the device reports its own verdict too");
    }

    @Test
    void policySurvivesARestart() throws Exception {
        rig.mdm.setPolicy(SimMdm.Policy.none().withMinimumFirmware("1.4"));
        rig.started();
        rig.service.stop();

        MdmService again = MdmService.builder().config(rig.config).scheduler(rig.scheduler).store(rig.store)
                .identity(rig.identity).device(rig.device).token(Optional::empty).banner(rig.panel::banner).build();
        rig.panel.banner(Optional.empty());
        again.start();

        assertEquals(Optional.of("1.4"), again.policy().minimumFirmware());
        assertFalse(again.compliance().compliant());
        assertEquals(Optional.of(BANNER), rig.panel.currentBanner(), "banner before the first check-in");
        again.stop();
    }

    @Test
    void conditionalAccessRefusesTokenRefreshUntilTheDeviceIsCompliantAgain() throws Exception {
        try (SimEntra entra = SimEntra.https(rig.authority, rig.cloudPki)) {
            EntraConfig ec = EntraConfig.of(rig.authority.tenantId(), SimEntra.DEFAULT_CLIENT_ID).withAuthority(entra.baseUri())
                    .withCaFile(rig.cloudPki.writeCaPem(rig.dir.resolve("cloud-ca.pem")));
            EntraHttp http = new EntraHttp(ec, rig.scheduler);
            TokenManager tokens = TokenManager.builder().config(ec).identity(rig.identity).store(rig.store)
                    .scheduler(rig.scheduler).events(rig.events::add).random(new Random(42)).http(http).build();
            tokens.start();
            settle(http);
            await(() -> tokens.currentPrompt().isPresent(), "a device code");
            assertTrue(entra.approve(tokens.currentPrompt().get().userCode(), MdmRig.UPN));
            advance(http, Duration.ofSeconds(10));
            await(() -> tokens.enrollment().state() == EnrollmentState.ENROLLED, "Entra sign-in");
            entra.setComplianceGate(rig.mdm::nonComplianceReason);

            rig.tokenSource = tokens::accessToken;
            MdmService s = rig.started();
            assertTrue(s.enrollment().isPresent(), "enrolled in MDM with the Entra access token");

            rig.mdm.setPolicy(SimMdm.Policy.none().withMinimumFirmware("1.4"));
            assertTrue(s.checkInNow().ok());
            assertEquals(Optional.of(BANNER), rig.panel.currentBanner());

            advance(http, Duration.ofSeconds(40));
            tokens.refreshAfterUnauthorized();
            settle(http);
            await(() -> tokens.enrollment().state() == EnrollmentState.BLOCKED_BY_COMPLIANCE, "refresh refused");
            assertTrue(tokens.enrollment().reason().contains("firmware 1.2 is below the required 1.4"),
                    tokens.enrollment().reason());
            assertEquals(Optional.of(BANNER), rig.panel.currentBanner(), "the panel says why, not a generic sign-in error");

            rig.device.setFirmwareVersion("1.4");
            advance(http, Duration.ofMinutes(1));
            assertTrue(s.compliance().compliant());
            assertEquals(Optional.empty(), rig.mdm.nonComplianceReason(MdmRig.UPN));
            assertEquals(Optional.empty(), rig.panel.currentBanner());

            advance(http, Duration.ofMinutes(11));
            await(() -> tokens.enrollment().state() == EnrollmentState.ENROLLED, "sign-in recovered by itself");
            assertTrue(tokens.accessToken().isPresent());
            tokens.stop();
        }
    }

    /** Runs what is due now and waits for Entra answers in flight (MDM calls are synchronous). */
    private void settle(EntraHttp http) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            rig.scheduler.runDue();
            // In-flight first (as EntraRig.settle): EntraHttp queues an answer on the scheduler before
            // its request stops counting, so "idle, then nothing due" cannot miss a queued answer.
            boolean idle = http.inFlight() == 0;
            boolean dueNow = rig.scheduler.nextDue().map(t -> !t.isAfter(rig.scheduler.now())).orElse(false);
            if (idle && !dueNow) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("HTTP answers still in flight after 10 s");
            }
            LockSupport.parkNanos(200_000);
        }
    }

    private void advance(EntraHttp http, Duration d) {
        Instant target = rig.scheduler.now().plus(d);
        settle(http);
        while (true) {
            Optional<Instant> next = rig.scheduler.nextDue();
            if (next.isEmpty() || next.get().isAfter(target)) {
                break;
            }
            rig.scheduler.advanceTo(next.get());
            settle(http);
        }
        rig.scheduler.advanceTo(target);
        settle(http);
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            LockSupport.parkNanos(1_000_000);
        }
    }
}
