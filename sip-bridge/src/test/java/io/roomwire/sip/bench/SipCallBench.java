package io.roomwire.sip.bench;

import io.roomwire.core.time.SystemScheduler;
import io.roomwire.hal.sim.SimCodec;
import io.roomwire.sip.Call;
import io.roomwire.sip.CallEvent;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sip.SipSettings;
import io.roomwire.sip.SipTransport;
import io.roomwire.sip.sdp.SrtpPolicy;
import io.roomwire.sip.ua.SipHop;
import io.roomwire.sip.ua.SipJoinPath;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * End-to-end SIP figures on loopback: Join press to INVITE on the wire, INVITE to 200 to ACK
 * against SIPp as UAS, and the resident memory one active call adds. Prints table rows only.
 */
public final class SipCallBench {

    private static final int WARMUP = 20;
    private static final int CALLS = 100;
    private static final int CONCURRENT = 30;

    private SipCallBench() {
    }

    public static void main(String[] args) throws Exception {
        org.tinylog.configuration.Configuration.set("writer.level", "warn");
        joinPressToInvite();
        inviteToAckAndRss();
        System.exit(0);
    }

    private static SipSettings settings() {
        return SipSettings.builder().transport(SipTransport.UDP).localAddress("127.0.0.1").user("room-12")
                .domain("room.test").srtpPolicy(SrtpPolicy.BEST_EFFORT).build();
    }

    /** A bare UDP far end that answers every INVITE with 486, timing when each INVITE arrives. */
    private static void joinPressToInvite() throws Exception {
        try (SystemScheduler scheduler = new SystemScheduler(2);
             DatagramSocket far = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            SipJoinPath room = SipJoinPath.builder(settings(), scheduler).codec(new SimCodec(scheduler))
                    .resolver((h, p, t) -> List.of(new SipHop("127.0.0.1", far.getLocalPort(), t))).build();
            room.start();
            BlockingQueue<Long> arrivals = new ArrayBlockingQueue<>(4);
            Thread rx = new Thread(() -> answerBusy(far, arrivals), "bench-far-end");
            rx.setDaemon(true);
            rx.start();
            List<Long> samples = new ArrayList<>();
            for (int i = 0; i < WARMUP + CALLS; i++) {
                arrivals.clear();
                BlockingQueue<Boolean> ended = new ArrayBlockingQueue<>(1);
                io.roomwire.sip.CallListener l = e -> {
                    if (e instanceof CallEvent.Ended) {
                        ended.offer(true);
                    }
                };
                room.addListener(l);
                long t0 = System.nanoTime();
                room.dial(JoinTarget.sip("sip:meeting@far.test", "sip", "bench"));
                Long t1 = arrivals.poll(5, TimeUnit.SECONDS);
                ended.poll(5, TimeUnit.SECONDS);
                room.removeListener(l);
                if (t1 != null && i >= WARMUP) {
                    samples.add(t1 - t0);
                }
            }
            room.stop();
            row("Join press → INVITE on the wire (UDP, loopback) p50", ms(pct(samples, 50)), "≤ 20 ms");
            row("Join press → INVITE on the wire (UDP, loopback) p99", ms(pct(samples, 99)), "—");
        }
    }

    private static void answerBusy(DatagramSocket far, BlockingQueue<Long> arrivals) {
        byte[] buf = new byte[65535];
        while (!far.isClosed()) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                far.receive(p);
            } catch (IOException e) {
                return;
            }
            long now = System.nanoTime();
            String s = new String(p.getData(), 0, p.getLength(), StandardCharsets.ISO_8859_1);
            if (!s.startsWith("INVITE ")) {
                continue;
            }
            arrivals.offer(now);
            StringBuilder r = new StringBuilder("SIP/2.0 486 Busy Here\r\n");
            for (String line : s.split("\r\n")) {
                if (line.startsWith("Via:") || line.startsWith("From:") || line.startsWith("Call-ID:")
                        || line.startsWith("CSeq:")) {
                    r.append(line).append("\r\n");
                } else if (line.startsWith("To:")) {
                    r.append(line).append(";tag=bench\r\n");
                }
            }
            r.append("Content-Length: 0\r\n\r\n");
            byte[] b = r.toString().getBytes(StandardCharsets.ISO_8859_1);
            try {
                far.send(new DatagramPacket(b, b.length, p.getSocketAddress()));
            } catch (IOException e) {
                return;
            }
        }
    }

    /** SIPp UAS (uas-200.xml) answering CALLS calls; our dial() to CONNECTED (the ACK is sent just before). */
    private static void inviteToAckAndRss() throws Exception {
        Path dir = Files.createTempDirectory("sipp-bench-");
        Path scenario = dir.resolve("uas-200.xml");
        try (InputStream in = SipCallBench.class.getResourceAsStream("/sipp/uas-200.xml")) {
            Files.copy(in, scenario);
        }
        int port;
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            port = s.getLocalPort();
        }
        Process sipp = new ProcessBuilder("sipp", "-sf", scenario.toString(), "-i", "127.0.0.1", "-p",
                Integer.toString(port), "-t", "u1", "-m", Integer.toString(WARMUP + CALLS + CONCURRENT), "-timeout", "120s",
                "-nostdin", "-trace_msg", "-message_file", dir.resolve("messages.log").toString()).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("screen.log").toFile()).start();
        try (SystemScheduler scheduler = new SystemScheduler(2)) {
            waitUdpListening(port);
            SimCodec codec = new SimCodec(scheduler);
            SipJoinPath room = SipJoinPath.builder(settings(), scheduler).codec(codec)
                    .resolver((h, p, t) -> List.of(new SipHop("127.0.0.1", port, t))).build();
            room.start();
            List<Long> samples = new ArrayList<>();
            for (int i = 0; i < WARMUP + CALLS; i++) {
                Long d = callOnce(room, i >= WARMUP ? null : 0L);
                if (d != null && i >= WARMUP) {
                    samples.add(d);
                }
            }
            List<Long> wire = sippInviteToAck(dir.resolve("messages.log"));
            row("INVITE → 200 → ACK against SIPp UAS (UDP, loopback, SIPp's message trace) p50", ms(pct(wire, 50)),
                    "≤ 5 ms");
            row("INVITE → 200 → ACK against SIPp UAS (UDP, loopback, SIPp's message trace) p99", ms(pct(wire, 99)), "—");
            row("Dial → connected incl. media start, against SIPp UAS p50", ms(pct(samples, 50)), "—");
            // Resident memory one active call adds: media relay sockets and threads, codec streams, SRTP state.
            settle();
            long before = rssKb();
            BlockingQueue<Boolean> up = new ArrayBlockingQueue<>(CONCURRENT);
            io.roomwire.sip.CallListener l = e -> {
                if (e instanceof CallEvent.StateChanged s && s.state() == CallState.CONNECTED) {
                    up.offer(true);
                }
            };
            room.addListener(l);
            List<Call> calls = new ArrayList<>();
            for (int i = 0; i < CONCURRENT; i++) {
                calls.add(room.dial(JoinTarget.sip("sip:meeting@sipp.test", "sip", "bench")));
            }
            for (int i = 0; i < CONCURRENT; i++) {
                up.poll(5, TimeUnit.SECONDS);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);
            }
            settle();
            long during = rssKb();
            calls.forEach(Call::hangUp);
            row("Added RSS per active call (mean of " + CONCURRENT + " concurrent calls, audio+video relay, sim codec)",
                    String.format(Locale.ROOT, "%.2f MB", (during - before) / 1024.0 / CONCURRENT), "—");
            room.stop();
        } finally {
            sipp.destroyForcibly();
        }
    }

    private static Long callOnce(SipJoinPath room, Long unused) throws InterruptedException {
        BlockingQueue<Long> connected = new ArrayBlockingQueue<>(1);
        BlockingQueue<Boolean> ended = new ArrayBlockingQueue<>(1);
        io.roomwire.sip.CallListener l = e -> {
            if (e instanceof CallEvent.StateChanged s && s.state() == CallState.CONNECTED) {
                connected.offer(System.nanoTime());
            } else if (e instanceof CallEvent.Ended) {
                ended.offer(true);
            }
        };
        room.addListener(l);
        long t0 = System.nanoTime();
        Call call = room.dial(JoinTarget.sip("sip:meeting@sipp.test", "sip", "bench"));
        Long t1 = connected.poll(5, TimeUnit.SECONDS);
        call.hangUp();
        ended.poll(5, TimeUnit.SECONDS);
        room.removeListener(l);
        return t1 == null ? null : t1 - t0;
    }

    private static void waitUdpListening(int port) throws IOException {
        String hex = String.format(Locale.ROOT, ":%04X", port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (Files.readAllLines(Path.of("/proc/net/udp")).stream().anyMatch(l -> l.contains(hex))) {
                return;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
        }
        throw new IOException("SIPp did not start (is sip-tester installed?)");
    }

    /** Collects and gives the JVM time to return freed heap, so RSS readings compare like with like. */
    private static void settle() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            java.util.concurrent.locks.LockSupport.parkNanos(300_000_000);
        }
    }

    /**
     * From SIPp's message trace (microsecond timestamps): for each call, INVITE received to ACK
     * received, i.e. INVITE → 100/200 from SIPp → ACK from the room, on SIPp's side of the wire.
     */
    private static List<Long> sippInviteToAck(Path trace) throws IOException {
        java.util.Map<String, Long> invites = new java.util.HashMap<>();
        List<Long> out = new ArrayList<>();
        java.time.format.DateTimeFormatter f = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");
        long stamp = 0;
        String method = null;
        for (String line : Files.readAllLines(trace, StandardCharsets.ISO_8859_1)) {
            if (line.startsWith("-----------------------------------------------")) {
                String ts = line.replaceAll("^-+ ", "").trim();
                java.time.LocalDateTime t = java.time.LocalDateTime.parse(ts, f);
                stamp = t.toEpochSecond(java.time.ZoneOffset.UTC) * 1_000_000_000L + t.getNano();
                method = null;
            } else if (line.startsWith("INVITE ") || line.startsWith("ACK ")) {
                method = line.substring(0, line.indexOf(' '));
            } else if (method != null && line.startsWith("Call-ID:")) {
                String id = line.substring(8).trim();
                if (method.equals("INVITE")) {
                    invites.putIfAbsent(id, stamp);
                } else if (invites.containsKey(id)) {
                    out.add(stamp - invites.remove(id));
                }
                method = null;
            }
        }
        return out.size() > WARMUP ? out.subList(WARMUP, out.size()) : out;
    }

    private static long rssKb() throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("\\D", ""));
            }
        }
        return 0;
    }

    private static long pct(List<Long> xs, int p) {
        if (xs.isEmpty()) {
            return -1;
        }
        List<Long> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(Math.min(s.size() - 1, (int) Math.ceil(p / 100.0 * s.size()) - 1));
    }

    private static String ms(long nanos) {
        return nanos < 0 ? "n/a" : String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
    }

    private static void row(String metric, String value, String target) {
        System.out.println("| " + metric + " | " + value + " | " + target + " |");
    }
}
