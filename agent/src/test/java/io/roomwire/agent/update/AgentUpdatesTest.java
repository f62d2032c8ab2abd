package io.roomwire.agent.update;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.agent.cli.Cli;
import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.health.Health;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.updater.BundleBuilder;
import io.roomwire.updater.Ed25519Keys;
import io.roomwire.updater.SignedDocument;
import io.roomwire.updater.SlotStore;
import io.roomwire.updater.TrustRoot;
import io.roomwire.updater.UpdatePolicy;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's side of updates: the CLI, the trial commit when services are up, the rollback report. */
class AgentUpdatesTest {

    @TempDir
    Path tmp;
    Path home;
    SlotStore slots;
    KeyPair root = Ed25519Keys.generate();
    KeyPair signer = Ed25519Keys.generate();
    final List<DeviceEvent> events = new CopyOnWriteArrayList<>();
    final List<String> restarts = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        home = Files.createDirectories(tmp.resolve("home"));
        slots = new SlotStore(home);
        slots.initialize("a");
        Files.createDirectories(slots.slot("a"));
        Files.writeString(slots.slot("a").resolve("VERSION"), "1.0.0\n");
        Files.writeString(home.resolve("model"), "rw-100\n");
        String r = Ed25519Keys.keyId(root.getPublic());
        String s = Ed25519Keys.keyId(signer.getPublic());
        TrustRoot tr = new TrustRoot(1, Instant.now().plus(Duration.ofDays(9)), Map.of(r, root.getPublic(), s, signer.getPublic()),
                Set.of(r), 1, Set.of(s), 1, Set.of());
        Files.write(home.resolve("root.json"), SignedDocument.sign(tr.toBody(), List.of(root.getPrivate()), List.of(r)).toBytes());
    }

    private Path bundle(String version, String model) throws Exception {
        Path layout = Files.createDirectories(tmp.resolve("layout-" + version));
        Files.createDirectories(layout.resolve("lib"));
        Files.writeString(layout.resolve("lib/agent.jar"), "build " + version);
        Path payload = tmp.resolve(version + ".zip");
        String sha = BundleBuilder.zipLayout(layout, payload);
        Path b = tmp.resolve(version + "-" + model + ".rwu");
        BundleBuilder.write(payload, sha, new BundleBuilder.Target(version, model, System.getProperty("os.arch").replace("amd64", "x86_64"),
                "0.1.0", false, Instant.now().minusSeconds(9), Instant.now().plus(Duration.ofDays(1))), List.of(signer.getPrivate()),
                List.of(Ed25519Keys.keyId(signer.getPublic())), List.of(), b);
        return b;
    }

    private int cli(ByteArrayOutputStream out, ByteArrayOutputStream err, String... words) {
        return io.roomwire.agent.Main.cli().run(words, new Cli.Io(new PrintStream(out, true), new PrintStream(err, true),
                Map.of("ROOMWIRE_HOME", home.toString())));
    }

    @Test
    void cliAppliesShowsStatusAndRollsBack() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, cli(out, err, "update", "apply", bundle("1.1.0", "rw-100").toString()), err.toString());
        assertTrue(out.toString().contains("installed 1.1.0 in slot b"), out.toString());
        assertEquals(0, cli(out, err, "update", "status"));
        assertTrue(out.toString().contains("current: slot b 1.1.0"), out.toString());
        assertTrue(out.toString().contains("trial:   version 1.1.0, 3 start(s) left"), out.toString());
        assertEquals(0, cli(out, err, "update", "rollback"));
        assertEquals("a", slots.currentSlot());
        assertTrue(slots.trial().isEmpty());
    }

    @Test
    void cliApplyGivesTheTrialTheConfiguredTimeoutAndRefusesABadConfiguration() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Path bad = Files.writeString(tmp.resolve("bad.properties"), "update.trial-timeout = soon\n");
        assertEquals(1, cli(out, err, "update", "apply", bundle("1.1.0", "rw-100").toString(), "--config", bad.toString()));
        assertTrue(err.toString().contains("update.trial-timeout") && err.toString().contains("nothing was installed"), err.toString());
        assertEquals("a", slots.currentSlot());
        assertFalse(Files.exists(home.resolve(SlotStore.TRIAL)));

        Path config = Files.writeString(tmp.resolve("roomwire.properties"), "update.trial-timeout = 7m\n");
        assertEquals(0, cli(out, err, "update", "apply", bundle("1.1.0", "rw-100").toString(), "--config", config.toString()),
                err.toString());
        assertTrue(out.toString().contains("installed 1.1.0 in slot b on trial (420 s to commit)"), out.toString());
        // The launcher enforces the trial record's timeout: the agent's setting, not the 3-minute default.
        assertEquals("420", slots.trial().orElseThrow().get("timeout"));
        assertEquals(0, cli(out, err, "update", "status"));
        assertTrue(out.toString().contains("trial:   version 1.1.0, 3 start(s) left, 420 s to commit"), out.toString());
        assertTrue(out.toString().contains("trust:   root v1, expires "), out.toString());
    }

    @Test
    void cliRefusesToRollBackToABuildThatFailedItsTrial() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, cli(out, err, "update", "apply", bundle("1.1.0", "rw-100").toString()), err.toString());
        // The launcher rolls the trial back (roomwire.sh): its record, the pointer back to a, no trial.
        Files.writeString(home.resolve(SlotStore.ROLLED_BACK), "version=1.1.0\nfrom=b\nto=a\nreason=trial timeout: not committed within 180s\n");
        Files.createSymbolicLink(home.resolve("current.next"), Path.of("slots", "a"));
        Files.move(home.resolve("current.next"), home.resolve(SlotStore.CURRENT), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.delete(home.resolve(SlotStore.TRIAL));
        agentUpdates(new VirtualScheduler(), Map.of()).start(); // the old slot's agent reports update.rolled_back
        assertEquals(1, cli(out, err, "update", "rollback"));
        assertTrue(err.toString().contains("rollback refused: slot b holds 1.1.0, which never committed: its trial failed (trial timeout"),
                err.toString());
        assertEquals("a", slots.currentSlot());
        assertTrue(slots.trial().isEmpty());
    }

    @Test
    void cliPrintsTheRefusalReasonAndChangesNothing() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(1, cli(out, err, "update", "apply", bundle("1.1.0", "rw-900").toString()));
        assertTrue(err.toString().contains("update refused (wrong_model)"), err.toString());
        assertEquals("a", slots.currentSlot());
    }

    private AgentUpdates agentUpdates(VirtualScheduler scheduler, Map<String, Health> health) throws Exception {
        return new AgentUpdates(slots, AgentUpdates.updater(home, "1.0.0", scheduler.clock()), UpdatePolicy.always(scheduler.clock()),
                scheduler, events::add, () -> health, restarts::add, Duration.ofSeconds(60));
    }

    @Test
    void commitsTheTrialOnceEveryOtherServiceIsUp() throws Exception {
        AgentUpdates.updater(home, "1.0.0", java.time.Clock.systemUTC()).apply(bundle("1.1.0", "rw-100"), (p, d, t) -> { });
        VirtualScheduler scheduler = new VirtualScheduler();
        Map<String, Health> health = new HashMap<>(Map.of("mqtt", Health.down("broker not reached"), "sip", Health.up()));
        AgentUpdates u = agentUpdates(scheduler, health);
        u.start();
        scheduler.advance(Duration.ofSeconds(5));
        assertTrue(slots.trial().isPresent(), "no commit while mqtt is down");
        health.put("mqtt", Health.up());
        scheduler.advance(Duration.ofSeconds(1));
        assertTrue(slots.trial().isEmpty());
        assertTrue(events.stream().anyMatch(e -> e.type().equals("update.committed")), events.toString());
        assertTrue(restarts.isEmpty());
    }

    @Test
    void aServiceThatWasDegradedBeforeTheUpdateDoesNotHoldTheCommitButOneThatGotWorseDoes() throws Exception {
        // The room has no camera: its device service was DEGRADED before the update and is after it.
        Map<String, Health> old = Map.of("device", Health.degraded("no camera"), "mqtt", Health.up(), "sip", Health.up());
        AgentUpdates.updater(home, "1.0.0", java.time.Clock.systemUTC()).apply(bundle("1.1.0", "rw-100"), (p, d, t) -> { });
        agentUpdates(new VirtualScheduler(), old).restartWhenAllowed("update to 1.1.0");
        assertEquals(List.of("update to 1.1.0"), restarts);
        assertEquals(Map.of("device", "DEGRADED", "mqtt", "UP", "sip", "UP"), slots.healthBefore("1.1.0").orElseThrow());

        // The new build: device as before, sip worse (DOWN) at first: no commit; sip back: commit though device is DEGRADED.
        VirtualScheduler scheduler = new VirtualScheduler();
        Map<String, Health> now = new HashMap<>(Map.of("device", Health.degraded("no camera"), "mqtt", Health.up(),
                "sip", Health.down("port taken")));
        AgentUpdates u = agentUpdates(scheduler, now);
        u.start();
        scheduler.advance(Duration.ofSeconds(5));
        assertTrue(slots.trial().isPresent(), "committed with sip worse than before the update");
        now.put("device", Health.down("camera driver crashed"));
        now.put("sip", Health.up());
        scheduler.advance(Duration.ofSeconds(5));
        assertTrue(slots.trial().isPresent(), "committed with the device DOWN where it was DEGRADED before");
        now.put("device", Health.degraded("no camera"));
        scheduler.advance(Duration.ofSeconds(1));
        assertTrue(slots.trial().isEmpty(), "not committed although every service is as healthy as before");
        assertTrue(slots.healthBefore("1.1.0").isEmpty(), "the record outlived the commit");
        assertTrue(events.stream().anyMatch(e -> e.type().equals("update.committed")), events.toString());
    }

    @Test
    void withNoHealthRecordedBeforeTheUpdateADegradedServiceFailsTheTrial() throws Exception {
        // An update applied from the command line: no build recorded its health, so the trial wants every service UP.
        AgentUpdates.updater(home, "1.0.0", java.time.Clock.systemUTC()).apply(bundle("1.1.0", "rw-100"), (p, d, t) -> { });
        VirtualScheduler scheduler = new VirtualScheduler();
        AgentUpdates u = agentUpdates(scheduler, Map.of("device", Health.degraded("no camera"), "mqtt", Health.up()));
        u.start();
        scheduler.advance(Duration.ofSeconds(61));
        assertEquals(List.of("update trial failed"), restarts);
        assertTrue(slots.trial().orElseThrow().get("failed").contains("device"), slots.trial().toString());
    }

    @Test
    void failsTheTrialForTheLauncherWhenServicesStayDownAndReportsTheRollbackAfterwards() throws Exception {
        AgentUpdates.updater(home, "1.0.0", java.time.Clock.systemUTC()).apply(bundle("1.1.0", "rw-100"), (p, d, t) -> { });
        VirtualScheduler scheduler = new VirtualScheduler();
        AgentUpdates u = agentUpdates(scheduler, Map.of("mqtt", Health.down("broker not reached")));
        u.start();
        scheduler.advance(Duration.ofSeconds(61));
        assertEquals(List.of("update trial failed"), restarts);
        assertTrue(slots.trial().orElseThrow().get("failed").contains("mqtt"), slots.trial().toString());
        assertEquals("b", slots.currentSlot(), "the agent never switches slots itself");
        // What the launcher leaves after switching back is reported once as update.rolled_back.
        Files.writeString(home.resolve(SlotStore.ROLLED_BACK), "version=1.1.0\nfrom=b\nto=a\nreason=health check failed: mqtt\n");
        agentUpdates(new VirtualScheduler(), Map.of()).start();
        DeviceEvent rb = events.stream().filter(e -> e.type().equals("update.rolled_back")).findFirst().orElseThrow();
        assertEquals("health check failed: mqtt", rb.attributes().get("reason"));
        assertFalse(Files.exists(home.resolve(SlotStore.ROLLED_BACK)));
    }

    private AgentUpdates withHawkbitAt(VirtualScheduler scheduler, Map<String, Health> health, io.roomwire.sim.cloud.SimPki pki,
                                       java.net.URI server) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().sslContext(pki.sslContext(null))
                .connectTimeout(Duration.ofSeconds(20)).build();
        return new AgentUpdates(slots, AgentUpdates.updater(home, "1.0.0", scheduler.clock()), UpdatePolicy.always(scheduler.clock()),
                scheduler, events::add, () -> health, restarts::add, Duration.ofSeconds(600)).withHawkbit(
                new io.roomwire.updater.hawkbit.DdiClient(http, server, "DEFAULT", "room-1", "t0ken", Duration.ofSeconds(20)));
    }

    @Test
    void withoutABrokerTheTrialCommitsOnlyOnceTheUpdateServerWasPolled() throws Exception {
        AgentUpdates.updater(home, "1.0.0", java.time.Clock.systemUTC()).apply(bundle("1.1.0", "rw-100"), (p, d, t) -> { });
        io.roomwire.sim.cloud.SimPki pki = new io.roomwire.sim.cloud.SimPki("update-reach");
        try (io.roomwire.sim.cloud.hawkbit.SimHawkbit server = new io.roomwire.sim.cloud.hawkbit.SimHawkbit(pki, "DEFAULT", "t0ken")) {
            VirtualScheduler scheduler = new VirtualScheduler();
            // No mqtt service (no broker configured); every other service UP.
            AgentUpdates u = withHawkbitAt(scheduler, Map.of("sip", Health.up(), "device", Health.up()), pki, server.baseUrl());
            u.start();
            scheduler.advance(Duration.ofSeconds(4));
            assertTrue(slots.trial().isPresent(), "committed before the update server was reached");
            assertEquals(0, server.polls());
            scheduler.advance(Duration.ofSeconds(1)); // the first poll, on its own thread
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (server.polls() == 0 && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
            }
            while (slots.trial().isPresent() && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
                scheduler.advance(Duration.ofSeconds(1));
            }
            assertTrue(slots.trial().isEmpty(), "not committed after a successful poll");
            assertTrue(server.polls() >= 1);
            assertTrue(events.stream().anyMatch(e -> e.type().equals("update.committed")), events.toString());
            u.stop();
        }
    }

    @Test
    void withoutABrokerAnUnreachableUpdateServerFailsTheTrial() throws Exception {
        AgentUpdates.updater(home, "1.0.0", java.time.Clock.systemUTC()).apply(bundle("1.1.0", "rw-100"), (p, d, t) -> { });
        io.roomwire.sim.cloud.SimPki pki = new io.roomwire.sim.cloud.SimPki("update-unreached");
        java.net.URI gone;
        try (io.roomwire.sim.cloud.hawkbit.SimHawkbit server = new io.roomwire.sim.cloud.hawkbit.SimHawkbit(pki, "DEFAULT", "t0ken")) {
            gone = server.baseUrl(); // closed again: nothing answers there
        }
        VirtualScheduler scheduler = new VirtualScheduler();
        AgentUpdates u = withHawkbitAt(scheduler, Map.of("sip", Health.up()), pki, gone);
        u.start();
        scheduler.advance(Duration.ofSeconds(601));
        assertEquals(List.of("update trial failed"), restarts);
        assertTrue(slots.trial().orElseThrow().get("failed").contains("update server (update.hawkbit-url) not reached"),
                slots.trial().toString());
        u.stop();
    }

    @Test
    void aRestartWaitingForTheMaintenanceWindowFollowsANewWindowWithoutARestart() throws Exception {
        AgentUpdates.updater(home, "1.0.0", java.time.Clock.systemUTC()).apply(bundle("1.1.0", "rw-100"), (p, d, t) -> { });
        VirtualScheduler scheduler = new VirtualScheduler(Instant.parse("2026-12-06T14:00:00Z"));
        UpdatePolicy policy = new UpdatePolicy(() -> false, () -> false, java.util.Optional.of("02:00-04:00"), scheduler.clock(),
                java.time.ZoneId.of("Europe/Berlin"));
        AgentUpdates u = new AgentUpdates(slots, AgentUpdates.updater(home, "1.0.0", scheduler.clock()), policy, scheduler,
                events::add, Map::of, restarts::add, Duration.ofSeconds(60));
        u.restartWhenAllowed("update to 1.1.0");
        scheduler.advance(Duration.ofMinutes(5));
        assertTrue(restarts.isEmpty(), "restarted outside the window: " + restarts);
        assertTrue(u.health().toString().contains("the maintenance window 02:00-04:00"), u.health().toString());
        // An operator moves the window to now (15:00-16:00 in Berlin is 14:00-15:00 UTC), as a config reload hands it over.
        io.roomwire.agent.config.Config next = io.roomwire.agent.config.Config.parse("test",
                "mqtt.maintenance-window = 15:00-16:00\ndevice.time-zone = Europe/Berlin\n", Map.of(),
                io.roomwire.agent.config.Settings.all());
        AgentUpdates.configApplied(policy, next);
        scheduler.advance(AgentUpdates.RESTART_RECHECK);
        assertEquals(List.of("update to 1.1.0"), restarts);
    }

    @Test
    void updateApplyCommandDownloadsOverHttpsWithProgressEventsOrIsRefusedWithTheReason() throws Exception {
        io.roomwire.sim.cloud.SimPki pki = new io.roomwire.sim.cloud.SimPki("update-command");
        io.roomwire.updater.Updater updater = httpsUpdater(pki);
        VirtualScheduler scheduler = new VirtualScheduler();
        boolean[] inCall = {true};
        AgentUpdates u = new AgentUpdates(slots, updater, new UpdatePolicy(() -> inCall[0], () -> false, java.util.Optional.empty(),
                scheduler.clock(), java.time.ZoneId.of("UTC")), scheduler, events::add, Map::of, restarts::add, Duration.ofSeconds(60));
        io.roomwire.agent.mgmt.CommandRegistry registry = new io.roomwire.agent.mgmt.CommandRegistry();
        u.register(registry);
        io.roomwire.agent.mgmt.CommandRegistry.Command cmd = registry.find("update.apply").orElseThrow();
        assertEquals(io.roomwire.agent.mgmt.CommandRegistry.Access.CHANGE, cmd.access());
        try (io.roomwire.sim.cloud.hawkbit.SimHawkbit server = new io.roomwire.sim.cloud.hawkbit.SimHawkbit(pki, "DEFAULT", "x")) {
            Path good = bundle("1.1.0", "rw-100");
            Path other = bundle("1.2.0", "rw-900");
            com.google.gson.JsonObject args = new com.google.gson.JsonObject();
            args.addProperty("url", server.serve("good.rwu", good).toString());
            args.addProperty("sha256", sha(good));
            io.roomwire.agent.mgmt.CommandRequest req = new io.roomwire.agent.mgmt.CommandRequest("update.apply", args, false,
                    java.util.Optional.of("operator"));
            io.roomwire.agent.mgmt.CommandException busy = org.junit.jupiter.api.Assertions.assertThrows(
                    io.roomwire.agent.mgmt.CommandException.class, () -> cmd.handler().handle(req));
            assertTrue(busy.getMessage().contains("the call to end"), busy.getMessage());
            inCall[0] = false;

            com.google.gson.JsonObject wrong = new com.google.gson.JsonObject();
            wrong.addProperty("url", server.serve("other.rwu", other).toString());
            wrong.addProperty("sha256", sha(other));
            java.util.concurrent.ExecutionException refused = org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.ExecutionException.class, () -> cmd.handler().handle(new io.roomwire.agent.mgmt.CommandRequest(
                            "update.apply", wrong, false, java.util.Optional.of("operator"))).toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS));
            io.roomwire.agent.mgmt.CommandException ce = (io.roomwire.agent.mgmt.CommandException) refused.getCause();
            assertEquals(io.roomwire.agent.mgmt.CommandException.Code.REFUSED, ce.code());
            assertTrue(ce.getMessage().startsWith("wrong_model: "), ce.getMessage());
            assertEquals("a", slots.currentSlot());

            com.google.gson.JsonElement result = cmd.handler().handle(req).toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals("installed", result.getAsJsonObject().get("state").getAsString());
            assertEquals("b", slots.currentSlot());
            assertTrue(events.stream().anyMatch(e -> e.type().equals("update.progress") && "download".equals(e.attributes().get("phase"))),
                    events.toString());
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (restarts.isEmpty() && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
            }
            assertEquals(List.of("update to 1.1.0"), restarts);
        }
    }

    /** The device's updater downloading over HTTPS from a server of {@code pki}, retrying quickly. */
    private io.roomwire.updater.Updater httpsUpdater(io.roomwire.sim.cloud.SimPki pki) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().sslContext(pki.sslContext(null)).build();
        return new io.roomwire.updater.Updater(slots,
                new io.roomwire.updater.TrustStore(home.resolve("root.json")), AgentUpdates.identity(home, "1.0.0"),
                java.time.Clock.systemUTC(), new io.roomwire.updater.Downloader(http, new io.roomwire.core.time.Backoff(
                        Duration.ofMillis(10), Duration.ofMillis(20)), d -> { }, 2, Duration.ofSeconds(60)),
                io.roomwire.updater.Updater.Settings.defaults(), () -> Long.MAX_VALUE);
    }

    private static String sha(Path f) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    }
    @Test
    void restartsIntoAnInstalledUpdateOnlyOnceACallThatBeganDuringTheInstallEnds() throws Exception {
        io.roomwire.sim.cloud.SimPki pki = new io.roomwire.sim.cloud.SimPki("update-restart");
        io.roomwire.updater.Updater updater = httpsUpdater(pki);
        VirtualScheduler scheduler = new VirtualScheduler();
        boolean[] inCall = {false};
        // The room's call starts while the bundle downloads: the policy said yes when the command came.
        io.roomwire.core.event.EventSink sink = e -> {
            events.add(e);
            if (e.type().equals("update.progress")) {
                inCall[0] = true;
            }
        };
        AgentUpdates u = new AgentUpdates(slots, updater, new UpdatePolicy(() -> inCall[0], () -> false, java.util.Optional.empty(),
                scheduler.clock(), java.time.ZoneId.of("UTC")), scheduler, sink, Map::of, restarts::add, Duration.ofSeconds(60));
        io.roomwire.agent.mgmt.CommandRegistry registry = new io.roomwire.agent.mgmt.CommandRegistry();
        u.register(registry);
        try (io.roomwire.sim.cloud.hawkbit.SimHawkbit server = new io.roomwire.sim.cloud.hawkbit.SimHawkbit(pki, "DEFAULT", "x")) {
            Path good = bundle("1.1.0", "rw-100");
            com.google.gson.JsonObject args = new com.google.gson.JsonObject();
            args.addProperty("url", server.serve("good.rwu", good).toString());
            args.addProperty("sha256", sha(good));
            com.google.gson.JsonElement result = registry.find("update.apply").orElseThrow().handler().handle(
                    new io.roomwire.agent.mgmt.CommandRequest("update.apply", args, false, java.util.Optional.of("operator")))
                    .toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals("installed", result.getAsJsonObject().get("state").getAsString());
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (u.health().isUp() && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
            }
            assertTrue(u.health().toString().contains("waits for the call to end"), u.health().toString());
            scheduler.advance(Duration.ofMinutes(10));
            assertTrue(restarts.isEmpty(), "restarted during the call: " + restarts);
            inCall[0] = false;
            scheduler.advance(AgentUpdates.RESTART_RECHECK);
            assertEquals(List.of("update to 1.1.0"), restarts);
        }
    }
}
