package io.roomwire.provisioning.mdm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.health.Health;
import io.roomwire.provisioning.mdm.internal.EnrollmentStore;
import io.roomwire.sim.cloud.SimPki;
import io.roomwire.sim.cloud.mdm.SimMdm;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MdmCheckInTest {

    private MdmRig rig;

    @BeforeEach
    void setUp() throws Exception {
        rig = new MdmRig();
    }

    @AfterEach
    void tearDown() throws Exception {
        rig.close();
    }

    private long managementCalls(int status) {
        return rig.mdm.exchanges().stream().filter(x -> x.endpoint() == SimMdm.Endpoint.MANAGEMENT && x.status() == status).count();
    }

    @Test
    void answersGetReplaceAndExecWithStatusAndResults() throws Exception {
        MdmService s = rig.started();
        String id = rig.deviceId();
        rig.mdm.enqueue(id, "Get", "./DevDetail/SwV", Optional.empty())
                .enqueue(id, "Replace", "./Vendor/Roomwire/Policy/BlockDebugMode", Optional.of("true"))
                .enqueue(id, "Exec", "./Vendor/Roomwire/Actions/EvaluateCompliance", Optional.empty())
                .enqueue(id, "Get", "./Vendor/Roomwire/Policy/BlockDebugMode", Optional.empty())
                .enqueue(id, "Get", "./Vendor/MSFT/DeviceStatus", Optional.empty());

        CheckInResult r = s.checkInNow();

        assertEquals(CheckInResult.Outcome.OK, r.outcome(), r.message());
        assertEquals(List.of(new SimMdm.Answer("Get", "./DevDetail/SwV", 200),
                new SimMdm.Answer("Replace", "./Vendor/Roomwire/Policy/BlockDebugMode", 200),
                new SimMdm.Answer("Exec", "./Vendor/Roomwire/Actions/EvaluateCompliance", 200),
                new SimMdm.Answer("Get", "./Vendor/Roomwire/Policy/BlockDebugMode", 200),
                new SimMdm.Answer("Get", "./Vendor/MSFT/DeviceStatus", 200)), rig.mdm.answers(id));
        var reported = rig.simDevice().reported();
        assertEquals("1.2", reported.get("./DevDetail/SwV"));
        assertEquals("true", reported.get("./Vendor/Roomwire/Policy/BlockDebugMode"));
        assertEquals("Compliance/NetworkIdentifiers/OS/SecureBootState", reported.get("./Vendor/MSFT/DeviceStatus"));
        assertEquals("1", reported.get("./Vendor/MSFT/DeviceStatus/Compliance/EncryptionCompliance"));
        assertEquals(rig.deviceId(), reported.get("./DevInfo/DevId"));
        assertTrue(s.policy().blockDebugMode());
        assertEquals(2, r.roundTrips());
        assertTrue(rig.mdm.protocolErrors().isEmpty(), rig.mdm.protocolErrors().toString());
    }

    @Test
    void unknownNodeAnswers404() throws Exception {
        MdmService s = rig.started();
        rig.mdm.enqueue(rig.deviceId(), "Get", "./Vendor/Roomwire/NoSuchNode", Optional.empty())
                .enqueue(rig.deviceId(), "Replace", "./Vendor/MSFT/Nope/Value", Optional.of("1"))
                .enqueue(rig.deviceId(), "Get", "./DevDetail/../DevInfo/DevId", Optional.empty());

        assertTrue(s.checkInNow().ok());

        assertEquals(List.of(404, 404, 404), rig.mdm.answers(rig.deviceId()).stream().map(SimMdm.Answer::code).toList());
    }

    @Test
    void writeToReadOnlyNodeAnswers405AndLeavesTheDeviceUnchanged() throws Exception {
        MdmService s = rig.started();
        rig.mdm.enqueue(rig.deviceId(), "Replace", "./DevDetail/FwV", Optional.of("9.9"))
                .enqueue(rig.deviceId(), "Delete", "./DevInfo/DevId", Optional.empty())
                .enqueue(rig.deviceId(), "Replace", "./Vendor/Roomwire/Policy", Optional.of("x"))
                .enqueue(rig.deviceId(), "Exec", "./DevDetail/SwV", Optional.empty());

        assertTrue(s.checkInNow().ok());

        assertEquals(List.of(405, 405, 405, 405), rig.mdm.answers(rig.deviceId()).stream().map(SimMdm.Answer::code).toList());
        assertEquals("1.2", rig.simDevice().reported().get("./DevDetail/FwV"));
    }

    @Test
    void unsupportedCommandAnswers406AndInvalidPolicyValueAnswers500() throws Exception {
        MdmService s = rig.started();
        rig.mdm.enqueue(rig.deviceId(), "Copy", "./DevDetail/FwV", Optional.empty())
                .enqueue(rig.deviceId(), "Replace", "./Vendor/Roomwire/Policy/MaxCalendarStalenessMinutes", Optional.of("soon"))
                .enqueue(rig.deviceId(), "Add", "./Vendor/Roomwire/Policy/MinimumFirmware", Optional.of("1.0"))
                .enqueue(rig.deviceId(), "Add", "./Vendor/Roomwire/Policy/MinimumFirmware", Optional.of("1.1"))
                .enqueue(rig.deviceId(), "Delete", "./Vendor/Roomwire/Policy/MinimumFirmware", Optional.empty());

        assertTrue(s.checkInNow().ok());

        assertEquals(List.of(406, 500, 200, 418, 200), rig.mdm.answers(rig.deviceId()).stream().map(SimMdm.Answer::code).toList());
        assertEquals(CompliancePolicy.none(), s.policy());
    }

    @Test
    void multiMessageSessionKeepsMsgRefAndCmdRefRight() throws Exception {
        rig.mdm.setMaxCommandsPerMessage(2);
        rig.mdm.setPolicy(SimMdm.Policy.none().withMinimumFirmware("1.0").withRequireEncryption(true));
        MdmService s = rig.started();

        CheckInResult r = s.lastCheckIn().orElseThrow();
        assertEquals(CheckInResult.Outcome.OK, r.outcome(), r.message());
        assertTrue(r.roundTrips() >= 5, "Atomic + 8 Gets in messages of 2 commands: " + r.roundTrips());
        assertTrue(rig.mdm.protocolErrors().isEmpty(), rig.mdm.protocolErrors().toString());
        assertEquals(Optional.of("1.0"), s.policy().minimumFirmware());
        assertTrue(s.policy().requireEncryption());
        for (String node : List.of("./DevDetail/FwV", "./Vendor/Roomwire/State/CalendarStalenessMinutes")) {
            assertTrue(rig.simDevice().reported().containsKey(node), node);
        }
        assertEquals(Optional.of(true), rig.simDevice().compliant());
    }

    @Test
    void managementEndpointRefusesTlsWithoutTheMdmClientCertificate() throws Exception {
        rig.started();
        HttpRequest req = HttpRequest.newBuilder(rig.mdm.managementUrl()).header("Content-Type", "application/vnd.syncml.dm+xml")
                .POST(HttpRequest.BodyPublishers.ofString("<SyncML/>")).timeout(Duration.ofSeconds(10)).build();
        HttpClient noCert = HttpClient.newBuilder().sslContext(rig.cloudPki.sslContext(null)).build();
        assertThrows(IOException.class, () -> noCert.send(req, HttpResponse.BodyHandlers.ofString()));

        SimPki.Issued foreign = rig.cloudPki.issueClient(rig.deviceId(), Duration.ofDays(1));
        HttpClient foreignCert = HttpClient.newBuilder().sslContext(rig.cloudPki.sslContext(foreign)).build();
        assertThrows(IOException.class, () -> foreignCert.send(req, HttpResponse.BodyHandlers.ofString()));
    }

    @Test
    void serverErrorsAreRetriedWithBackoffUntilTheCheckInSucceeds() throws Exception {
        MdmService s = rig.started();
        rig.mdm.failNext(SimMdm.Endpoint.MANAGEMENT, 500, 2, Optional.empty());

        CheckInResult r = s.checkInNow();
        assertEquals(CheckInResult.Outcome.FAILED, r.outcome());
        assertTrue(r.message().contains("HTTP 500"), r.message());
        assertEquals(Health.State.DEGRADED, s.health().state());

        rig.scheduler.advance(Duration.ofSeconds(14));
        assertEquals(1, managementCalls(500), "no retry before base/2");
        rig.scheduler.advance(Duration.ofSeconds(17));
        assertEquals(2, managementCalls(500), "first retry within the 30 s base");
        rig.scheduler.advance(Duration.ofSeconds(61));
        assertTrue(s.lastCheckIn().orElseThrow().ok(), "second retry within the doubled ceiling");
        assertEquals(Health.up(), s.health());
    }

    @Test
    void throttledCheckInWaitsForRetryAfter() throws Exception {
        MdmService s = rig.started();
        rig.mdm.failNext(SimMdm.Endpoint.MANAGEMENT, 429, 1, Optional.of(Duration.ofMinutes(2)));
        long before = rig.sessions();

        assertEquals(CheckInResult.Outcome.FAILED, s.checkInNow().outcome());
        rig.scheduler.advance(Duration.ofSeconds(119));
        assertEquals(before, rig.sessions(), "nothing before Retry-After although the schedule wanted a check-in at 3 min");
        rig.scheduler.advance(Duration.ofSeconds(2));
        assertEquals(before + 1, rig.sessions());
        assertTrue(s.lastCheckIn().orElseThrow().ok());
    }

    @Test
    void malformedSyncMlAbortsTheSessionWithAClearMessageAndTheNextCheckInWorks() throws Exception {
        MdmService s = rig.started();
        rig.mdm.malformedNext(1);

        CheckInResult bad = s.checkInNow();
        assertEquals(CheckInResult.Outcome.FAILED, bad.outcome());
        assertTrue(bad.message().contains("aborted") && bad.message().contains("malformed SyncML"), bad.message());
        assertTrue(s.enrollment().isPresent());

        assertTrue(s.checkInNow().ok());
    }

    @Test
    void checksInOnIntunesScheduleAfterEnrollment() throws Exception {
        rig.started();
        assertEquals(1, rig.sessions(), "right after enrollment");
        rig.scheduler.advance(Duration.ofMinutes(15));
        assertEquals(6, rig.sessions(), "every 3 min for 15 min");
        rig.scheduler.advance(Duration.ofMinutes(120));
        assertEquals(14, rig.sessions(), "then every 15 min for 2 h");
        rig.scheduler.advance(Duration.ofHours(8).minusMinutes(1));
        assertEquals(14, rig.sessions());
        rig.scheduler.advance(Duration.ofMinutes(1));
        assertEquals(15, rig.sessions(), "then every 8 h");
        rig.scheduler.advance(Duration.ofHours(16));
        assertEquals(17, rig.sessions());
    }

    @Test
    void followsThePollScheduleOfTheProvisioningDocument() throws Exception {
        rig.mdm.setPollSchedule(2, 1, 0, 0, 0, 60);
        rig.started();
        rig.scheduler.advance(Duration.ofMinutes(2));
        assertEquals(3, rig.sessions());
        rig.scheduler.advance(Duration.ofMinutes(59));
        assertEquals(3, rig.sessions());
        rig.scheduler.advance(Duration.ofMinutes(1));
        assertEquals(4, rig.sessions());
    }

    @Test
    void renewsTheClientCertificateBeforeItLapses() throws Exception {
        rig.mdm.setCertificateValidity(Duration.ofDays(10)).setRenewPeriodDays(3);
        MdmService s = rig.started();
        Enrollment first = s.enrollment().orElseThrow();

        rig.scheduler.advance(Duration.ofDays(6));
        assertEquals(0, rig.simDevice().renewals());
        rig.scheduler.advance(Duration.ofDays(1).plusHours(12));

        Enrollment renewed = s.enrollment().orElseThrow();
        assertEquals(1, rig.simDevice().renewals());
        assertNotEquals(first.clientCertificate().getSerialNumber(), renewed.clientCertificate().getSerialNumber());
        // X.509 times have one-second resolution: a renewal in the same real second has the same expiry.
        assertFalse(renewed.certificateExpiry().isBefore(first.certificateExpiry()));
        assertEquals(renewed.clientCertificate(), new EnrollmentStore(rig.store).load().orElseThrow().clientCertificate());
        rig.scheduler.advance(Duration.ofDays(1));
        assertEquals(1, rig.simDevice().renewals(), "no renewal loop although the sim's certificates count real time");
        long sessions = rig.sessions();
        assertTrue(s.checkInNow().ok(), "checks in with the renewed certificate");
        assertEquals(sessions + 1, rig.sessions());
        assertEquals(1, rig.events("enrollment.changed").stream().filter(e -> "renewed".equals(e.attributes().get("state"))).count());
    }

    @Test
    void serverInitiatedUnenrollRemovesTheEnrollmentAndStopsCheckIns() throws Exception {
        MdmService s = rig.started();
        rig.mdm.unenroll(rig.deviceId());

        CheckInResult r = s.checkInNow();

        assertEquals(CheckInResult.Outcome.UNENROLLED, r.outcome(), r.message());
        assertTrue(s.enrollment().isEmpty());
        assertFalse(rig.store.exists(EnrollmentStore.ENROLLMENT));
        assertFalse(rig.simDevice().enrolled());
        assertEquals("unenrolled", rig.events("enrollment.changed").get(1).attributes().get("state"));
        assertEquals("server", rig.events("enrollment.changed").get(1).attributes().get("reason"));
        long sessions = rig.sessions();
        rig.scheduler.advance(Duration.ofDays(1));
        assertEquals(sessions, rig.sessions());
        assertTrue(s.health().reason().contains("roomwire enroll"), s.health().reason());
    }

    @Test
    void localUnenrollTellsTheServerAndRemovesTheEnrollment() throws Exception {
        MdmService s = rig.started();

        CheckInResult r = s.unenroll();

        assertEquals(CheckInResult.Outcome.UNENROLLED, r.outcome(), r.message());
        assertFalse(rig.simDevice().enrolled(), "the server saw the unenrollment alert");
        assertTrue(s.enrollment().isEmpty());
        assertFalse(rig.store.exists(EnrollmentStore.ENROLLMENT));
        assertEquals(CheckInResult.Outcome.NOT_ENROLLED, s.checkInNow().outcome());

        s.enrollNow();
        assertTrue(s.checkInNow().ok(), "can enroll again after a local unenroll");
    }

    @Test
    void noChangeCheckInIsOneSessionOfTwoRoundTripsUnder8KB() throws Exception {
        MdmService s = rig.started();

        CheckInResult r = s.checkInNow();

        assertTrue(r.ok());
        assertEquals(2, r.roundTrips());
        assertTrue(r.bytesSent() + r.bytesReceived() <= 8 * 1024, "bytes: " + (r.bytesSent() + r.bytesReceived()));
    }
}
