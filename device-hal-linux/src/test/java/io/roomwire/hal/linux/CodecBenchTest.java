package io.roomwire.hal.linux;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The codec bench in small (320x180, 2 s) so it cannot rot: it runs and measures something. */
class CodecBenchTest {

    @Test
    void theSendPathLatencyIsMeasuredPerFrame() throws Exception {
        List<Long> lat = CodecBench.sendLatency(320, 180, 15, 2);
        assertTrue(lat.size() >= 5, "latencies of " + lat.size() + " frames");
        assertTrue(lat.stream().allMatch(ns -> ns > 0), lat.toString());
    }
}
