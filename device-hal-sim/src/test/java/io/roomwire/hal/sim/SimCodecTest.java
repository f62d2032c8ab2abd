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
                // 50 audio frames of 20 ms; 15 video frames, each as many packets as its NAL units need.
                int videoPackets = packetsOfFirstPictures(15);
                assertEquals(50, a.sent(MediaKind.AUDIO).packets());
                assertEquals(videoPackets, a.sent(MediaKind.VIDEO).packets());
                assertTrue(videoPackets > 15, "the first picture's SPS, PPS and fragmented IDR take several packets");
                await(() -> b.received(MediaKind.AUDIO).packets() == 50 && b.received(MediaKind.VIDEO).packets() == videoPackets);
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

    @Test
    void packetizesH264PerRfc6184WithFuAForLargeNalUnits() throws Exception {
        H264Clip clip = SimCodec.videoClip();
        assertEquals(30, clip.size());
        assertTrue(clip.isKeyframe(0) && clip.isKeyframe(15) && !clip.isKeyframe(1));
        List<byte[]> first = clip.payloads(0, SimCodec.MAX_VIDEO_PAYLOAD);
        assertEquals(H264Clip.NAL_SPS, first.get(0)[0] & 0x1f);
        assertEquals(H264Clip.NAL_PPS, first.get(1)[0] & 0x1f);
        // The IDR is over 1200 bytes: FU-A fragments (type 28) with S on the first, E on the last (§5.8).
        List<byte[]> fragments = first.subList(2, first.size());
        assertTrue(fragments.size() >= 2, "the IDR should be fragmented");
        java.io.ByteArrayOutputStream idr = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < fragments.size(); i++) {
            byte[] fu = fragments.get(i);
            assertTrue(fu.length <= SimCodec.MAX_VIDEO_PAYLOAD);
            assertEquals(28, fu[0] & 0x1f);
            assertEquals(0x60, fu[0] & 0xe0, "F=0 and NRI=3 of the IDR carried in the indicator");
            assertEquals(i == 0, (fu[1] & 0x80) != 0, "start bit on fragment " + i);
            assertEquals(i == fragments.size() - 1, (fu[1] & 0x40) != 0, "end bit on fragment " + i);
            assertEquals(H264Clip.NAL_IDR, fu[1] & 0x1f);
            if (i == 0) {
                idr.write((fu[0] & 0xe0) | (fu[1] & 0x1f));
            }
            idr.write(fu, 2, fu.length - 2);
        }
        byte[] annexB = resource(SimCodec.VIDEO_CLIP);
        byte[] nal = idr.toByteArray();
        assertTrue(indexOf(annexB, nal) > 0, "reassembled fragments equal the clip's IDR NAL unit");
        // A P picture fits in one packet: a single NAL unit packet (§5.6).
        List<byte[]> second = clip.payloads(1, SimCodec.MAX_VIDEO_PAYLOAD);
        assertEquals(1, second.size());
        assertEquals(1, second.get(0)[0] & 0x1f);
    }

    @Test
    void sendsSpsPpsAndIdrOnTheNextFrameAfterAKeyframeRequest() throws Exception {
        try (java.net.DatagramSocket far = new java.net.DatagramSocket(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0))) {
            far.setSoTimeout(10_000);
            try (Codec.MediaSession s = codec.open(List.of(new Codec.StreamPlan(MediaKind.VIDEO, 96, "H264", 90000,
                    (InetSocketAddress) far.getLocalSocketAddress())))) {
                scheduler.advance(Duration.ofMillis(66 * 3));
                List<byte[]> start = receivePicture(far);
                assertEquals(H264Clip.NAL_SPS, start.get(0)[12] & 0x1f, "the stream starts with SPS");
                assertEquals(1, receivePicture(far).get(0)[12] & 0x1f, "then P pictures");
                assertEquals(1, receivePicture(far).get(0)[12] & 0x1f);

                s.requestKeyframe();
                scheduler.advance(Duration.ofMillis(66));
                List<byte[]> key = receivePicture(far);
                assertEquals(H264Clip.NAL_SPS, key.get(0)[12] & 0x1f);
                assertEquals(H264Clip.NAL_PPS, key.get(1)[12] & 0x1f);
                assertEquals(H264Clip.NAL_IDR, key.get(2)[13] & 0x1f, "an IDR in FU-A fragments");
                long ts = ts(key.get(0));
                key.forEach(p -> assertEquals(ts, ts(p), "one RTP timestamp per picture"));
                assertEquals(3L * 6000, ts - ts(start.get(0)), "90 kHz clock, 15 fps");
            }
        }
    }

    /** The packets of one picture: up to and including the one with the marker bit (RFC 6184 §5.1). */
    private static List<byte[]> receivePicture(java.net.DatagramSocket s) throws java.io.IOException {
        List<byte[]> out = new java.util.ArrayList<>();
        while (true) {
            java.net.DatagramPacket p = new java.net.DatagramPacket(new byte[2048], 2048);
            s.receive(p);
            byte[] b = java.util.Arrays.copyOf(p.getData(), p.getLength());
            out.add(b);
            if ((b[1] & 0x80) != 0) {
                return out;
            }
        }
    }

    private static long ts(byte[] rtp) {
        return ((rtp[4] & 0xffL) << 24) | ((rtp[5] & 0xff) << 16) | ((rtp[6] & 0xff) << 8) | (rtp[7] & 0xff);
    }

    private static int packetsOfFirstPictures(int n) {
        int total = 0;
        for (int i = 0; i < n; i++) {
            total += SimCodec.videoClip().payloads(i, SimCodec.MAX_VIDEO_PAYLOAD).size();
        }
        return total;
    }

    private static byte[] resource(String name) throws java.io.IOException {
        try (var in = SimCodec.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
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
