package io.roomwire.hal.linux;

import static io.roomwire.hal.linux.GstLaunches.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.roomwire.hal.Codec;
import io.roomwire.hal.MediaKind;
import io.roomwire.hal.testing.Ffmpeg;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The GStreamer codec's real pipelines (x264, Opus, G.722, G.711 from Debian's gstreamer1.0 packages)
 * with test sources and fake sinks, checked by FFmpeg's decoders and by reading the RTP it sends.
 */
class GstCodecTest {

    private static final Duration BOUND = Duration.ofSeconds(30);

    private final GstCodec codec = GstCodec.testSources(320, 180, 15);
    private Process ffmpeg;

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        if (ffmpeg != null) {
            ffmpeg.destroyForcibly();
        }
        assertEquals(0, codec.openSessions(), "a session was left open");
    }

    @Test
    void ffmpegDecodesTheX264StreamWithoutErrors() throws Exception {
        Path out = dir.resolve("video.crc");
        Path err = dir.resolve("ffmpeg.err");
        Ffmpeg.Receiver rx = Ffmpeg.receive(dir, port -> Ffmpeg.sdp(port, "video", "RTP/AVP", 96,
                "a=rtpmap:96 H264/90000\r\na=fmtp:96 profile-level-id=42e01f;packetization-mode=1\r\n"),
                List.of("-fps_mode", "passthrough", "-t", "2", "-f", "framecrc"), out, err);
        ffmpeg = rx.process();
        int port = rx.port();
        String stderr;
        try (Codec.MediaSession s = codec.open(List.of(plan(MediaKind.VIDEO, 96, "H264", 90000, port)))) {
            stderr = Ffmpeg.finish(ffmpeg, err, s.sent(MediaKind.VIDEO));
        }
        assertEquals("", stderr.strip(), "FFmpeg reported errors while decoding x264's stream");
        assertTrue(Files.readString(out).contains("#dimensions 0: 320x180"), "expected 320x180 pictures");
        int frames = Ffmpeg.frameCrcs(out).size();
        assertTrue(frames >= 25 && frames <= 34, frames + " frames decoded in 2 s of 15 fps video");
        assertEquals(List.of(), codec.problems());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "PCMU, 0, 8000, PCMU/8000",
        "PCMA, 8, 8000, PCMA/8000",
        "G722, 9, 8000, G722/8000",
        "opus, 111, 48000, opus/48000/2",
    })
    void ffmpegDecodesThe440HzTone(String encoding, int pt, int clockRate, String rtpmap) throws Exception {
        Path out = dir.resolve("audio.s16");
        Path err = dir.resolve("ffmpeg.err");
        Ffmpeg.Receiver rx = Ffmpeg.receive(dir, port -> Ffmpeg.sdp(port, "audio", "RTP/AVP", pt, "a=rtpmap:" + pt + " " + rtpmap + "\r\n"),
                List.of("-t", "2", "-ac", "1", "-ar", "8000", "-f", "s16le"), out, err);
        ffmpeg = rx.process();
        int port = rx.port();
        String stderr;
        try (Codec.MediaSession s = codec.open(List.of(plan(MediaKind.AUDIO, pt, encoding, clockRate, port)))) {
            stderr = Ffmpeg.finish(ffmpeg, err, s.sent(MediaKind.AUDIO));
        }
        assertEquals("", stderr.strip(), "FFmpeg reported errors while decoding " + encoding);
        short[] pcm = Ffmpeg.samples(out);
        assertTrue(pcm.length >= 8000 * 18 / 10, "expected 2 s of audio, got " + pcm.length + " samples");
        int windows = 0;
        int at440 = 0;
        // skip the first 100 ms (encoder start-up), then 50 ms windows
        for (int off = 800; off + 400 <= pcm.length; off += 400) {
            windows++;
            double p440 = Ffmpeg.goertzel(pcm, off, 400, 440, 8000);
            if (p440 * 2 / (400.0 * Ffmpeg.energy(pcm, off, 400)) > 0.8) {
                at440++;
            }
        }
        assertTrue(at440 >= windows - 2, encoding + ": only " + at440 + " of " + windows + " windows were a clean 440 Hz tone");
        assertTrue(Ffmpeg.rms(pcm) > 1000, encoding + ": nearly silent (RMS " + Ffmpeg.rms(pcm) + ")");
    }

    @Test
    void x264FollowsTheBitrateTheFarEndsSdpAllows() throws Exception {
        // the SMPTE bars' noise patch keeps x264 busy: about 1.3 Mbit/s at 320x180 when nothing limits it
        double unlimited = sentKbps(0);
        double limited = sentKbps(300);
        assertTrue(limited < 300 * 1.25, "b=AS:300 but x264 sent " + limited + " kbit/s");
        assertTrue(unlimited > 2 * limited, "without a limit " + unlimited + " kbit/s, with b=AS:300 " + limited);
        assertTrue(new GstPipelines(GstPipelines.Options.test(320, 180, 15)).send(new Codec.StreamPlan(MediaKind.VIDEO, 96,
                        "H264", 90000, new InetSocketAddress(Ffmpeg.LOOPBACK, 9), 800), 1, 2, 3).contains(" bitrate=736 "),
                "b=AS:800 less 64 kbit/s for RTP/UDP/IP headers");
    }

    /** The RTP payload rate of 3 s of x264's video (by RTP timestamps, after its first second) with {@code maxKbps}. */
    private double sentKbps(int maxKbps) throws Exception {
        try (DatagramSocket bridge = new DatagramSocket(new InetSocketAddress(Ffmpeg.LOOPBACK, 0));
             Codec.MediaSession s = codec.open(List.of(new Codec.StreamPlan(MediaKind.VIDEO, 96, "H264", 90000,
                     new InetSocketAddress(Ffmpeg.LOOPBACK, bridge.getLocalPort()), maxKbps)))) {
            bridge.setSoTimeout((int) BOUND.toMillis());
            byte[] buf = new byte[2048];
            DatagramPacket dp = new DatagramPacket(buf, buf.length);
            long first = -1;
            long bytes = 0;
            while (true) {
                dp.setLength(buf.length);
                bridge.receive(dp);
                long ts = ((buf[4] & 0xffL) << 24) | ((buf[5] & 0xff) << 16) | ((buf[6] & 0xff) << 8) | (buf[7] & 0xff);
                if (first < 0) {
                    first = ts;
                }
                long at = (ts - first) & 0xffffffffL;
                if (at >= 4 * 90000) {
                    return bytes * 8 / 3.0 / 1000;
                }
                if (at >= 90000) {
                    bytes += dp.getLength() - 12;
                }
            }
        }
    }

    @Test
    void aKeyframeRequestReachesX264AsAnIdrPicture() throws Exception {
        try (DatagramSocket bridge = new DatagramSocket(new InetSocketAddress(Ffmpeg.LOOPBACK, 0));
             Codec.MediaSession s = codec.open(List.of(plan(MediaKind.VIDEO, 96, "H264", 90000, bridge.getLocalPort())))) {
            bridge.setSoTimeout(1000);
            // x264 starts with an IDR; its next natural one is 10 s (150 frames) later
            int framesToFirst = framesUntilIdr(bridge, 300);
            assertTrue(framesToFirst >= 0, "no IDR picture in the first 300 frames");
            int plain = framesUntilIdr(bridge, 10);
            assertEquals(-1, plain, "an IDR came without a request within 10 frames of the first");
            s.requestKeyframe();
            int afterRequest = framesUntilIdr(bridge, 60);
            assertTrue(afterRequest >= 0 && afterRequest < 30, "no IDR within 30 frames of the PLI: " + afterRequest);
        }
    }

    @Test
    void muteStopsTheAudioTheFarEndReceivesAndUnmuteResumesIt() throws Exception {
        try (DatagramSocket bridge = new DatagramSocket(new InetSocketAddress(Ffmpeg.LOOPBACK, 0));
             Codec.MediaSession s = codec.open(List.of(plan(MediaKind.AUDIO, 0, "PCMU", 8000, bridge.getLocalPort())))) {
            bridge.setSoTimeout((int) BOUND.toMillis());
            assertTrue(receives(bridge, 10), "no audio before mute");
            bridge.setSoTimeout(300);
            codec.setControls(new Codec.Controls(true, false, 70));
            drain(bridge);
            assertTrue(!receives(bridge, 1), "audio kept flowing while muted");
            long sentWhileMuted = s.sent(MediaKind.AUDIO).packets();
            codec.setControls(new Codec.Controls(false, false, 70));
            assertTrue(receives(bridge, 10), "no audio after unmute");
            assertTrue(s.sent(MediaKind.AUDIO).packets() > sentWhileMuted);
        }
    }

    @Test
    void aVolumePressRestartsOnlyTheSpeakerPipelineAndAudioKeepsFlowing() throws Exception {
        GstCodec sender = GstCodec.testSources(320, 180, 15);
        try (DatagramSocket farEnd = new DatagramSocket(new InetSocketAddress(Ffmpeg.LOOPBACK, 0));
             Codec.MediaSession room = codec.open(List.of(plan(MediaKind.AUDIO, 0, "PCMU", 8000, farEnd.getLocalPort())))) {
            InetSocketAddress roomIn = room.localPorts().get(MediaKind.AUDIO);
            try (Codec.MediaSession far = sender.open(List.of(new Codec.StreamPlan(MediaKind.AUDIO, 0, "PCMU", 8000, roomIn)))) {
                await(BOUND, () -> room.received(MediaKind.AUDIO).packets() >= 10, "the room to receive audio");
                codec.setControls(new Codec.Controls(false, false, 30));
                long before = room.received(MediaKind.AUDIO).packets();
                await(BOUND, () -> room.received(MediaKind.AUDIO).packets() >= before + 25, "audio to keep flowing");
            }
        }
        assertEquals(List.of(), codec.problems(), "the restart at the new volume reported a problem");
        assertEquals(30, codec.controls().speakerVolume());
    }

    @Test
    void aReceiveOnlyStreamStartsNoCapturePipelineAndPlaysWhatArrives() throws Exception {
        GstCodec sender = GstCodec.testSources(320, 180, 15);
        java.util.Set<Long> before = GstLaunches.running();
        // As a WebRTC call's far-end audio is played: a stream with nowhere to send to.
        try (Codec.MediaSession room = codec.open(List.of(new Codec.StreamPlan(MediaKind.AUDIO, 0, "PCMU", 8000, null)))) {
            java.util.Set<Long> started = GstLaunches.runningExcept(before);
            assertEquals(1, started.size(), "only the speaker pipeline, no capture: " + started);
            try (Codec.MediaSession far = sender.open(List.of(
                    new Codec.StreamPlan(MediaKind.AUDIO, 0, "PCMU", 8000, room.localPorts().get(MediaKind.AUDIO))))) {
                await(BOUND, () -> room.playout(MediaKind.AUDIO).audioLevelDbov().isPresent(), "an audio level");
                assertEquals(-11.0, room.playout(MediaKind.AUDIO).audioLevelDbov().getAsDouble(), 1.0, "level of the tone");
                assertEquals(0, room.sent(MediaKind.AUDIO).packets());
            }
        }
        assertEquals(List.of(), codec.problems());
    }

    @Test
    void theRoomCountsDecodedPicturesReadsTheirSizeAndMeasuresTheFarEndsLevel() throws Exception {
        GstCodec sender = GstCodec.testSources(320, 180, 15);
        try (DatagramSocket farEnd = new DatagramSocket(new InetSocketAddress(Ffmpeg.LOOPBACK, 0));
             Codec.MediaSession room = codec.open(List.of(plan(MediaKind.AUDIO, 0, "PCMU", 8000, farEnd.getLocalPort()),
                     plan(MediaKind.VIDEO, 96, "H264", 90000, farEnd.getLocalPort())))) {
            assertEquals(Codec.Playout.NONE.framesDecoded(), room.playout(MediaKind.VIDEO).framesDecoded());
            try (Codec.MediaSession far = sender.open(List.of(
                    new Codec.StreamPlan(MediaKind.AUDIO, 0, "PCMU", 8000, room.localPorts().get(MediaKind.AUDIO)),
                    new Codec.StreamPlan(MediaKind.VIDEO, 96, "H264", 90000, room.localPorts().get(MediaKind.VIDEO))))) {
                await(BOUND, () -> room.playout(MediaKind.VIDEO).framesDecoded() >= 30, "30 pictures decoded by the room");
                Codec.Playout video = room.playout(MediaKind.VIDEO);
                assertEquals(320, video.width(), "decoded width");
                assertEquals(180, video.height(), "decoded height");
                await(BOUND, () -> room.playout(MediaKind.AUDIO).audioLevelDbov().isPresent(), "an audio level");
                // audiotestsrc volume=0.4: a sine of RMS 0.4 / sqrt(2) of full scale = -11.0 dBov
                assertEquals(-11.0, room.playout(MediaKind.AUDIO).audioLevelDbov().getAsDouble(), 1.0, "level of the tone");
                // the far end's camera goes off: no new pictures reach the room's decoder
                sender.setControls(new Codec.Controls(false, true, 70));
                long frozenAt = room.playout(MediaKind.VIDEO).framesDecoded();
                long audioMark = room.received(MediaKind.AUDIO).packets();
                await(BOUND, () -> room.received(MediaKind.AUDIO).packets() >= audioMark + 25, "half a second of audio");
                assertTrue(room.playout(MediaKind.VIDEO).framesDecoded() <= frozenAt + 2,
                        "pictures kept coming with the far end's camera off");
                sender.setControls(new Codec.Controls(false, false, 70));
                await(BOUND, () -> room.playout(MediaKind.VIDEO).framesDecoded() >= frozenAt + 15, "pictures again after camera on");
            }
        }
        assertEquals(List.of(), codec.problems());
        assertEquals(List.of(), sender.problems());
    }

    @Test
    void garbageAndStrayPayloadTypesNeverReachTheDecoderAndTheCallGoesOn() throws Exception {
        GstCodec sender = GstCodec.testSources(320, 180, 15);
        try (DatagramSocket farEnd = new DatagramSocket(new InetSocketAddress(Ffmpeg.LOOPBACK, 0));
             Codec.MediaSession room = codec.open(List.of(plan(MediaKind.AUDIO, 111, "opus", 48000, farEnd.getLocalPort())))) {
            InetSocketAddress roomIn = room.localPorts().get(MediaKind.AUDIO);
            try (Codec.MediaSession far = sender.open(List.of(new Codec.StreamPlan(MediaKind.AUDIO, 111, "opus", 48000, roomIn)))) {
                await(BOUND, () -> room.received(MediaKind.AUDIO).packets() >= 20, "the room to receive the far end's Opus");
                byte[] garbage = new byte[200];
                new java.util.Random(7).nextBytes(garbage);
                garbage[0] = (byte) 0x80;
                garbage[1] = 0; // PCMU: not negotiated
                farEnd.send(new DatagramPacket(garbage, garbage.length, roomIn));
                farEnd.send(new DatagramPacket(new byte[] {1, 2, 3}, 3, roomIn));
                garbage[0] = 0x40; // RTP version 1
                farEnd.send(new DatagramPacket(garbage, garbage.length, roomIn));
                long before = room.received(MediaKind.AUDIO).packets();
                await(BOUND, () -> room.received(MediaKind.AUDIO).packets() >= before + 25, "the Opus to keep flowing");
            }
            assertEquals(List.of(), codec.problems(), "a decoder choked on what the far end sent");
        }
        assertEquals(0, sender.openSessions());
    }

    @Test
    void reorderedDuplicatedAndNewSourcePacketsAreCountedRightAndTheDecoderKeepsGoing() throws Exception {
        try (DatagramSocket farEnd = new DatagramSocket(new InetSocketAddress(Ffmpeg.LOOPBACK, 0));
             Codec.MediaSession room = codec.open(List.of(plan(MediaKind.AUDIO, 0, "PCMU", 8000, farEnd.getLocalPort())))) {
            InetSocketAddress roomIn = room.localPorts().get(MediaKind.AUDIO);
            // one source: 1, 2, 3, 3 (duplicate), 5, 4 (late), 2 (duplicate)
            for (int seq : new int[] {1, 2, 3, 3, 5, 4, 2}) {
                farEnd.send(pcmu(0x1111, seq, roomIn));
            }
            await(BOUND, () -> room.received(MediaKind.AUDIO).packets() == 5, "five distinct packets");
            assertEquals(0, room.received(MediaKind.AUDIO).lost(), "a late packet is not a lost one");
            // the far end restarts with a new SSRC and a sequence far away: counted afresh, nothing lost
            for (int seq = 40_000; seq < 40_010; seq++) {
                farEnd.send(pcmu(0x2222, seq, roomIn));
            }
            await(BOUND, () -> room.received(MediaKind.AUDIO).packets() == 15, "the new source's ten packets");
            assertEquals(0, room.received(MediaKind.AUDIO).lost(), room.received(MediaKind.AUDIO).toString());
            // a gap is loss
            farEnd.send(pcmu(0x2222, 40_015, roomIn));
            await(BOUND, () -> room.received(MediaKind.AUDIO).lost() == 5, "five packets lost in the gap");
        }
        assertEquals(List.of(), codec.problems(), "the decoder choked on what the far end sent");
    }

    private static DatagramPacket pcmu(int ssrc, int seq, InetSocketAddress to) {
        byte[] p = io.roomwire.hal.RtpHeader.packet(false, 0, seq & 0xffff, seq * 160L, ssrc, 160);
        java.util.Arrays.fill(p, 12, p.length, (byte) 0xff); // mu-law silence
        return new DatagramPacket(p, p.length, to);
    }

    @Test
    void aMissingElementNamesTheDebianPackage() {
        GstCodec noX264 = new GstCodec(GstPipelines.Options.test(320, 180, 15), e -> !e.equals("x264enc"));
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> noX264.open(List.of(plan(MediaKind.VIDEO, 96, "H264", 90000, 9))));
        assertTrue(e.getMessage().contains("x264enc") && e.getMessage().contains("gstreamer1.0-plugins-ugly"), e.getMessage());
        assertEquals(List.of(e.getMessage()), noX264.problems());
        // the device's health shows it: the media engine is a failed peripheral with that reason
        assertEquals(io.roomwire.hal.PeripheralStatus.State.FAILED, noX264.status().orElseThrow().state());
        assertEquals(e.getMessage(), noX264.status().orElseThrow().detail());
    }

    @Test
    void everyElementThePipelinesUseIsInstalledHere() {
        for (String enc : List.of("opus", "G722", "PCMU", "PCMA")) {
            assertEquals(java.util.Optional.empty(), codec.missingElement(plan(MediaKind.AUDIO, 0, enc, 8000, 9)));
        }
        assertEquals(java.util.Optional.empty(), codec.missingElement(plan(MediaKind.VIDEO, 96, "H264", 90000, 9)));
    }

    @Test
    void aPipelineErrorBecomesAProblemWithGstreamersReason() throws Exception {
        List<String> problems = new CopyOnWriteArrayList<>();
        try (GstLaunch p = GstLaunch.start("test", "filesrc location=" + dir.resolve("missing.raw") + " ! fakesink",
                problems::add)) {
            await(BOUND, () -> !problems.isEmpty(), "the pipeline's error");
        }
        assertTrue(problems.get(0).startsWith("test pipeline: ") && problems.get(0).contains("Resource not found"), problems.toString());
    }

    private static Codec.StreamPlan plan(MediaKind kind, int pt, String enc, int rate, int port) {
        return new Codec.StreamPlan(kind, pt, enc, rate, new InetSocketAddress(Ffmpeg.LOOPBACK, port));
    }

    /** Reads RTP until the marker bit ends {@code maxFrames} pictures; the index of the first IDR one, or -1. */
    private static int framesUntilIdr(DatagramSocket s, int maxFrames) throws IOException {
        byte[] buf = new byte[2048];
        DatagramPacket dp = new DatagramPacket(buf, buf.length);
        int frame = 0;
        boolean idr = false;
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (frame < maxFrames) {
            if (System.nanoTime() > deadline) {
                fail("no video within " + BOUND);
            }
            dp.setLength(buf.length);
            s.receive(dp);
            idr |= H264Nal.carriesIdr(buf, 12, dp.getLength());
            if ((buf[1] & 0x80) != 0) {
                if (idr) {
                    return frame;
                }
                frame++;
            }
        }
        return -1;
    }

    private static boolean receives(DatagramSocket s, int packets) throws IOException {
        byte[] buf = new byte[2048];
        DatagramPacket dp = new DatagramPacket(buf, buf.length);
        for (int i = 0; i < packets; i++) {
            try {
                dp.setLength(buf.length);
                s.receive(dp);
            } catch (SocketTimeoutException e) {
                return false;
            }
        }
        return true;
    }

    private static void drain(DatagramSocket s) throws IOException {
        // what was in flight when mute was pressed; bounded, so a mute that does nothing fails the next check
        for (int i = 0; i < 500 && receives(s, 1); i++) {
            continue;
        }
    }
}
