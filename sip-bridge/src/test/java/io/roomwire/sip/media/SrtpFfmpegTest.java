package io.roomwire.sip.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.time.SystemScheduler;
import io.roomwire.hal.Codec;
import io.roomwire.hal.MediaKind;
import io.roomwire.hal.sim.SimCodec;
import io.roomwire.hal.testing.Ffmpeg;
import io.roomwire.sip.srtp.SrtpKeys;
import io.roomwire.sip.srtp.SrtpSuite;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The simulated codec's H.264 through the relay's SRTP (RFC 3711, SDES keys of RFC 4568) into
 * FFmpeg, which decrypts with its own SRTP code from the SDP's {@code a=crypto} and decodes: the
 * pictures must be bit-exact to the clip's, so every packet was protected the way FFmpeg expects.
 */
class SrtpFfmpegTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final String CLIP = "/io/roomwire/hal/sim/media/colourbars-320x180-15fps.h264";

    private final SystemScheduler scheduler = new SystemScheduler(2);
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
    void ffmpegDecryptsAndDecodesTheRelaysSrtpVideoBitExact() throws Exception {
        Path clipFile = dir.resolve("clip.h264");
        try (InputStream in = SimCodec.class.getResourceAsStream(CLIP)) {
            Files.write(clipFile, in.readAllBytes());
        }
        List<String> clip = Ffmpeg.frameCrcs(Ffmpeg.run(List.of("-i", clipFile.toString(), "-f", "framecrc"), dir.resolve("clip.crc")));

        SrtpKeys ours = SrtpKeys.random(SrtpSuite.AES_CM_128_HMAC_SHA1_80);
        Path out = dir.resolve("srtp.crc");
        Path err = dir.resolve("ffmpeg.err");
        Ffmpeg.Receiver rx = Ffmpeg.receive(dir, at -> "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=roomwire srtp\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                + "m=video " + at + " RTP/SAVP 96\r\na=rtpmap:96 H264/90000\r\n"
                + "a=fmtp:96 profile-level-id=42e01f;packetization-mode=1\r\n"
                + "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + ours.toSdesInline() + "\r\n",
                List.of("-fps_mode", "passthrough", "-t", "2", "-f", "framecrc"), out, err);
        ffmpeg = rx.process();
        int port = rx.port();

        String stderr;
        try (MediaRelay relay = MediaRelay.builder(scheduler).callId("ffmpeg").stream(MediaKind.VIDEO, Optional.of(ours)).build();
             Codec.MediaSession codec = new SimCodec(scheduler).open(List.of(
                     new Codec.StreamPlan(MediaKind.VIDEO, 96, "H264", 90000, relay.localCodecSidePort(MediaKind.VIDEO))))) {
            relay.connectCodec(MediaKind.VIDEO, codec.localPorts().get(MediaKind.VIDEO));
            relay.connectFarEnd(MediaKind.VIDEO, new InetSocketAddress(LOOPBACK, port),
                    Optional.of(SrtpKeys.random(SrtpSuite.AES_CM_128_HMAC_SHA1_80)));
            stderr = Ffmpeg.finish(ffmpeg, err, relay.stats(MediaKind.VIDEO));
        }
        assertEquals("", stderr.strip(), "FFmpeg reported errors while decrypting and decoding");
        assertTrue(Files.readString(out).contains("#dimensions 0: 320x180"), "expected 320x180 pictures");
        List<String> got = Ffmpeg.frameCrcs(out);
        assertTrue(got.size() >= 28 && got.size() <= 31, got.size() + " frames decoded in 2 s of 15 fps video");
        for (int i = 0; i < got.size(); i++) {
            assertEquals(clip.get(i % clip.size()), got.get(i), "picture " + i + " differs from the clip's");
        }
    }
}
