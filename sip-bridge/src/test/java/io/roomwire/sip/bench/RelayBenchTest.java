package io.roomwire.sip.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The relay bench in small (half a second per direction) so it cannot rot: packets pass and CPU is counted. */
class RelayBenchTest {

    @Test
    void packetsCrossTheRelayBothWaysAndItsThreadsCpuIsMeasured() throws Exception {
        for (boolean fromCodec : new boolean[] {true, false}) {
            RelayBench.Result r = RelayBench.relay(true, fromCodec, Duration.ofMillis(500));
            assertTrue(r.packets() > 100, (fromCodec ? "codec → far: " : "far → codec: ") + r);
            assertTrue(r.cpuNanos() > 0, "the relay's threads were not found: " + r);
        }
        RelayBench.Result ref = RelayBench.forwarder(Duration.ofMillis(500));
        assertTrue(ref.packets() > 100 && ref.cpuNanos() > 0, ref.toString());
    }
}
