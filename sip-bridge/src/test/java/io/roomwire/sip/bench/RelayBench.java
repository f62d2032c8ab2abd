package io.roomwire.sip.bench;

import io.roomwire.core.time.SystemScheduler;
import io.roomwire.hal.MediaKind;
import io.roomwire.sip.media.MediaRelay;
import io.roomwire.sip.srtp.SrtpContext;
import io.roomwire.sip.srtp.SrtpKeys;
import io.roomwire.sip.srtp.SrtpSuite;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Packets per second per core through the media relay ({@code MediaRelay}/{@code RelayStream}): a sender
 * pushes 200-byte RTP (or SRTP) packets into one side, a receiver counts what leaves the other, and the
 * figure is packets relayed per CPU-second of the relay's own threads (so the sender, the receiver and
 * other load on the machine do not count). The reference, measured the same way in the same run, is the
 * floor of any relay in a JVM: one thread that receives a datagram and sends it on, nothing else.
 * Prints only markdown table rows.
 */
public final class RelayBench {

    private static final int SIZE = 200;
    private static final SrtpSuite SUITE = SrtpSuite.AES_CM_128_HMAC_SHA1_80;
    private static final InetAddress LO = InetAddress.getLoopbackAddress();

    /** Packets relayed, the relay threads' CPU time in ns, and the wall time in ns of one run. */
    record Result(long packets, long cpuNanos, long wallNanos) {
        double perCoreSecond() {
            return packets * 1e9 / Math.max(1, cpuNanos);
        }

        double perWallSecond() {
            return packets * 1e9 / Math.max(1, wallNanos);
        }
    }

    public static void main(String[] args) throws Exception {
        org.tinylog.configuration.Configuration.set("writer.console", "false");
        Duration d = Duration.ofSeconds(args.length > 0 && args[0].equals("--quick") ? 1 : 5);
        forwarder(Duration.ofSeconds(1)); // warm-up
        relay(true, true, Duration.ofSeconds(1));
        Result ref = forwarder(d);
        Result out = relay(true, true, d);
        Result in = relay(true, false, d);
        Result plain = relay(false, true, d);
        row("Reference: a bare JVM UDP forwarder (receive, send; one thread), 200-byte packets", ref);
        row("Media relay, codec RTP → far-end SRTP (" + SUITE.sdpName() + "), 200-byte packets", out);
        row("Media relay, far-end SRTP → codec RTP (authenticate, replay check, decrypt), 200-byte packets", in);
        row("Media relay, plain RTP codec → far end, 200-byte packets", plain);
    }

    private static void row(String metric, Result r) {
        System.out.println(String.format("| %s | %.0f k packets/s per core (%.0f k/s wall, %d packets) | — |",
                metric, r.perCoreSecond() / 1000, r.perWallSecond() / 1000, r.packets()));
    }

    /** The relay in one direction: {@code fromCodec} codec → far end, else far end → codec. */
    static Result relay(boolean srtp, boolean fromCodec, Duration d) throws Exception {
        SrtpKeys keys = SrtpKeys.random(SUITE);
        String callId = "bench" + System.nanoTime();
        try (SystemScheduler scheduler = new SystemScheduler(1);
             DatagramSocket codec = new DatagramSocket(new InetSocketAddress(LO, 0));
             DatagramSocket far = new DatagramSocket(new InetSocketAddress(LO, 0));
             MediaRelay relay = MediaRelay.builder(scheduler).callId(callId)
                     .stream(MediaKind.AUDIO, (InetSocketAddress) codec.getLocalSocketAddress(),
                             (InetSocketAddress) far.getLocalSocketAddress(),
                             srtp ? Optional.of(keys) : Optional.empty(), srtp ? Optional.of(keys) : Optional.empty())
                     .build()) {
            DatagramSocket from = fromCodec ? codec : far;
            DatagramSocket to = fromCodec ? far : codec;
            InetSocketAddress into = fromCodec ? relay.localCodecSidePort(MediaKind.AUDIO) : relay.localFarSidePort(MediaKind.AUDIO);
            SrtpContext protect = srtp && !fromCodec ? SrtpContext.forSending(keys) : null;
            return run(from, to, into, protect, "media-" + callId, d);
        }
    }

    /** The reference: one thread forwarding datagrams, nothing else. */
    static Result forwarder(Duration d) throws Exception {
        try (DatagramSocket in = new DatagramSocket(new InetSocketAddress(LO, 0));
             DatagramSocket out = new DatagramSocket(new InetSocketAddress(LO, 0));
             DatagramSocket sender = new DatagramSocket(new InetSocketAddress(LO, 0));
             DatagramSocket receiver = new DatagramSocket(new InetSocketAddress(LO, 0))) {
            String name = "bench-forwarder-" + System.nanoTime();
            Thread t = new Thread(() -> {
                byte[] buf = new byte[2048];
                DatagramPacket dp = new DatagramPacket(buf, buf.length);
                DatagramPacket fwd = new DatagramPacket(buf, 0, receiver.getLocalSocketAddress());
                while (!in.isClosed()) {
                    try {
                        dp.setLength(buf.length);
                        in.receive(dp);
                        fwd.setLength(dp.getLength());
                        out.send(fwd);
                    } catch (SocketException e) {
                        return;
                    } catch (IOException e) {
                        // keep forwarding
                    }
                }
            }, name);
            t.setDaemon(true);
            t.start();
            return run(sender, receiver, (InetSocketAddress) in.getLocalSocketAddress(), null, name, d);
        }
    }

    /**
     * Sends into {@code into} from {@code from} for {@code d}, at most 256 packets ahead of what
     * {@code to} has received (so the sockets' buffers do not overflow and the relay, not loss, is measured).
     */
    private static Result run(DatagramSocket from, DatagramSocket to, InetSocketAddress into, SrtpContext protect,
                              String threadPrefix, Duration d) throws Exception {
        AtomicLong received = new AtomicLong();
        Thread rx = new Thread(() -> {
            byte[] buf = new byte[2048];
            DatagramPacket dp = new DatagramPacket(buf, buf.length);
            while (!to.isClosed()) {
                try {
                    dp.setLength(buf.length);
                    to.receive(dp);
                    received.incrementAndGet();
                } catch (IOException e) {
                    return;
                }
            }
        }, "bench-rx");
        rx.setDaemon(true);
        rx.start();
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        byte[] rtp = new byte[SIZE];
        rtp[0] = (byte) 0x80;
        rtp[1] = 0; // PCMU
        rtp[8] = 0x12; // SSRC
        long cpu0 = threadCpu(mx, threadPrefix);
        long t0 = System.nanoTime();
        long rx0 = received.get();
        long sent = 0;
        long deadline = t0 + d.toNanos();
        while (System.nanoTime() < deadline) {
            if (sent - (received.get() - rx0) > 256) {
                LockSupport.parkNanos(20_000);
                continue;
            }
            int seq = (int) (sent & 0xffff);
            rtp[2] = (byte) (seq >> 8);
            rtp[3] = (byte) seq;
            long ts = sent * 160;
            rtp[4] = (byte) (ts >> 24);
            rtp[5] = (byte) (ts >> 16);
            rtp[6] = (byte) (ts >> 8);
            rtp[7] = (byte) ts;
            byte[] p = protect == null ? rtp : protect.protectRtp(rtp, 0, rtp.length);
            from.send(new DatagramPacket(p, p.length, into));
            sent++;
        }
        long stop = System.nanoTime() + Duration.ofMillis(300).toNanos();
        while (received.get() - rx0 < sent && System.nanoTime() < stop) {
            LockSupport.parkNanos(1_000_000);
        }
        long wall = System.nanoTime() - t0;
        long cpu = threadCpu(mx, threadPrefix) - cpu0;
        return new Result(received.get() - rx0, cpu, wall);
    }

    /** CPU time of the live threads whose name starts with {@code prefix}. */
    private static long threadCpu(ThreadMXBean mx, String prefix) {
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix)) {
                long c = mx.getThreadCpuTime(t.getId());
                sum += Math.max(0, c);
            }
        }
        return sum;
    }
}
