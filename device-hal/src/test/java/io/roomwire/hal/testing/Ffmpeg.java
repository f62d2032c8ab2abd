package io.roomwire.hal.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * FFmpeg (Debian's {@code ffmpeg}, installed by bin/test) as the decoder nobody here wrote: receiving
 * RTP/SRTP described by an SDP file on 127.0.0.1, or decoding a file; and what the tests do with its
 * output (frame CRCs, 8 kHz PCM, tone power). Shared by the tests of device-hal-sim, device-hal-linux and sip-bridge (test-jar).
 */
public final class Ffmpeg {

    public static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    public static final Duration LIMIT = Duration.ofSeconds(30);

    private Ffmpeg() {
    }

    public static String binary() {
        for (String d : List.of("/usr/bin", "/usr/local/bin")) {
            if (Files.isExecutable(Path.of(d, "ffmpeg"))) {
                return d + "/ffmpeg";
            }
        }
        return fail("ffmpeg is not installed: run bin/test (it installs Debian's ffmpeg) or apt-get install ffmpeg");
    }

    /** An SDP offering one plain-RTP stream to 127.0.0.1:{@code port}. */
    public static String sdp(int port, String media, String profile, int pt, String attributes) {
        return "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=roomwire test\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                + "m=" + media + " " + port + " " + profile + " " + pt + "\r\n" + attributes;
    }

    /** A receiving FFmpeg and the RTP port it holds. */
    public record Receiver(Process process, int port) {
    }

    /**
     * Starts FFmpeg receiving the stream that {@code sdpAtPort} describes at a free even port into
     * {@code out} (errors into {@code err}) and waits until it holds the port, so nothing sent after this
     * returns is lost. A port is free only until FFmpeg binds it: when another process takes it (or its
     * RTCP neighbour) in between, FFmpeg is started again on another port, at most five times.
     */
    public static Receiver receive(Path dir, java.util.function.IntFunction<String> sdpAtPort, List<String> outputArgs,
                                   Path out, Path err) throws IOException {
        String lastError = "";
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = freeRtpPort();
            Path sdpFile = dir.resolve("in-" + port + ".sdp");
            Files.writeString(sdpFile, sdpAtPort.apply(port), StandardCharsets.US_ASCII);
            List<String> cmd = new ArrayList<>(List.of(binary(), "-hide_banner", "-nostdin", "-v", "error", "-y",
                    "-protocol_whitelist", "file,udp,rtp,srtp", "-i", sdpFile.toString()));
            cmd.addAll(outputArgs);
            cmd.add(out.toString());
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!bound(port) && p.isAlive() && System.nanoTime() < deadline) {
                LockSupport.parkNanos(5_000_000);
            }
            if (p.isAlive() && bound(port)) {
                return new Receiver(p, port);
            }
            p.destroyForcibly();
            lastError = Files.readString(err);
            if (!lastError.contains("Address already in use")) {
                break;
            }
        }
        return fail("FFmpeg did not open an RTP port within 10 s: " + lastError);
    }

    /** Waits (bounded) for a receiving FFmpeg to finish and returns its error output, asserting exit code 0. */
    public static String finish(Process p, Path err, Object whatWasSent) throws Exception {
        if (!p.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("FFmpeg did not finish within " + LIMIT + " (sent " + whatWasSent + "): " + Files.readString(err));
        }
        String stderr = Files.readString(err);
        assertEquals(0, p.exitValue(), "FFmpeg failed: " + stderr);
        return stderr;
    }

    /** Runs FFmpeg on a file to completion (bounded) and returns {@code out}. */
    public static Path run(List<String> args, Path out) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(binary(), "-hide_banner", "-nostdin", "-v", "error", "-y"));
        cmd.addAll(args);
        cmd.add(out.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("FFmpeg did not finish within " + LIMIT);
        }
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "FFmpeg failed: " + log);
        return out;
    }

    /** The CRC column of FFmpeg's framecrc output, one per decoded frame. */
    public static List<String> frameCrcs(Path framecrc) throws IOException {
        List<String> crcs = new ArrayList<>();
        for (String line : Files.readAllLines(framecrc)) {
            if (!line.startsWith("#") && !line.isBlank()) {
                crcs.add(line.substring(line.lastIndexOf(',') + 1).strip());
            }
        }
        return crcs;
    }

    /** An even port whose RTCP neighbour is free too (FFmpeg listens on both). */
    public static int freeRtpPort() throws IOException {
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

    public static boolean bound(int port) {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(LOOPBACK, port))) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /** Signed 16-bit little-endian samples (FFmpeg's {@code -f s16le}). */
    public static short[] samples(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        short[] out = new short[b.remaining() / 2];
        b.asShortBuffer().get(out);
        return out;
    }

    /** Power of one frequency in a window (Goertzel's algorithm) at {@code rate} Hz. */
    public static double goertzel(short[] x, int off, int n, int hz, int rate) {
        double w = 2 * Math.PI * hz / (double) rate;
        double coeff = 2 * Math.cos(w);
        double s1 = 0;
        double s2 = 0;
        for (int i = 0; i < n; i++) {
            double s = x[off + i] + coeff * s1 - s2;
            s2 = s1;
            s1 = s;
        }
        return s1 * s1 + s2 * s2 - coeff * s1 * s2;
    }

    public static double energy(short[] x, int off, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += (double) x[off + i] * x[off + i];
        }
        return Math.max(sum, 1);
    }

    public static double rms(short[] x) {
        double sum = 0;
        for (short v : x) {
            sum += (double) v * v;
        }
        return Math.sqrt(sum / Math.max(1, x.length));
    }
}
