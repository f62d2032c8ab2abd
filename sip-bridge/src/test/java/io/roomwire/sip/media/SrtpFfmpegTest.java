package io.roomwire.sip.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.roomwire.core.time.SystemScheduler;
import io.roomwire.hal.Codec;
import io.roomwire.hal.MediaKind;
import io.roomwire.hal.sim.SimCodec;
import io.roomwire.sip.srtp.SrtpKeys;
import io.roomwire.sip.srtp.SrtpSuite;
import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
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
        List<String> clip = frameCrcs(runToEnd(List.of("-i", clipFile.toString(), "-f", "framecrc"), dir.resolve("clip.crc")));

        int port = freeRtpPort();
        SrtpKeys ours = SrtpKeys.random(SrtpSuite.AES_CM_128_HMAC_SHA1_80);
        String sdp = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=roomwire srtp\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                + "m=video " + port + " RTP/SAVP 96\r\na=rtpmap:96 H264/90000\r\n"
                + "a=fmtp:96 profile-level-id=42e01f;packetization-mode=1\r\n"
                + "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + ours.toSdesInline() + "\r\n";
        Path sdpFile = dir.resolve("in.sdp");
        Files.writeString(sdpFile, sdp, StandardCharsets.US_ASCII);
        Path out = dir.resolve("srtp.crc");
        Path err = dir.resolve("ffmpeg.err");
        ffmpeg = new ProcessBuilder(ffmpegBinary(), "-hide_banner", "-nostdin", "-v", "error", "-y",
                "-protocol_whitelist", "file,udp,rtp,srtp", "-i", sdpFile.toString(),
                "-fps_mode", "passthrough", "-t", "2", "-f", "framecrc", out.toString())
                .redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!bound(port)) {
            if (!ffmpeg.isAlive() || System.nanoTime() > deadline) {
                fail("FFmpeg did not open SRTP port " + port + " within 10 s: " + Files.readString(err));
            }
            LockSupport.parkNanos(5_000_000);
        }

        try (MediaRelay relay = MediaRelay.builder(scheduler).callId("ffmpeg").stream(MediaKind.VIDEO, Optional.of(ours)).build();
             Codec.MediaSession codec = new SimCodec(scheduler).open(List.of(
                     new Codec.StreamPlan(MediaKind.VIDEO, 96, "H264", 90000, relay.localCodecSidePort(MediaKind.VIDEO))))) {
            relay.connectCodec(MediaKind.VIDEO, codec.localPorts().get(MediaKind.VIDEO));
            relay.connectFarEnd(MediaKind.VIDEO, new InetSocketAddress(LOOPBACK, port),
                    Optional.of(SrtpKeys.random(SrtpSuite.AES_CM_128_HMAC_SHA1_80)));
            if (!ffmpeg.waitFor(30, TimeUnit.SECONDS)) {
                fail("FFmpeg did not finish within 30 s (relay " + relay.stats(MediaKind.VIDEO) + "): " + Files.readString(err));
            }
        }
        String stderr = Files.readString(err);
        assertEquals(0, ffmpeg.exitValue(), "FFmpeg failed: " + stderr);
        assertEquals("", stderr.strip(), "FFmpeg reported errors while decrypting and decoding");
        assertTrue(Files.readString(out).contains("#dimensions 0: 320x180"), "expected 320x180 pictures");
        List<String> got = frameCrcs(out);
        assertTrue(got.size() >= 28 && got.size() <= 31, got.size() + " frames decoded in 2 s of 15 fps video");
        for (int i = 0; i < got.size(); i++) {
            assertEquals(clip.get(i % clip.size()), got.get(i), "picture " + i + " differs from the clip's");
        }
    }

    private static Path runToEnd(List<String> args, Path out) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ffmpegBinary(), "-hide_banner", "-nostdin", "-v", "error", "-y"));
        cmd.addAll(args);
        cmd.add(out.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("FFmpeg did not decode the clip within 30 s");
        }
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "FFmpeg could not decode the clip: " + log);
        return out;
    }

    private static List<String> frameCrcs(Path framecrc) throws IOException {
        List<String> crcs = new ArrayList<>();
        for (String line : Files.readAllLines(framecrc)) {
            if (!line.startsWith("#") && !line.isBlank()) {
                crcs.add(line.substring(line.lastIndexOf(',') + 1).strip());
            }
        }
        return crcs;
    }

    private static String ffmpegBinary() {
        for (String d : List.of("/usr/bin", "/usr/local/bin")) {
            if (Files.isExecutable(Path.of(d, "ffmpeg"))) {
                return d + "/ffmpeg";
            }
        }
        return fail("ffmpeg is not installed: run bin/test (it installs Debian's ffmpeg) or apt-get install ffmpeg");
    }

    /** An even port whose RTCP neighbour is free too (FFmpeg listens on both). */
    private static int freeRtpPort() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port;
            try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
                port = s.getLocalPort();
            }
            if (port % 2 == 0 && port < 65534 && !bound(port) && !bound(port + 1)) {
                return port;
            }
        }
        throw new IOException("no free even UDP port pair on 127.0.0.1 after 50 tries");
    }

    private static boolean bound(int port) {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(LOOPBACK, port))) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }
}
