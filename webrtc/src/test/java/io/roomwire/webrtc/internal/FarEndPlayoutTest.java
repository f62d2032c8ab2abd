package io.roomwire.webrtc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.Codec;
import io.roomwire.hal.sim.SimCodec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The far end's decoded audio as webrtc-java's sink delivers it, on the codec's raw playout (the simulated speaker). */
class FarEndPlayoutTest {

    private final SimCodec codec = new SimCodec(new VirtualScheduler());
    private final List<short[]> played = new ArrayList<>();
    private final List<String> formats = new ArrayList<>();

    FarEndPlayoutTest() {
        codec.setControls(new Codec.Controls(false, false, 100));
        codec.onSpeaker((pcm, rate, channels) -> {
            played.add(pcm);
            formats.add(rate + "x" + channels);
        });
    }

    @Test
    void audioDecodedAt48kHzGoesOutAsItCameIn10msChunks() {
        try (FarEndPlayout p = FarEndPlayout.open(codec.rawPlayout().orElseThrow(), "t").orElseThrow()) {
            // 25 ms of stereo in pieces of 5 ms: two whole 10 ms chunks go out, 5 ms wait for the next piece
            for (int piece = 0; piece < 5; piece++) {
                p.play(tone(48000, 2, 240, piece * 240L, 1000), 16, 48000, 2, 240);
            }
            assertEquals(List.of("48000x2", "48000x2"), formats);
            short[] expected = samples(tone(48000, 2, 960, 0, 1000));
            short[] got = new short[960 * 2];
            System.arraycopy(played.get(0), 0, got, 0, 960);
            System.arraycopy(played.get(1), 0, got, 960, 960);
            assertEquals(java.util.Arrays.toString(java.util.Arrays.copyOf(expected, 1920)), java.util.Arrays.toString(got));
        }
    }

    @Test
    void audioDecodedAt16kHzIsInterpolatedTo48kHzAtTheSamePitchAndLevel() {
        try (FarEndPlayout p = FarEndPlayout.open(codec.rawPlayout().orElseThrow(), "t").orElseThrow()) {
            for (int chunk = 0; chunk < 100; chunk++) { // 1 s of a 1 kHz tone at 16 kHz, 10 ms at a time
                p.play(tone(16000, 1, 160, chunk * 160L, 1000), 16, 16000, 1, 160);
            }
            assertTrue(formats.stream().allMatch("48000x1"::equals), formats::toString);
            assertTrue(played.size() >= 99 && played.size() <= 100, played.size() + " chunks of 10 ms for 1 s");
            double sum = 0;
            int n = 0;
            int crossings = 0;
            short last = 0;
            for (short[] pcm : played) {
                for (short s : pcm) {
                    sum += (double) s * s;
                    n++;
                    if (last < 0 && s >= 0) {
                        crossings++;
                    }
                    last = s;
                }
            }
            assertEquals(1000, crossings, 3, "a 1 kHz tone has 1000 rising zero crossings a second");
            // a sine of amplitude 16384 is -9.0 dBov; linear interpolation of 16 points a period loses little
            assertEquals(-9.03, Codec.Playout.dbov(sum, n), 0.2);
        }
    }

    @Test
    void moreThanTwoChannelsKeepTheFirstTwoAndOtherFormatsAreNotPlayed() {
        try (FarEndPlayout p = FarEndPlayout.open(codec.rawPlayout().orElseThrow(), "t").orElseThrow()) {
            p.play(new byte[480 * 4], 8, 48000, 4, 480); // 8-bit: not played
            assertEquals(List.of(), formats);
            byte[] six = new byte[480 * 6 * 2];
            for (int f = 0; f < 480; f++) {
                for (int c = 0; c < 6; c++) {
                    six[2 * (f * 6 + c)] = (byte) (c + 1);
                }
            }
            p.play(six, 16, 48000, 6, 480);
            assertEquals(List.of("48000x2"), formats);
            assertEquals(1, played.get(0)[0]);
            assertEquals(2, played.get(0)[1]);
        }
        assertEquals(0, codec.display().openSessions(), "closing the call's playout closes its session");
    }

    private static byte[] tone(int rate, int channels, int frames, long from, double hz) {
        byte[] out = new byte[2 * channels * frames];
        for (int f = 0; f < frames; f++) {
            short v = (short) Math.round(16384 * Math.sin(2 * Math.PI * hz * (from + f) / rate));
            for (int c = 0; c < channels; c++) {
                out[2 * (f * channels + c)] = (byte) v;
                out[2 * (f * channels + c) + 1] = (byte) (v >> 8);
            }
        }
        return out;
    }

    private static short[] samples(byte[] pcm) {
        short[] out = new short[pcm.length / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (short) ((pcm[2 * i] & 0xff) | (pcm[2 * i + 1] << 8));
        }
        return out;
    }
}
