package io.roomwire.sim.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.health.Health;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.Screen;
import io.roomwire.sim.room.e2e.RoomFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatedRoomTest {

    @TempDir
    Path dir;

    private final VirtualScheduler scheduler = new VirtualScheduler();
    private SimCloud cloud;

    @AfterEach
    void closeCloud() {
        if (cloud != null) {
            cloud.close();
        }
    }

    /** Moves virtual time a second at a time (letting real sockets answer) until the condition holds. */
    private void until(BooleanSupplier condition, Duration virtualLimit, SimulatedRoom room) {
        RoomFixture.until(scheduler, condition, virtualLimit,
                () -> "condition not met within " + virtualLimit + " of virtual time:\n" + room.view());
    }

    @Test
    void bootsTheAgentOnTheSimulatedHardwareWithEveryServiceUp() throws Exception {
        try (SimulatedRoom room = SimulatedRoom.builder().scheduler(scheduler).stateDir(dir).build()) {
            room.start();
            scheduler.advance(Duration.ofSeconds(5));
            assertTrue(room.agent().allUp(), room.view());
            assertEquals("RW-SIM-0401", room.agent().deviceId());
            String view = room.view();
            assertTrue(view.contains("device RW-SIM-0401") && view.contains("device       UP"), view);
        }
    }

    @Test
    void aFailedPeripheralDegradesTheDeviceService() throws Exception {
        try (SimulatedRoom room = SimulatedRoom.builder().scheduler(scheduler).stateDir(dir).build()) {
            room.start();
            ((io.roomwire.hal.sim.SimCamera) room.agent().device().camera()).setHealthy(false);
            assertEquals(Health.degraded("camera failed (camera not responding)"), room.agent().health().get("device"));
        }
    }

    @Test
    void showsTheDeviceCodeThenTheSimulatedAdminApprovesAndTheRoomIsEnrolled() throws Exception {
        cloud = SimCloud.start(dir.resolve("cloud"), scheduler.clock(), Duration.ofSeconds(5));
        try (SimulatedRoom room = SimulatedRoom.builder().scheduler(scheduler).stateDir(dir.resolve("agent"))
                .cloud(cloud).build()) {
            room.start();
            until(() -> room.panel().history().stream().anyMatch(s -> s.kind().equals("device-code")),
                    Duration.ofSeconds(10), room);
            Screen code = room.panel().history().stream().filter(s -> s.kind().equals("device-code")).findFirst().orElseThrow();
            assertTrue(code.data().containsKey("qr") && code.data().containsKey("user_code"), code.toString());
            until(() -> room.agent().allUp(), Duration.ofSeconds(60), room);
            assertTrue(room.panel().history().stream().anyMatch(s -> String.join(" ", s.lines()).contains("room401@contoso.example")
                    || s.title().contains("room401@contoso.example")), room.view());
        }
    }

    @Test
    void aRestartedCloudHonoursTheSignInAndEnrollmentTheRoomStoredSoTheRoomCarriesOnWithoutANewCode() throws Exception {
        cloud = SimCloud.start(dir.resolve("cloud"), scheduler.clock(), Duration.ofSeconds(5));
        String deviceId;
        try (SimulatedRoom room = SimulatedRoom.builder().scheduler(scheduler).stateDir(dir.resolve("agent"))
                .cloud(cloud).build()) {
            room.start();
            until(() -> room.agent().allUp() && cloud.mdm().devices().stream().anyMatch(d -> d.enrolled()),
                    Duration.ofSeconds(120), room);
            deviceId = cloud.mdm().devices().get(0).deviceId();
        }
        cloud.close();
        // as after a power cut: the same cloud work dir and room state, new processes and (but for MDM) new ports
        cloud = SimCloud.start(dir.resolve("cloud"), scheduler.clock(), Duration.ofSeconds(5));
        assertEquals(java.util.List.of(), cloud.entra().devicePolls(), "no device code polled before the room starts");
        try (SimulatedRoom room = SimulatedRoom.builder().scheduler(scheduler).stateDir(dir.resolve("agent"))
                .cloud(cloud).build()) {
            room.start();
            until(() -> room.agent().allUp() && cloud.mdm().device(deviceId).map(d -> d.sessions() > 0).orElse(false),
                    Duration.ofSeconds(60), room);
            assertTrue(room.panel().history().stream().noneMatch(s -> s.kind().equals("device-code")), room.view());
            assertEquals(java.util.List.of(), cloud.entra().requests().stream()
                    .filter(r -> r.isDeviceCodeRequest()).toList(), "the room asked for a new sign-in code");
            assertEquals(java.util.Optional.of(true), cloud.mdm().device(deviceId).flatMap(d -> d.compliant()),
                    "the device the MDM kept checks in with its stored certificate and is compliant");
        }
        for (String key : java.util.List.of("cloud-ca", "entra-signing-key", "mdm-ca")) {
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(java.nio.file.Files
                    .getPosixFilePermissions(cloud.stateDir().resolve(key))), key);
        }
    }

    @Test
    void afterSignInTheBookedMeetingsShowJoinButtons() throws Exception {
        cloud = SimCloud.start(dir.resolve("cloud"), scheduler.clock(), Duration.ofSeconds(5));
        try (SimulatedRoom room = SimulatedRoom.builder().scheduler(scheduler).stateDir(dir.resolve("agent"))
                .cloud(cloud).build()) {
            cloud.bookDemoMeetings("401", java.time.ZoneOffset.UTC);
            room.start();
            until(() -> room.panel().current().map(s -> s.kind().equals("home") && !s.buttons().isEmpty()).orElse(false),
                    Duration.ofSeconds(90), room);
            Screen home = room.panel().current().orElseThrow();
            assertTrue(home.buttons().stream().anyMatch(b -> b.label().startsWith("Join")), home.toString());
            until(() -> room.agent().allUp(), Duration.ofSeconds(30), room);
        }
    }

    @Test
    void aRoomBelowTheRequiredFirmwareIsNotCompliantAndRecoversAfterAnUpdate() throws Exception {
        cloud = SimCloud.start(dir.resolve("cloud"), scheduler.clock(), Duration.ofSeconds(5));
        try (SimulatedRoom room = SimulatedRoom.builder().scheduler(scheduler).stateDir(dir.resolve("agent"))
                .cloud(cloud).firmware("1.2.0").build()) {
            room.start();
            until(() -> room.panel().currentBanner().isPresent(), Duration.ofSeconds(120), room);
            assertTrue(room.panel().currentBanner().orElseThrow().contains("1.4"), room.view());
            until(() -> cloud.mdm().devices().stream().anyMatch(d -> d.enrolled()), Duration.ofSeconds(120), room);
            room.deviceInfo().setFirmwareVersion("1.4.2");
            until(() -> room.panel().currentBanner().isEmpty(), Duration.ofSeconds(300), room);
        }
    }

    @Test
    void pressingJoinCallsTheCviGatewayWithSrtpMediaBothWaysAndHangingUpEndsIt() throws Exception {
        try (SimulatedRoom room = roomInTheDemoMeeting()) {
            until(() -> room.panel().current().map(s -> s.kind().equals("call")).orElse(false), Duration.ofSeconds(5), room);
            var call = cloud.gateway().lastCall().orElseThrow();
            assertTrue(call.requestUri().contains(SimCloud.DEMO_VIDEO_ID), call.requestUri());
            assertTrue(call.media().orElseThrow().suite().isPresent(), "media is SRTP");
            until(() -> room.agent().status().activity().startsWith("in a call"), Duration.ofSeconds(5), room);
            until(() -> room.panel().current().map(s -> String.join(" ", s.lines()).matches(".*received [1-9].*")).orElse(false),
                    Duration.ofSeconds(10), room);
            room.panel().press("call.hangup");
            until(() -> call.byeFromRoom() && room.panel().current().map(s -> s.kind().equals("home")).orElse(false),
                    Duration.ofSeconds(10), room);
        }
    }

    /**
     * Stopping the agent in a call (Ctrl-C in the demo, systemd's stop) is no fault. When a TLS connection ends, jain-sip
     * wakes its reader with two CRLFs, which the reader takes for an RFC 5626 keep-alive and answers on the closed
     * socket (even reconnecting for it): none of that may reach the log as a warning or error.
     */
    @Test
    void stoppingTheAgentInACallLeavesNoSipStackWarningsInTheLog() throws Exception {
        SimulatedRoom room = roomInTheDemoMeeting();
        String mark = "SimulatedRoomTest: the room stops now " + java.util.UUID.randomUUID();
        org.tinylog.Logger.info(mark);
        // As bin/simulated-room stops: the agent, then at once the cloud, whose gateway closes its end of the TLS
        // connection while the room's stack is still stopping.
        room.close();
        cloud.close();
        cloud = null;
        // Every SIP reader thread ends once its socket has closed (the room's, and the gateway's end of the same
        // connection): bounded, as real sockets are involved.
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (sipReaders() > 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
        assertEquals(0, sipReaders(), "SIP reader threads still running 30 s after the stop");
        java.util.List<String> complaints = io.roomwire.core.log.ScrubbingWriter.after(mark).stream()
                .filter(l -> l.contains("TinylogStackLogger") && (l.contains(" WARN ") || l.contains(" ERROR "))).toList();
        assertTrue(complaints.isEmpty(), () -> "jain-sip complained about a clean stop: " + complaints);
    }

    private static long sipReaders() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("PipelineThread")).count();
    }

    /** A signed-in room whose person pressed Join on the meeting that is on now; media flows both ways. */
    private SimulatedRoom roomInTheDemoMeeting() throws Exception {
        cloud = SimCloud.start(dir.resolve("cloud"), scheduler.clock(), Duration.ofSeconds(5));
        SimulatedRoom room = SimulatedRoom.builder().scheduler(scheduler).stateDir(dir.resolve("agent")).cloud(cloud).build();
        cloud.bookMeetingNow("401", java.time.ZoneOffset.UTC);
        room.start();
        until(() -> joinButton(room).isPresent(), Duration.ofSeconds(90), room);
        room.panel().press(joinButton(room).orElseThrow());
        until(() -> room.agent().status().activity().startsWith("in a call") && cloud.gateway().lastCall()
                .flatMap(c -> c.media()).map(m -> m.received(io.roomwire.sim.cloud.gateway.media.GatewayMedia.Kind.AUDIO)
                        .packets() > 20).orElse(false), Duration.ofSeconds(30), room);
        return room;
    }

    private static java.util.Optional<String> joinButton(SimulatedRoom room) {
        return room.panel().current().filter(s -> s.kind().equals("home")).flatMap(s -> s.buttons().stream()
                .filter(b -> b.detail().contains(SimCloud.DEMO_SUBJECT)).map(io.roomwire.hal.PanelButton::id).findFirst());
    }

    @Test
    void anOperatorManagesTheRoomOverMqttThroughTheEmbeddedBrokerWithSignedCommands() throws Exception {
        cloud = SimCloud.start(dir.resolve("cloud"), java.time.Clock.systemUTC(), Duration.ofSeconds(1));
        var broker = cloud.startBroker();
        io.roomwire.core.time.SystemScheduler real = new io.roomwire.core.time.SystemScheduler(4);
        try (SimulatedRoom room = SimulatedRoom.builder().scheduler(real).stateDir(dir.resolve("agent")).cloud(cloud).build()) {
            room.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!room.agent().health().get("mqtt").isUp()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("mqtt not UP within 60 s:\n" + room.view());
                }
                LockSupport.parkNanos(20_000_000);
            }
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
            String[] line = broker.ctlLine("RW-SIM-0401").substring("roomwire ".length()).split(" ");
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(line).subList(1, line.length));
            args.add("--json");
            int code = new io.roomwire.agent.mgmt.ctl.MgmtCtl().run(args, new java.io.PrintStream(out, true),
                    new java.io.PrintStream(err, true));
            assertEquals(0, code, out + "\n" + err);
            assertTrue(out.toString().contains("\"online\":true"), out.toString());
            assertTrue(out.toString().contains("RW-SIM-0401") || out.toString().contains("services"), out.toString());
            long mdmDeadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!room.agent().health().get("mdm").isUp() && System.nanoTime() < mdmDeadline) {
                LockSupport.parkNanos(20_000_000);
            }
            out.reset();
            args.set(args.size() - 2, "compliance.checkin");
            assertEquals(0, new io.roomwire.agent.mgmt.ctl.MgmtCtl().run(args, new java.io.PrintStream(out, true),
                    new java.io.PrintStream(err, true)), out + "\n" + err);
            assertTrue(out.toString().contains("\"compliant\":true") || out.toString().contains("\"compliant\": true"),
                    out.toString());
        } finally {
            real.close();
        }
    }

    @Test
    void theGatewayHangingUpEndsTheCallAndTheMeetingListComesBack() throws Exception {
        try (SimulatedRoom room = roomInTheDemoMeeting()) {
            cloud.gateway().lastCall().orElseThrow().hangUp();
            until(() -> room.panel().current().map(s -> s.kind().equals("home")).orElse(false)
                    && room.agent().status().activity().equals("idle"), Duration.ofSeconds(30), room);
        }
    }
}
