package io.roomwire.sim.room.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fleet spread over sites: rooms report to a site's Mosquitto, bridged (MQTT 5) to the operators'
 * Mosquitto where two collectors share the events and the operator runs {@code roomwire ctl fleet}.
 */
class FleetBridgeTest {

    @TempDir
    Path dir;

    @Test
    void statusesEventsAndCommandsCrossTheBridgeWithNothingLost() throws Exception {
        try (FleetRig rig = FleetRig.start(dir, 2, 7, true)) {
            rig.awaitHealthy(Duration.ofMinutes(3));
            String mark = rig.emitMark();
            rig.awaitDelivered(mark, Duration.ofSeconds(60));
            assertEquals(Map.of(), rig.ledger.gaps());
            // the retained status follows a health change within the health watch (2 s) and the bridge's hop
            FleetRig.await("ctl fleet shows both rooms healthy", Duration.ofSeconds(30),
                    () -> rig.ctl("fleet").out().contains("2 devices, 2 healthy"), () -> rig.ctl("fleet").toString());
            // a request/response round trip needs the response topic and correlation data to cross the bridge
            FleetRig.Run send = rig.ctl("--timeout", "30s", "fleet", "--send", "status.get");
            assertEquals(0, send.code(), send::toString);
            assertTrue(send.out().contains("2 sent, 2 ok"), send.out());
            // the operators' broker restarts: the bridge reconnects and queued events still arrive
            rig.ops.restart();
            String after = rig.emitMark();
            rig.awaitDelivered(after, Duration.ofSeconds(90));
            assertEquals(Map.of(), rig.ledger.gaps());
        }
    }
}
