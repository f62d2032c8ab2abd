package io.roomwire.sim.room;

import io.roomwire.agent.config.SettingType;
import io.roomwire.core.log.LogSetup;
import io.roomwire.core.time.Scheduler;
import io.roomwire.core.time.SystemScheduler;
import io.roomwire.hal.PanelButton;
import io.roomwire.sim.room.broker.EmbeddedBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The README's main job: a simulated room on embedded defaults, no account needed. The simulated
 * cloud (Entra, Graph, MDM, a Cisco CVI gateway, an MQTT broker) runs on loopback; the agent signs
 * in with the code on its panel (approved by a simulated admin), enrolls in MDM, shows Join buttons
 * for the booked meetings, and a simulated person presses Join, stays in the call for a while and
 * hangs up. The panel and the agent's state are printed whenever they change.
 */
public final class SimulatedRoomMain {

    private SimulatedRoomMain() {
    }

    public static void main(String[] args) throws Exception {
        if (io.roomwire.sim.room.fleet.FleetMain.wanted(java.util.List.of(args))) {
            io.roomwire.sim.room.fleet.FleetMain.main(args);
            return;
        }
        Duration runFor = Duration.ZERO;
        Duration approveAfter = Duration.ofSeconds(5);
        Duration pressAfter = Duration.ofSeconds(5);
        Duration callFor = Duration.ofSeconds(30);
        Path state = null;
        boolean broker = true;
        int panelPort = 8480;
        boolean terminal = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--for" -> runFor = SettingType.DURATION.parse(args[++i]);
                case "--state" -> state = Path.of(args[++i]);
                case "--approve-after" -> approveAfter = SettingType.DURATION.parse(args[++i]);
                case "--call-for" -> callFor = SettingType.DURATION.parse(args[++i]);
                case "--no-broker" -> broker = false;
                case "--panel-port" -> panelPort = Integer.parseInt(args[++i]);
                case "--terminal" -> terminal = true;
                default -> {
                    System.err.println("usage: simulated-room [--for DURATION] [--state DIR] [--approve-after DURATION]"
                            + " [--call-for DURATION] [--no-broker] [--panel-port PORT] [--terminal]");
                    System.exit(2);
                }
            }
        }
        if (state == null) {
            state = Files.createTempDirectory("roomwire-sim-room-");
        }
        LogSetup.configure("RW-SIM-0401", "warn");
        SystemScheduler scheduler = new SystemScheduler(4);
        System.out.println("Starting the simulated cloud on 127.0.0.1: Entra, Graph, MDM, Cisco CVI gateway"
                + (broker ? ", MQTT broker" : "") + " ...");
        SimCloud cloud = SimCloud.start(Files.createDirectories(state.resolve("cloud")), scheduler.clock(), approveAfter);
        Optional<EmbeddedBroker> mqtt = broker ? Optional.of(cloud.startBroker()) : Optional.empty();
        SimulatedRoom room = SimulatedRoom.builder().scheduler(scheduler).stateDir(state.resolve("agent")).cloud(cloud)
                .set("panel.http-port", Integer.toString(panelPort)).build();
        cloud.bookMeetingNow("401", ZoneOffset.UTC);
        cloud.bookWebRtcMeetingNow("401", ZoneOffset.UTC);
        cloud.bookDemoMeetings("401", ZoneOffset.UTC);
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            room.close();
            cloud.close();
            System.out.println("Simulated room stopped.");
            done.countDown();
        }, "sim-room-shutdown"));
        System.out.println("Simulated room 401 starting (state in " + state + "); Ctrl-C to stop.");
        mqtt.ifPresent(b -> {
            System.out.println("MQTT broker: " + b.url() + "  (mutual TLS; CA " + b.caFile() + ")");
            System.out.println("Manage this room from another terminal (after building once):");
            System.out.println("  java -cp 'simulator/room/target/classes:simulator/room/target/lib/*' io.roomwire.agent.Main "
                    + b.ctlLine("RW-SIM-0401").substring("roomwire ".length()));
        });
        room.start();
        room.webPanel().filter(w -> w.running()).ifPresentOrElse(
                w -> System.out.println("Touch panel: " + w.url() + "  (open it in a browser; it is the room's screen)"),
                () -> System.out.println("Touch panel web page not served (port " + room.agent().config().get(
                        io.roomwire.agent.panel.web.WebPanelSettings.PORT)
                        + " in use? try --panel-port 0); the terminal view follows"));
        boolean drawPanel = terminal || room.webPanel().filter(w -> w.running()).isEmpty();
        pressJoinWhenShown(room, scheduler, SimCloud.DEMO_SUBJECT, pressAfter, callFor);
        // Then the Teams-only meeting, over WebRTC, once the SIP call is over.
        pressJoinWhenShown(room, scheduler, SimCloud.WEBRTC_DEMO_SUBJECT, pressAfter.plus(callFor).plusSeconds(5), callFor);
        String[] last = {""};
        scheduler.scheduleAtFixedRate(Duration.ZERO, Duration.ofSeconds(1), () -> {
            String v = (drawPanel ? room.view() : room.agent().status().render(room.agent().health()))
                    .replaceAll("up \\d+ s", "").replaceAll("expires in \\d+:\\d+", "");
            if (!v.equals(last[0])) {
                last[0] = v;
                System.out.println();
                System.out.print(drawPanel ? room.view() : room.agent().status().render(room.agent().health()));
                System.out.flush();
            }
        });
        if (runFor.isZero()) {
            done.await();
        } else if (!done.await(runFor.toMillis(), TimeUnit.MILLISECONDS)) {
            System.exit(0);
        }
    }

    /** The simulated person: presses Join on the meeting that is on now, and hangs up after a while. */
    private static void pressJoinWhenShown(SimulatedRoom room, Scheduler scheduler, String subject, Duration pressAfter,
                                           Duration callFor) {
        AtomicBoolean pressed = new AtomicBoolean();
        Scheduler.Cancellable[] watch = new Scheduler.Cancellable[1];
        watch[0] = scheduler.scheduleAtFixedRate(Duration.ofMillis(500), Duration.ofMillis(500), () -> {
            Optional<String> button = room.panel().current().filter(s -> s.kind().equals("home"))
                    .flatMap(s -> s.buttons().stream().filter(b -> b.detail().contains(subject))
                            .map(PanelButton::id).findFirst());
            if (button.isPresent() && pressed.compareAndSet(false, true)) {
                watch[0].cancel();
                scheduler.schedule(pressAfter, () -> {
                    System.out.println("\n>>> A person in the room presses Join on \"" + subject + "\"");
                    room.panel().current().filter(s -> s.buttons().stream().anyMatch(b -> b.id().equals(button.get())))
                            .ifPresent(s -> room.panel().press(button.get()));
                    scheduler.schedule(callFor, () -> room.panel().current().filter(s -> s.kind().equals("call"))
                            .ifPresent(s -> {
                                System.out.println("\n>>> The person presses Hang up");
                                room.panel().press("call.hangup");
                            }));
                });
            }
        });
    }
}
