package io.roomwire.sip.bench;

import io.roomwire.core.time.SystemScheduler;
import io.roomwire.hal.Codec;
import io.roomwire.hal.MediaKind;
import io.roomwire.hal.sim.SimCodec;
import io.roomwire.sim.cloud.gateway.media.GatewayMedia;
import io.roomwire.sip.media.MediaRelay;
import io.roomwire.sip.srtp.SrtpContext;
import io.roomwire.sip.srtp.SrtpKeys;
import io.roomwire.sip.srtp.SrtpSuite;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.locks.LockSupport;

/**
 * End-to-end media figures in real time on loopback: the resident memory one active SRTP call adds
 * (relay + simulated codec + simulated gateway media, audio and video both ways), and the delay the
 * relay adds between the codec's RTP and the far end's SRTP. Prints only markdown table rows.
 */
public final class MediaBench {

    private static final SrtpSuite SUITE = SrtpSuite.AES_CM_128_HMAC_SHA1_80;

    public static void main(String[] args) throws Exception {
        org.tinylog.configuration.Configuration.set("writer.console", "false");
        long[] first = oneCall();
        long[] second = oneCall();
        row("SRTP media relay: added RSS during the first call (audio + video both ways, 8 s, " + first[1]
                + " packets; includes loading the media classes)", String.format("%.1f MB", first[0] / 1024.0), "—");
        row("SRTP media relay: added RSS during a later call (same)", second[0] >= 0
                ? String.format("%.1f MB", second[0] / 1024.0)
                : String.format("≈ 0 MB (%.1f MB: the GC returned more than the call took)", second[0] / 1024.0), "—");
        forwardingDelay();
        srtpPerCpuSecond();
    }

    /**
     * The JMH figure is wall-clock throughput, which a loaded CI machine depresses; this one divides
     * by the thread's own CPU time, i.e. packets per second of one core.
     */
    private static void srtpPerCpuSecond() throws Exception {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        for (SrtpSuite suite : SrtpSuite.values()) {
            SrtpKeys keys = SrtpKeys.random(suite);
            SrtpContext tx = SrtpContext.forSending(keys);
            SrtpContext rx = SrtpContext.forReceiving(keys);
            byte[] rtp = new byte[200];
            rtp[0] = (byte) 0x80;
            int seq = 0;
            double best = 0;
            for (int round = 0; round < 8; round++) {
                int n = 200_000;
                long c0 = mx.getCurrentThreadCpuTime();
                for (int i = 0; i < n; i++) {
                    int s = seq++ & 0xffff;
                    rtp[2] = (byte) (s >> 8);
                    rtp[3] = (byte) s;
                    byte[] p = tx.protectRtp(rtp, 0, rtp.length);
                    rx.unprotectRtp(p, 0, p.length);
                }
                long cpu = mx.getCurrentThreadCpuTime() - c0;
                if (round >= 3) {
                    best = Math.max(best, n * 1e9 / cpu);
                }
            }
            row("SRTP protect + unprotect of 200-byte packets, " + suite.sdpName() + ", per CPU-second of one core",
                    String.format("%.0f k packets/s", best / 1000), "≥ 200 k packets/s");
        }
    }

    /** Runs one call for 8 s; returns {added RSS in kB, packets relayed}. */
    private static long[] oneCall() throws Exception {
        System.gc();
        long before = rssKb();
        long packets;
        long during;
        ScheduledExecutorService gwPacer = Executors.newSingleThreadScheduledExecutor();
        try (SystemScheduler scheduler = new SystemScheduler(1);
             GatewayMedia gw = GatewayMedia.builder().build()) {
            SrtpKeys audioKeys = SrtpKeys.random(SUITE);
            SrtpKeys videoKeys = SrtpKeys.random(SUITE);
            try (MediaRelay relay = MediaRelay.builder(scheduler).callId("bench")
                    .stream(MediaKind.AUDIO, Optional.of(audioKeys)).stream(MediaKind.VIDEO, Optional.of(videoKeys)).build();
                 Codec.MediaSession codec = new SimCodec(scheduler).open(List.of(
                         new Codec.StreamPlan(MediaKind.AUDIO, 0, "PCMU", 8000, relay.localCodecSidePort(MediaKind.AUDIO)),
                         new Codec.StreamPlan(MediaKind.VIDEO, 96, "H264", 90000, relay.localCodecSidePort(MediaKind.VIDEO))))) {
                for (MediaKind k : MediaKind.values()) {
                    GatewayMedia.Kind gk = GatewayMedia.Kind.valueOf(k.name());
                    SrtpKeys ours = k == MediaKind.AUDIO ? audioKeys : videoKeys;
                    relay.connectCodec(k, codec.localPorts().get(k));
                    gw.connect(gk, relay.localFarSidePort(k), Optional.of("inline:" + ours.toSdesInline()));
                    relay.connectFarEnd(k, gw.localRtpPort(gk),
                            Optional.of(SrtpKeys.fromSdesInline(SUITE, gw.localKeyParams(gk).orElseThrow())));
                }
                gw.startSending(gwPacer);
                LockSupport.parkNanos(Duration.ofSeconds(8).toNanos());
                System.gc();
                during = rssKb();
                packets = relay.stats(MediaKind.AUDIO).packetsSent() + relay.stats(MediaKind.VIDEO).packetsSent()
                        + relay.stats(MediaKind.AUDIO).packetsReceived() + relay.stats(MediaKind.VIDEO).packetsReceived();
            }
        } finally {
            gwPacer.shutdownNow();
        }
        return new long[] {during - before, packets};
    }

    private static void forwardingDelay() throws Exception {
        SrtpKeys keys = SrtpKeys.random(SUITE);
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (SystemScheduler scheduler = new SystemScheduler(1);
             DatagramSocket codec = new DatagramSocket(new InetSocketAddress(lo, 0));
             DatagramSocket far = new DatagramSocket(new InetSocketAddress(lo, 0));
             MediaRelay relay = MediaRelay.builder(scheduler).callId("bench2")
                     .stream(MediaKind.AUDIO, (InetSocketAddress) codec.getLocalSocketAddress(),
                             (InetSocketAddress) far.getLocalSocketAddress(), Optional.of(keys), Optional.of(SrtpKeys.random(SUITE)))
                     .build()) {
            far.setSoTimeout(5000);
            SrtpContext rx = SrtpContext.forReceiving(keys);
            byte[] rtp = new byte[200];
            rtp[0] = (byte) 0x80;
            DatagramPacket in = new DatagramPacket(new byte[2048], 2048);
            InetSocketAddress to = relay.localCodecSidePort(MediaKind.AUDIO);
            int n = 3000;
            long[] delays = new long[n];
            for (int i = 0; i < n; i++) {
                rtp[2] = (byte) (i >> 8);
                rtp[3] = (byte) i;
                long t0 = System.nanoTime();
                codec.send(new DatagramPacket(rtp, rtp.length, to));
                far.receive(in);
                delays[i] = System.nanoTime() - t0;
                rx.unprotectRtp(in.getData(), 0, in.getLength());
                LockSupport.parkNanos(200_000);
            }
            long[] measured = Arrays.copyOfRange(delays, 500, n);
            Arrays.sort(measured);
            row("SRTP media relay: codec RTP → far-end SRTP through the relay, 200-byte packets, p50 / p99 (loopback)",
                    String.format("%.0f µs / %.0f µs", measured[measured.length / 2] / 1000.0,
                            measured[measured.length * 99 / 100] / 1000.0), "—");
        }
    }

    private static long rssKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    private static void row(String metric, String value, String target) {
        System.out.println("| " + metric + " | " + value + " | " + target + " |");
    }
}
