package io.roomwire.updater;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.roomwire.sim.cloud.SimPki;
import io.roomwire.sim.cloud.hawkbit.SimHawkbit;
import io.roomwire.updater.hawkbit.DdiClient;
import io.roomwire.updater.hawkbit.HawkbitPoller;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hawkBit DDI flow against the simulated server over HTTPS, and the download's resume after a cut. */
class HawkbitFlowTest {

    static final SimPki PKI = new SimPki("hawkbit-test");

    @TempDir
    Path tmp;
    UpdateFixture f;
    SimHawkbit server;
    HttpClient http;
    final List<String> restarts = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        f = new UpdateFixture(tmp);
        server = new SimHawkbit(PKI, "DEFAULT", "t0ken");
        http = HttpClient.newBuilder().sslContext(PKI.sslContext(null)).connectTimeout(Duration.ofSeconds(20)).build();
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    private HawkbitPoller poller(UpdatePolicy policy) {
        DdiClient ddi = new DdiClient(http, server.baseUrl(), "DEFAULT", "room-1", "t0ken", Duration.ofSeconds(30));
        return new HawkbitPoller(ddi, f.updater(Long.MAX_VALUE, http), policy, f.slots, restarts::add);
    }

    private static String execution(JsonObject fb) {
        return fb.getAsJsonObject("status").get("execution").getAsString();
    }

    private static String finished(JsonObject fb) {
        return fb.getAsJsonObject("status").getAsJsonObject("result").get("finished").getAsString();
    }

    @Test
    void installsADeploymentReportsProgressAndClosesWithSuccessAfterCommit() throws Exception {
        String action = server.deploy("room-1", "1.1.0", f.bundle("v11", f.target("1.1.0"), List.of(), f.update1));
        HawkbitPoller poller = poller(UpdatePolicy.always(java.time.Clock.systemUTC()));
        assertEquals(Duration.ofSeconds(30), poller.pollOnce());
        assertEquals(List.of("1.1.0"), restarts);
        assertEquals("b", f.slots.currentSlot());
        List<JsonObject> fb = server.feedback(action);
        assertTrue(fb.size() >= 3, fb.toString());
        assertTrue(fb.stream().allMatch(o -> execution(o).equals("proceeding")), fb.toString());
        assertTrue(server.isOpen(action));
        // The new slot starts, commits, and reports.
        poller.reportAfterBoot(Optional.empty()); // still on trial: nothing sent
        assertEquals(fb.size(), server.feedback(action).size());
        f.slots.commit();
        poller.reportAfterBoot(Optional.empty());
        JsonObject last = server.feedback(action).get(server.feedback(action).size() - 1);
        assertEquals("closed", execution(last));
        assertEquals("success", finished(last));
        assertFalse(server.isOpen(action));
    }

    @Test
    void confirmsACancelledDeploymentAndInstallsNothing() throws Exception {
        String action = server.deploy("room-1", "1.1.0", f.bundle("v11", f.target("1.1.0"), List.of(), f.update1));
        server.cancel(action);
        poller(UpdatePolicy.always(java.time.Clock.systemUTC())).pollOnce();
        List<JsonObject> fb = server.feedback(action);
        assertEquals(1, fb.size(), fb.toString());
        assertEquals("closed", execution(fb.get(0)));
        assertEquals("success", finished(fb.get(0)));
        assertFalse(server.isOpen(action));
        assertEquals("a", f.slots.currentSlot());
        assertTrue(restarts.isEmpty());
    }

    @Test
    void rejectsACancelThatComesWhileTheNewSlotIsOnTrialAndClosesTheActionByTheTrialsOutcome() throws Exception {
        String action = server.deploy("room-1", "1.1.0", f.bundle("v11", f.target("1.1.0"), List.of(), f.update1));
        HawkbitPoller poller = poller(UpdatePolicy.always(java.time.Clock.systemUTC()));
        poller.pollOnce();
        assertEquals("b", f.slots.currentSlot());
        // The operator cancels while the new slot is on trial: past the point of no return, so the device rejects the
        // cancel (DDI "rejected": cannot be fulfilled at this point) and the trial decides; nothing is rolled back for it.
        server.cancel(action);
        poller.pollOnce();
        JsonObject rejected = server.feedback(action).get(server.feedback(action).size() - 1);
        assertEquals("rejected", execution(rejected), rejected.toString());
        assertEquals("none", finished(rejected));
        assertTrue(rejected.toString().contains("trial"), rejected.toString());
        assertEquals("b", f.slots.currentSlot());
        assertTrue(f.slots.trial().isPresent());
        assertEquals(List.of("1.1.0"), restarts, "installed once, no restart for the cancel");
        assertFalse(server.isCancelling(action));
        assertTrue(server.isOpen(action));
        // hawkBit runs the action on: the next poll offers the deployment again, which the device already installed.
        int sent = server.feedback(action).size();
        long cancelReads = server.requests().stream().filter(r -> r.startsWith("GET ") && r.contains("/cancelAction/")).count();
        poller.pollOnce();
        assertEquals(sent, server.feedback(action).size(), server.feedback(action).toString());
        assertEquals(cancelReads, server.requests().stream().filter(r -> r.startsWith("GET ") && r.contains("/cancelAction/")).count());
        assertEquals(List.of("1.1.0"), restarts);
        // The trial commits: the action closes with success, as without the cancel.
        f.slots.commit();
        poller.reportAfterBoot(Optional.empty());
        JsonObject last = server.feedback(action).get(server.feedback(action).size() - 1);
        assertEquals("closed", execution(last));
        assertEquals("success", finished(last));
        assertFalse(server.isOpen(action));
    }

    @Test
    void aDeviceKilledAfterRecordingTheActionButBeforeTheSwitchInstallsItAgain() throws Exception {
        String action = server.deploy("room-1", "1.1.0", f.bundle("v11", f.target("1.1.0"), List.of(), f.update1));
        HawkbitPoller poller = poller(UpdatePolicy.always(java.time.Clock.systemUTC()));
        // The state a kill leaves between the record and the pointer's move: the new build is in slot b, the record
        // names the action and its version, the pointer still says a, nothing is on trial.
        f.slots.install(Files.createDirectories(f.slots.freshStaging()), "1.1.0");
        Files.writeString(f.slots.home().resolve(HawkbitPoller.PENDING), action + " 1.1.0\n");
        assertEquals("a", f.slots.currentSlot());
        poller.reportAfterBoot(Optional.empty());
        assertTrue(server.feedback(action).isEmpty(), "no success for a build that never ran: " + server.feedback(action));
        assertFalse(Files.exists(f.slots.home().resolve(HawkbitPoller.PENDING)));
        assertTrue(server.isOpen(action));
        // the next poll offers the deployment again, and the device installs it
        poller.pollOnce();
        assertEquals(List.of("1.1.0"), restarts);
        assertEquals("b", f.slots.currentSlot());
        assertEquals("1.1.0", f.slots.version("b").orElseThrow());
        // the record names the action and the version it installs
        assertEquals(action + " 1.1.0", Files.readString(f.slots.home().resolve(HawkbitPoller.PENDING)).strip());
    }

    @Test
    void closesARefusedDeploymentWithFailureAndTheReason() throws Exception {
        BundleBuilder.Target t = f.target("1.1.0");
        t = new BundleBuilder.Target(t.version(), "rw-200", t.arch(), t.minimumVersion(), false, t.created(), t.expires());
        String action = server.deploy("room-1", "1.1.0", f.bundle("other", t, List.of(), f.update1));
        poller(UpdatePolicy.always(java.time.Clock.systemUTC())).pollOnce();
        JsonObject last = server.feedback(action).get(server.feedback(action).size() - 1);
        assertEquals("failure", finished(last));
        assertTrue(last.toString().contains("wrong_model"), last.toString());
        assertEquals("a", f.slots.currentSlot());
    }

    @Test
    void waitsDuringACallAndClosesWithFailureAfterARollback() throws Exception {
        String action = server.deploy("room-1", "1.1.0", f.bundle("v11", f.target("1.1.0"), List.of(), f.update1));
        boolean[] inCall = {true};
        HawkbitPoller poller = poller(new UpdatePolicy(() -> inCall[0], () -> false, Optional.empty(), java.time.Clock.systemUTC(),
                java.time.ZoneId.of("UTC")));
        poller.pollOnce();
        assertTrue(server.feedback(action).get(0).toString().contains("waiting for the call to end"));
        assertEquals("a", f.slots.currentSlot());
        inCall[0] = false;
        poller.pollOnce();
        assertEquals("b", f.slots.currentSlot());
        poller.reportAfterBoot(Optional.of(Map.of("reason", "crash loop: slot b started without committing")));
        JsonObject last = server.feedback(action).get(server.feedback(action).size() - 1);
        assertEquals("failure", finished(last));
        assertTrue(last.toString().contains("crash loop"), last.toString());
    }

    @Test
    void resumesADownloadCutHalfwayWithARangeRequestAfterABackOff() throws Exception {
        Path bundle = f.bundle("big", 2_000_000, f.target("1.1.0"), List.of(), f.update1);
        java.net.URI url = server.serve("big.rwu", bundle);
        server.cutNextDownloadAfter(900_000);
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(bundle)));
        Updater.Installed i = f.updater(Long.MAX_VALUE, http).apply(url, Optional.of(sha), Updater.Progress.NONE);
        assertEquals("1.1.0", i.manifest().version());
        assertEquals(1, f.pauses.size(), "one back-off after the cut: " + f.pauses);
        assertTrue(server.rangeRequests() >= 2, "header probe and resume use Range: " + server.rangeRequests());
    }

    @Test
    void refusesADownloadWhoseWholeFileHashIsNotTheCommandsAndKeepsTheSlot() throws Exception {
        Path bundle = f.bundle("v11", f.target("1.1.0"), List.of(), f.update1);
        java.net.URI url = server.serve("v11.rwu", bundle);
        UpdateRefused e = org.junit.jupiter.api.Assertions.assertThrows(UpdateRefused.class,
                () -> f.updater(Long.MAX_VALUE, http).apply(url, Optional.of("0".repeat(64)), Updater.Progress.NONE));
        assertEquals(UpdateRefused.Reason.HASH_MISMATCH, e.reason());
        assertEquals("a", f.slots.currentSlot());
    }
    private static void sendFile(com.sun.net.httpserver.HttpExchange ex, Path file) throws java.io.IOException {
        ex.sendResponseHeaders(200, Files.size(file));
        try (var out = ex.getResponseBody()) {
            Files.copy(file, out);
        }
    }

    @Test
    void sendsTheTargetTokenToTheServerButNotToAnArtifactHostElsewhere() throws Exception {
        Path bundle = f.bundle("v11", f.target("1.1.0"), List.of(), f.update1);
        try (LoopbackHttps cdn = new LoopbackHttps(PKI, "cdn", ex -> sendFile(ex, bundle))) {
            server.artifactsAt(cdn.baseUrl());
            String action = server.deploy("room-1", "1.1.0", bundle);
            poller(UpdatePolicy.always(java.time.Clock.systemUTC())).pollOnce();
            assertEquals(List.of("1.1.0"), restarts, server.feedback(action).toString());
            assertFalse(cdn.seen().isEmpty(), "the bundle came from the CDN");
            assertTrue(cdn.seen().stream().allMatch(r -> r.authorization().isEmpty()), "the target token leaked: " + cdn.seen());
        }
    }

    @Test
    void followsNoControllerLinkToAnotherHostAndSendsItNoToken() throws Exception {
        try (LoopbackHttps elsewhere = new LoopbackHttps(PKI, "elsewhere", ex -> ex.sendResponseHeaders(404, -1));
             LoopbackHttps hawkbit = new LoopbackHttps(PKI, "hawkbit-b", ex -> {
                 byte[] b = ("{\"config\":{\"polling\":{\"sleep\":\"00:00:30\"}},\"_links\":{\"deploymentBase\":{\"href\":\""
                         + elsewhere.baseUrl() + "/DEFAULT/controller/v1/room-1/deploymentBase/1\"}}}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
                 ex.sendResponseHeaders(200, b.length);
                 ex.getResponseBody().write(b);
             })) {
            DdiClient ddi = new DdiClient(http, hawkbit.baseUrl(), "DEFAULT", "room-1", "t0ken", Duration.ofSeconds(10));
            java.net.URI link = ddi.poll().deploymentBase().orElseThrow();
            java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> ddi.deployment(link));
            assertTrue(e.getMessage().contains("the target token is sent only there"), e.getMessage());
            assertTrue(elsewhere.seen().isEmpty(), "asked the other host: " + elsewhere.seen());
        }
    }

    @Test
    void refusesAnAnswerOverTheBoundWhetherAnnouncedOrStreamed() throws Exception {
        byte[] big = ("{\"config\":{\"polling\":{\"sleep\":\"00:00:30\"}},\"pad\":\"" + "x".repeat(DdiClient.MAX_ANSWER_BYTES)
                + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (LoopbackHttps hawkbit = new LoopbackHttps(PKI, "hawkbit-big", ex -> {
            ex.sendResponseHeaders(200, ex.getRequestURI().getPath().startsWith("/CHUNKED/") ? 0 : big.length);
            ex.getResponseBody().write(big);
        })) {
            for (String tenant : List.of("DEFAULT", "CHUNKED")) {
                DdiClient ddi = new DdiClient(http, hawkbit.baseUrl(), tenant, "room-1", "t0ken", Duration.ofSeconds(10));
                java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, ddi::poll, tenant);
                assertTrue(e.getMessage().contains("more than the " + DdiClient.MAX_ANSWER_BYTES), tenant + ": " + e.getMessage());
            }
        }
    }

    @Test
    void refusesPlainHttpForTheServerAndItsArtifactsUnlessTheLabSettingAllowsIt() throws Exception {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new DdiClient(http, java.net.URI.create("http://127.0.0.1:9"), "DEFAULT", "room-1", "t0ken", Duration.ofSeconds(10)));
        assertTrue(e.getMessage().contains("update.lab.allow-plain-http=true"), e.getMessage());
        new DdiClient(http, java.net.URI.create("http://127.0.0.1:9"), "DEFAULT", "room-1", "t0ken", Duration.ofSeconds(10), true);
        // An https server whose artifact link is plain http: refused before any download, the action closed with the reason.
        server.artifactsAt(java.net.URI.create("http://127.0.0.1:9"));
        String action = server.deploy("room-1", "1.1.0", f.bundle("v11", f.target("1.1.0"), List.of(), f.update1));
        poller(UpdatePolicy.always(java.time.Clock.systemUTC())).pollOnce();
        JsonObject last = server.feedback(action).get(server.feedback(action).size() - 1);
        assertEquals("failure", finished(last));
        assertTrue(last.toString().contains("download_failed") && last.toString().contains("update.lab.allow-plain-http"), last.toString());
        assertTrue(f.pauses.isEmpty(), "no download was tried: " + f.pauses);
        assertEquals("a", f.slots.currentSlot());
    }
}
