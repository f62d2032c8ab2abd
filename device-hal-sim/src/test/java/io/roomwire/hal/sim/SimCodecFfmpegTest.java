package io.roomwire.hal.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.time.SystemScheduler;
import io.roomwire.hal.Codec;
import io.roomwire.hal.MediaKind;
import io.roomwire.hal.testing.Ffmpeg;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Points the simulated codec's RTP at FFmpeg (Debian's {@code ffmpeg}, which bin/test installs),
 * receiving plain RTP described by an SDP file on 127.0.0.1, and checks what FFmpeg's own decoders
 * make of it: H.264 pictures bit-exact to the clip, the G.711/G.722/Opus tones at their frequencies.
 */
class SimCodecFfmpegTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final SystemScheduler scheduler = new SystemScheduler(1);
    private final SimCodec codec = new SimCodec(scheduler);
    private Process ffmpeg;

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        if (ffmpeg != null) {
            ffmpeg.destroyForcibly();
        }
        scheduler.close();
    }

    @Test
    void ffmpegDecodesTheH264StreamBitExactWithoutErrors() throws Exception {
        List<String> clip = Ffmpeg.frameCrcs(run(List.of("-i", resourceFile(SimCodec.VIDEO_CLIP).toString(), "-f", "framecrc"), "clip.crc"));
        assertEquals(30, clip.size(), "the clip has 30 pictures");

        Path out = dir.resolve("rtp.crc");
        // 3 s of RTP time at 15 fps; passthrough keeps one output frame per decoded picture.
        Result r = receive(port -> sdp(port, "video", 96, "a=rtpmap:96 H264/90000\r\na=fmtp:96 profile-level-id=42e01f;packetization-mode=1\r\n"),
                List.of("-fps_mode", "passthrough", "-t", "3", "-f", "framecrc"), out,
                port -> new Codec.StreamPlan(MediaKind.VIDEO, 96, "H264", 90000, new InetSocketAddress(LOOPBACK, port)));

        assertEquals("", r.stderr.strip(), "FFmpeg reported errors while receiving and decoding");
        String text = Files.readString(out);
        assertTrue(text.contains("#dimensions 0: 320x180"), "expected 320x180 pictures:\n" + head(text));
        List<String> got = Ffmpeg.frameCrcs(out);
        assertTrue(got.size() >= 43 && got.size() <= 46, got.size() + " frames decoded in 3 s of 15 fps video");
        for (int i = 0; i < got.size(); i++) {
            // The stream starts at the clip's first IDR and loops it: picture i is clip picture i mod 30.
            assertEquals(clip.get(i % clip.size()), got.get(i), "picture " + i + " differs from the clip's");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "PCMU, 0, 8000, PCMU/8000",
        "PCMA, 8, 8000, PCMA/8000",
        "G722, 9, 8000, G722/8000",
        "opus, 111, 48000, opus/48000/2",
    })
    void ffmpegDecodesTheToneSequence(String encoding, int pt, int clockRate, String rtpmap) throws Exception {
        Path out = dir.resolve("audio.s16");
        Result r = receive(port -> sdp(port, "audio", pt, "a=rtpmap:" + pt + " " + rtpmap + "\r\n"),
                List.of("-t", "3", "-ac", "1", "-ar", "8000", "-f", "s16le"), out,
                port -> new Codec.StreamPlan(MediaKind.AUDIO, pt, encoding, clockRate, new InetSocketAddress(LOOPBACK, port)));
        assertEquals("", r.stderr.strip(), "FFmpeg reported errors while decoding " + encoding);

        short[] pcm = Ffmpeg.samples(out);
        assertTrue(pcm.length >= 8000 * 29 / 10, "expected 3 s of audio at 8 kHz, got " + pcm.length + " samples");
        int at440 = 0;
        int at880 = 0;
        int windows = 0;
        int pure = 0;
        for (int off = 0; off + 400 <= pcm.length; off += 400) {
            windows++;
            double[] power = new double[TONES.length];
            int best = 0;
            for (int k = 0; k < TONES.length; k++) {
                power[k] = goertzel(pcm, off, 400, TONES[k]);
                if (power[k] > power[best]) {
                    best = k;
                }
            }
            if (TONES[best] == 440) {
                at440++;
            } else if (TONES[best] == 880) {
                at880++;
            }
            // Share of the window's energy in the dominant tone: near 1 for a clean sine, low when distorted.
            if (power[best] * 2 / (400.0 * Ffmpeg.energy(pcm, off, 400)) > 0.8) {
                pure++;
            }
        }
        // Two 50 ms windows per second may straddle a 440/880 change; everything else is one of the tones.
        assertTrue(at440 + at880 >= windows - 8, encoding + ": " + (windows - at440 - at880) + " of " + windows
                + " windows had neither 440 nor 880 Hz as the dominant frequency");
        assertTrue(at440 >= 15 && at880 >= 15, encoding + ": 440 Hz dominated " + at440 + " and 880 Hz " + at880
                + " of " + windows + " windows; expected about a second of each");
        assertTrue(pure >= windows - 8, encoding + ": only " + pure + " of " + windows
                + " windows were a clean tone (over 80% of the energy at one frequency)");
        assertTrue(Ffmpeg.rms(pcm) > 1000, encoding + ": the decoded audio is nearly silent (RMS " + Ffmpeg.rms(pcm) + ")");
    }

    private static final int[] TONES = {300, 440, 600, 880, 1200, 1760, 2500};

    private static double goertzel(short[] x, int off, int n, int hz) {
        return Ffmpeg.goertzel(x, off, n, hz, 8000);
    }

    private record Result(String stderr) { }

    /** Starts FFmpeg on the SDP, waits until it holds the RTP port, then streams until FFmpeg has its duration. */
    private Result receive(java.util.function.IntFunction<String> sdp, List<String> outputArgs, Path out,
                           java.util.function.IntFunction<Codec.StreamPlan> planAt) throws Exception {
        Path err = dir.resolve("ffmpeg.err");
        Ffmpeg.Receiver rx = Ffmpeg.receive(dir, sdp, outputArgs, out, err);
        ffmpeg = rx.process();
        Codec.StreamPlan plan = planAt.apply(rx.port());
        try (Codec.MediaSession session = codec.open(List.of(plan))) {
            return new Result(Ffmpeg.finish(ffmpeg, err, session.sent(plan.kind())));
        }
    }

    private Path run(List<String> args, String outName) throws Exception {
        return Ffmpeg.run(args, dir.resolve(outName));
    }

    private Path resourceFile(String name) throws IOException {
        Path p = dir.resolve(Path.of(name).getFileName());
        try (var in = SimCodec.class.getResourceAsStream(name)) {
            Files.write(p, in.readAllBytes());
        }
        return p;
    }

    private static String sdp(int port, String media, int pt, String attributes) {
        return Ffmpeg.sdp(port, media, "RTP/AVP", pt, attributes);
    }

    private static String head(String text) {
        return text.lines().limit(12).reduce("", (a, b) -> a + b + "\n");
    }
}
