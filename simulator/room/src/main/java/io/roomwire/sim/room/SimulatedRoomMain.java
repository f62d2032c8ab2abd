package io.roomwire.sim.room;

import io.roomwire.agent.config.SettingType;
import io.roomwire.core.log.LogSetup;
import io.roomwire.core.time.SystemScheduler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The README's main job: a simulated room on embedded defaults, no account needed. Prints the
 * touch panel and the agent's state whenever they change; runs until Ctrl-C or {@code --for}.
 */
public final class SimulatedRoomMain {

    private SimulatedRoomMain() {
    }

    public static void main(String[] args) throws Exception {
        Duration runFor = Duration.ZERO;
        Duration approveAfter = Duration.ofSeconds(5);
        Path state = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--for" -> runFor = SettingType.DURATION.parse(args[++i]);
                case "--state" -> state = Path.of(args[++i]);
                case "--approve-after" -> approveAfter = SettingType.DURATION.parse(args[++i]);
                default -> {
                    System.err.println("usage: simulated-room [--for DURATION] [--state DIR] [--approve-after DURATION]");
                    System.exit(2);
                }
            }
        }
        if (state == null) {
            state = Files.createTempDirectory("roomwire-sim-room-");
        }
        LogSetup.configure("RW-SIM-0401", "warn");
        SystemScheduler scheduler = new SystemScheduler(4);
        SimCloud cloud = SimCloud.start(Files.createDirectories(state.resolve("cloud")), scheduler.clock(), approveAfter);
        SimulatedRoom room = SimulatedRoom.builder().scheduler(scheduler).stateDir(state.resolve("agent")).cloud(cloud).build();
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            room.close();
            cloud.close();
            System.out.println("Simulated room stopped.");
            done.countDown();
        }, "sim-room-shutdown"));
        cloud.bookDemoMeetings("401", java.time.ZoneOffset.UTC);
        System.out.println("Simulated room starting (state in " + state + "); Ctrl-C to stop.");
        room.start();
        String[] last = {""};
        scheduler.scheduleAtFixedRate(Duration.ZERO, Duration.ofMillis(250), () -> {
            String v = room.view().replaceAll("up \\d+ s", "");
            if (!v.equals(last[0])) {
                last[0] = v;
                System.out.println();
                System.out.print(room.view());
                System.out.flush();
            }
        });
        if (runFor.isZero()) {
            done.await();
        } else if (!done.await(runFor.toMillis(), TimeUnit.MILLISECONDS)) {
            System.exit(0);
        }
    }

}
