package io.roomwire.sip.ua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.MediaKind;
import io.roomwire.hal.sim.SimCodec;
import io.roomwire.hal.testing.Ffmpeg;
import io.roomwire.sip.Call;
import io.roomwire.sip.CallEvent;
import io.roomwire.sip.CallState;
import io.roomwire.sip.SipSettings;
import io.roomwire.sip.SipTransport;
import io.roomwire.sip.sdp.SrtpPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIPp, a peer nobody here wrote, calls the room and streams a real audio file to it (SIPp's
 * {@code rtp_stream}): a tone sequence FFmpeg makes at test time, 600 Hz for one second then 1400 Hz for
 * one second at FFmpeg's sine amplitude of 1/8 (-21 dBov), as raw 8 kHz mu-law. The room answers, decodes
 * what arrives, and the test checks the tones, their order, and the level the room reports.
 */
class SippMediaTest {

    private static final int RATE = 8000;
    private static final int WINDOW = 400; // 50 ms
    private final VirtualScheduler clock = new VirtualScheduler();
    private final SimCodec codec = new SimCodec(clock);
    private final List<CallEvent> events = new CopyOnWriteArrayList<>();
    private final java.io.ByteArrayOutputStream heard = new java.io.ByteArrayOutputStream();
    private SipJoinPath room;
    private Sipp sipp;

    @TempDir
    Path dir;

    @AfterEach
    void tearDown() {
        if (room != null) {
            room.stop();
        }
        if (sipp != null) {
            sipp.close();
        }
    }

    @Test
    void theRoomDecodesTheToneSequenceSippStreamsAndReportsItsLevel() throws Exception {
        Path tones = Ffmpeg.run(List.of("-f", "lavfi", "-i", "sine=frequency=600:duration=1",
                "-f", "lavfi", "-i", "sine=frequency=1400:duration=1",
                "-filter_complex", "[0][1]concat=n=2:v=0:a=1", "-ar", "8000", "-ac", "1", "-f", "mulaw"), dir.resolve("tones.ul"));
        assertEquals(2 * RATE, Files.size(tones), "two seconds of 8 kHz mu-law");
        codec.onSpeaker((pcm, rate, channels) -> {
            synchronized (heard) {
                for (short s : pcm) {
                    heard.write(s & 0xff);
                    heard.write(s >> 8);
                }
            }
        });
        SipSettings s = SipFixtures.settings(SipTransport.UDP).srtpPolicy(SrtpPolicy.BEST_EFFORT).build();
        room = SipJoinPath.builder(s, clock).codec(codec).resolver(SipFixtures.resolverTo(9)).build();
        room.addListener(events::add);
        room.start();
        sipp = Sipp.uac("uac-streams-tones.xml", SipTransport.UDP, room.localPort(), "room-12",
                List.of("-mp", Integer.toString(Ffmpeg.freeRtpPort())),
                Map.of("TONES", tones.toString(), "PLAY_MS", "2600"));
        Await.until("incoming call", clock, () -> events.stream().anyMatch(e -> e instanceof CallEvent.Incoming));
        Call call = events.stream().filter(e -> e instanceof CallEvent.Incoming).findFirst().orElseThrow().call();
        call.answer();
        assertEquals(0, sipp.awaitExit(Duration.ofSeconds(20)), sipp.log());
        Await.until("the caller's BYE", clock, () -> call.state() == CallState.ENDED, () -> call.state() + "\n" + sipp.log());

        short[] pcm = heardSamples();
        assertTrue(pcm.length >= RATE * 18 / 10, "the room decoded only " + pcm.length + " samples of SIPp's 2 s file");
        int at600 = 0;
        int at1400 = 0;
        int last600 = -1;
        int first1400 = Integer.MAX_VALUE;
        for (int w = 0; (w + 1) * WINDOW <= pcm.length; w++) {
            int off = w * WINDOW;
            double energy = Ffmpeg.energy(pcm, off, WINDOW);
            if (clean(Ffmpeg.goertzel(pcm, off, WINDOW, 600, RATE), energy)) {
                at600++;
                last600 = w;
            } else if (clean(Ffmpeg.goertzel(pcm, off, WINDOW, 1400, RATE), energy)) {
                at1400++;
                first1400 = Math.min(first1400, w);
            }
        }
        assertTrue(at600 >= 17, "only " + at600 + " of 20 windows of the first second were a clean 600 Hz tone");
        assertTrue(at1400 >= 17, "only " + at1400 + " of 20 windows of the second second were a clean 1400 Hz tone");
        assertTrue(last600 < first1400, "600 Hz must come before 1400 Hz: last 600 Hz window " + last600
                + ", first 1400 Hz window " + first1400);
        // FFmpeg's sine has amplitude 1/8: RMS 1/(8 sqrt 2) of full scale = -21.1 dBov
        double level = call.stats().of(MediaKind.AUDIO).orElseThrow().playout().audioLevelDbov().orElseThrow();
        assertEquals(-21.1, level, 1.5, "the level the room reports for SIPp's audio");
        assertTrue(call.stats().of(MediaKind.AUDIO).orElseThrow().packetsReceived() >= 90, call.stats().toString());
        assertEquals(0, codec.openSessions());
    }

    private static boolean clean(double power, double energy) {
        return power * 2 / (WINDOW * energy) > 0.8;
    }

    private short[] heardSamples() {
        byte[] b;
        synchronized (heard) {
            b = heard.toByteArray();
        }
        short[] out = new short[b.length / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (short) ((b[2 * i] & 0xff) | (b[2 * i + 1] << 8));
        }
        return out;
    }
}
