package io.roomwire.hal.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.Codec;
import io.roomwire.hal.G711;
import io.roomwire.hal.MediaKind;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The simulated codec's receive side: pictures a decoder could show, their size, and the audio level. */
class SimPlayoutTest {

    private final VirtualScheduler scheduler = new VirtualScheduler();
    private final SimCodec codec = new SimCodec(scheduler);

    @Test
    void countsTheFarEndsPicturesReadsTheirSizeAndMeasuresTheToneLevel() throws Exception {
        try (Codec.MediaSession room = codec.open(List.of(
                new Codec.StreamPlan(MediaKind.AUDIO, 0, "PCMU", 8000, null),
                new Codec.StreamPlan(MediaKind.VIDEO, 96, "H264", 90000, null)))) {
            assertEquals(Codec.Playout.NONE, room.playout(MediaKind.VIDEO));
            assertTrue(room.playout(MediaKind.AUDIO).audioLevelDbov().isEmpty(), "no level before any audio");
            try (Codec.MediaSession far = codec.open(List.of(
                    new Codec.StreamPlan(MediaKind.AUDIO, 0, "PCMU", 8000, room.localPorts().get(MediaKind.AUDIO)),
                    new Codec.StreamPlan(MediaKind.VIDEO, 96, "H264", 90000, room.localPorts().get(MediaKind.VIDEO))))) {
                scheduler.advance(Duration.ofSeconds(2));
                long sent = far.sent(MediaKind.VIDEO).packets();
                await(() -> room.received(MediaKind.VIDEO).packets() == sent && room.received(MediaKind.AUDIO).packets() == 100);
                Codec.Playout video = room.playout(MediaKind.VIDEO);
                assertEquals(30, video.framesDecoded(), "2 s of 15 fps pictures");
                assertEquals(320, video.width());
                assertEquals(180, video.height());
                // a sine of amplitude 12000: RMS 12000 / sqrt(2) = -11.7 dBov (G.711 quantisation adds little)
                double level = room.playout(MediaKind.AUDIO).audioLevelDbov().orElseThrow();
                assertEquals(-11.7, level, 0.5, "level of the far end's tone");
            }
        }
    }

    @Test
    void theSpeakerPlaysTheFarEndsAudioAtTheVolumeWhileTheLevelStaysWhatWasSent() throws Exception {
        double[] sum = new double[1];
        int[] n = new int[1];
        codec.onSpeaker((pcm, rate, channels) -> {
            synchronized (sum) {
                for (short v : pcm) {
                    sum[0] += (double) v * v;
                }
                n[0] += pcm.length;
            }
        });
        codec.setControls(new Codec.Controls(false, false, 25));
        try (Codec.MediaSession room = codec.open(List.of(new Codec.StreamPlan(MediaKind.AUDIO, 0, "PCMU", 8000, null)));
             Codec.MediaSession far = codec.open(List.of(
                     new Codec.StreamPlan(MediaKind.AUDIO, 0, "PCMU", 8000, room.localPorts().get(MediaKind.AUDIO))))) {
            scheduler.advance(Duration.ofSeconds(1));
            await(() -> room.received(MediaKind.AUDIO).packets() == 50);
            await(() -> {
                synchronized (sum) {
                    return n[0] == 50 * 160; // 1 s of 20 ms PCMU frames, from the room's stream only (the far one hears nothing)
                }
            });
            // a sine of amplitude 12000 is -11.7 dBov; at 25 % the speaker plays it 12 dB lower
            synchronized (sum) {
                assertEquals(-11.7 + 20 * Math.log10(0.25), Codec.Playout.dbov(sum[0], n[0]), 0.5);
            }
            assertEquals(-11.7, room.playout(MediaKind.AUDIO).audioLevelDbov().orElseThrow(), 0.5, "the level is before the volume");
        }
    }

    @Test
    void theRawPlayoutsDisplayRecordsWhatItShowsAndItsSpeakerPlaysAtTheVolume() throws Exception {
        double[] sum = new double[1];
        int[] n = new int[1];
        int[] format = new int[2];
        codec.onSpeaker((pcm, rate, channels) -> {
            for (short v : pcm) {
                sum[0] += (double) v * v;
            }
            n[0] += pcm.length;
            format[0] = rate;
            format[1] = channels;
        });
        codec.setControls(new Codec.Controls(false, false, 50));
        SimRawPlayout display = codec.display();
        assertEquals(SimRawPlayout.Shown.NONE, display.shown());
        try (io.roomwire.hal.RawPlayout.Session s = codec.rawPlayout().orElseThrow().open()) {
            assertEquals(1, display.openSessions());
            // a 320x180 picture, its top half luma 200 and its bottom half 40, in planes with padded strides
            java.nio.ByteBuffer y = java.nio.ByteBuffer.allocate(336 * 180);
            java.nio.ByteBuffer uv = java.nio.ByteBuffer.allocate(168 * 90);
            for (int r = 0; r < 180; r++) {
                for (int x = 0; x < 336; x++) {
                    y.put(r * 336 + x, (byte) (x >= 320 ? 255 : r < 90 ? 200 : 40)); // the padding is not shown
                }
            }
            for (int i = 0; i < 3; i++) {
                assertTrue(s.show(320, 180, y, 336, uv, 168, uv, 168));
            }
            assertEquals(new SimRawPlayout.Shown(3, 320, 180, 120.0), display.shown());
            assertEquals(3, s.framesShown());
            // 100 ms of a stereo 1 kHz sine of amplitude 16384 (-9.0 dBov): at 50 % the speaker plays it 6 dB lower
            byte[] pcm = new byte[4 * io.roomwire.hal.RawPlayout.CHUNK_SAMPLES];
            for (int chunk = 0; chunk < 10; chunk++) {
                for (int i = 0; i < io.roomwire.hal.RawPlayout.CHUNK_SAMPLES; i++) {
                    long t = chunk * 480L + i;
                    short v = (short) Math.round(16384 * Math.sin(2 * Math.PI * 1000 * t / 48000.0));
                    for (int c = 0; c < 2; c++) {
                        pcm[4 * i + 2 * c] = (byte) v;
                        pcm[4 * i + 2 * c + 1] = (byte) (v >> 8);
                    }
                }
                assertTrue(s.play(pcm, 2));
            }
            assertEquals(2 * 4800, n[0]);
            assertArrayEquals(new int[] {48000, 2}, format);
            assertEquals(-9.03 - 6.02, Codec.Playout.dbov(sum[0], n[0]), 0.1);
        }
        assertEquals(0, display.openSessions(), "no playout between calls");
    }

    @Test
    void aLostPacketFreezesThePictureUntilTheNextIdr() {
        H264Clip clip = SimCodec.videoClip();
        H264Receiver rx = new H264Receiver();
        int seq = 0;
        for (int unit = 0; unit < clip.size(); unit++) {
            List<byte[]> payloads = clip.payloads(unit, SimCodec.MAX_VIDEO_PAYLOAD);
            for (int i = 0; i < payloads.size(); i++) {
                byte[] p = payloads.get(i);
                int s = seq++ & 0xffff;
                if (unit == 3) {
                    continue; // picture 3 is lost whole: 4 to 14 refer to it
                }
                rx.packet(p, 0, p.length, s, unit * 6000L, 42, i == payloads.size() - 1);
                if (unit == 20) {
                    rx.packet(p, 0, p.length, s, unit * 6000L, 42, i == payloads.size() - 1); // a duplicate: ignored
                }
            }
        }
        // 0, 1, 2 before the loss; nothing until the IDR at 15; 15 to 29 after it
        assertEquals(3 + 15, rx.frames());
        assertEquals(320, rx.width());
    }

    @Test
    void aPictureWithoutItsMarkerPacketIsNotShown() {
        H264Clip clip = SimCodec.videoClip();
        H264Receiver rx = new H264Receiver();
        int seq = 0;
        for (int unit = 0; unit < 3; unit++) {
            List<byte[]> payloads = clip.payloads(unit, SimCodec.MAX_VIDEO_PAYLOAD);
            for (int i = 0; i < payloads.size(); i++) {
                byte[] p = payloads.get(i);
                boolean last = i == payloads.size() - 1;
                int s = seq++ & 0xffff;
                if (unit == 0 && last) {
                    continue; // the IDR's last fragment is lost
                }
                rx.packet(p, 0, p.length, s, unit * 6000L, 42, last);
            }
        }
        assertEquals(0, rx.frames(), "no IDR arrived whole, so nothing can be decoded");
    }

    @Test
    void readsThePictureSizeOfSpsFromX264() {
        // SPS NAL units x264 wrote for these sizes (High profile; 1080 and 180 are cropped from whole macroblocks)
        assertArrayEquals(new int[] {1920, 1080}, size("67640028acd940780227e5c05a808080a0000003002000000791e30632c0"));
        assertArrayEquals(new int[] {320, 180}, size("67640014acd941419f9f016a0c0c0d4a000003000200000300791e28532c"));
        // and 4:4:4 High (profile 244), as x264 chooses for a Y444 source
        assertArrayEquals(new int[] {320, 180}, size("67f4000d90d96405067e37016a0c0c0c80000003008000000f478a1524"));
        assertNull(size("6764"), "a truncated SPS gives no size");
        assertNull(size("68ebcc448440"), "a PPS is not an SPS");
    }

    private static int[] size(String hex) {
        byte[] b = HexFormat.of().parseHex(hex);
        return H264Sps.pictureSize(b, 0, b.length);
    }

    @Test
    void garbagePayloadsNeitherThrowNorCountAsPictures() {
        java.util.Random random = new java.util.Random(14);
        H264Receiver rx = new H264Receiver();
        for (int i = 0; i < 20_000; i++) {
            byte[] p = new byte[random.nextInt(40)];
            random.nextBytes(p);
            if (p.length > 0 && i % 3 == 0) {
                p[0] = (byte) ((p[0] & 0xe0) | (i % 2 == 0 ? 24 : 7)); // STAP-A or SPS headers with random bodies
            }
            rx.packet(p, 0, p.length, random.nextInt(65536), random.nextInt(1000), 7, random.nextBoolean());
            H264Sps.pictureSize(p, 0, p.length);
        }
        assertTrue(rx.frames() < 20_000, "not every random packet is a picture");
    }

    @Test
    void g711DecodingInvertsTheEncoder() {
        for (int v = -32000; v <= 32000; v += 250) {
            short s = (short) v;
            double tolerance = Math.max(16, Math.abs(v) / 14.0); // one step of the logarithmic segment
            assertEquals(v, G711.muLawDecode(G711.muLaw(s)), tolerance, "mu-law " + v);
            assertEquals(v, G711.aLawDecode(G711.aLaw(s)), tolerance, "A-law " + v);
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
