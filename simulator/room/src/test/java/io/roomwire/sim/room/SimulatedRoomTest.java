package io.roomwire.sim.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.health.Health;
import io.roomwire.core.time.VirtualScheduler;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatedRoomTest {

    @TempDir
    Path state;

    @Test
    void bootsTheAgentOnTheSimulatedHardwareWithEveryServiceUp() throws Exception {
        VirtualScheduler scheduler = new VirtualScheduler();
        try (SimulatedRoom room = SimulatedRoom.builder().scheduler(scheduler).stateDir(state).build()) {
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
        VirtualScheduler scheduler = new VirtualScheduler();
        try (SimulatedRoom room = SimulatedRoom.builder().scheduler(scheduler).stateDir(state).build()) {
            room.start();
            ((io.roomwire.hal.sim.SimCamera) room.agent().device().camera()).setHealthy(false);
            assertEquals(Health.degraded("camera failed"), room.agent().health().get("device"));
        }
    }
}
