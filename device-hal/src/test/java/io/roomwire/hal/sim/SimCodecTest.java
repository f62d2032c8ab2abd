package io.roomwire.hal.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.Codec;
import io.roomwire.hal.MediaKind;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class SimCodecTest {

    private final VirtualScheduler scheduler = new VirtualScheduler();
    private final SimCodec codec = new SimCodec(scheduler);

    @Test
    void twoSessionsExchangeRealRtpAtFramePacing() throws Exception {
        try (Codec.MediaSession b = codec.open(List.of(
                new Codec.StreamPlan(MediaKind.AUDIO, 0, "PCMU", 8000, null),
                new Codec.StreamPlan(MediaKind.VIDEO, 96, "H264", 90000, null)))) {
            InetSocketAddress bAudio = b.localPorts().get(MediaKind.AUDIO);
            InetSocketAddress bVideo = b.localPorts().get(MediaKind.VIDEO);
            try (Codec.MediaSession a = codec.open(List.of(
                    new Codec.StreamPlan(MediaKind.AUDIO, 0, "PCMU", 8000, bAudio),
                    new Codec.StreamPlan(MediaKind.VIDEO, 96, "H264", 90000, bVideo)))) {
                scheduler.advance(Duration.ofSeconds(1));
                // 50 audio frames of 20 ms; 15 video frames of 3 packets each.
                assertEquals(50, a.sent(MediaKind.AUDIO).packets());
                assertEquals(45, a.sent(MediaKind.VIDEO).packets());
                await(() -> b.received(MediaKind.AUDIO).packets() == 50 && b.received(MediaKind.VIDEO).packets() == 45);
                assertEquals(0, b.received(MediaKind.AUDIO).lost());
                assertEquals(50 * (12 + 160), b.received(MediaKind.AUDIO).bytes());
                assertEquals(2, codec.openSessions());
            }
        }
        assertEquals(0, codec.openSessions());
        assertEquals(0, scheduler.pending(), "closing a session stops its pacing");
    }

    @Test
    void ignoresDatagramsThatAreNotRtp() throws Exception {
        try (Codec.MediaSession s = codec.open(List.of(new Codec.StreamPlan(MediaKind.AUDIO, 0, "PCMU", 8000, null)))) {
            try (java.net.DatagramSocket junk = new java.net.DatagramSocket()) {
                byte[] garbage = "hello, not rtp".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                junk.send(new java.net.DatagramPacket(garbage, garbage.length, s.localPorts().get(MediaKind.AUDIO)));
                byte[] rtp = new byte[20];
                rtp[0] = (byte) 0x80;
                junk.send(new java.net.DatagramPacket(rtp, rtp.length, s.localPorts().get(MediaKind.AUDIO)));
            }
            await(() -> s.received(MediaKind.AUDIO).packets() == 1);
            assertTrue(s.received(MediaKind.AUDIO).bytes() == 20);
        }
    }

    private static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            LockSupport.parkNanos(1_000_000);
        }
    }
}
