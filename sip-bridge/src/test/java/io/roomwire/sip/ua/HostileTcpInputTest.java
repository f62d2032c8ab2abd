package io.roomwire.sip.ua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.sim.SimCodec;
import io.roomwire.sip.SipTransport;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile input to the room's SIP TCP listener (issue 12): the fuzz corpus, random garbage,
 * oversized and truncated messages, each on a connection of its own, then more connections than
 * sip.max-connections. Afterwards the room still answers OPTIONS, holds no calls, and its threads
 * and file descriptors are back where they were.
 */
class HostileTcpInputTest {

    private static final int MAX_CONNECTIONS = 4;
    private static final List<String> CORPUS = List.of("400-bad-crypto-key.sip", "400-broken-sdp.sip",
            "405-subscribe.sip", "415-not-sdp.sip", "481-bye-for-no-call.sip", "488-no-offer.sip",
            "488-unknown-crypto-suite.sip", "501-unknown-method.sip", "any-huge-header.sip",
            "drop-bad-via-and-cseq.sip", "drop-binary-garbage.sip", "drop-content-length-too-big.sip",
            "drop-content-length-too-small.sip", "drop-negative-content-length.sip", "drop-no-call-id.sip",
            "drop-only-crlf.sip", "drop-stray-response.sip", "drop-truncated-headers.sip");

    private final VirtualScheduler clock = new VirtualScheduler();
    private final SimCodec codec = new SimCodec(clock);
    private final List<Socket> open = new ArrayList<>();
    private SipJoinPath room;
    private int inputs;

    @AfterEach
    void tearDown() throws IOException {
        for (Socket s : open) {
            s.close();
        }
        if (room != null) {
            room.stop();
        }
    }

    private Socket connect() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), room.localPort());
        s.setSoTimeout(3000);
        open.add(s);
        return s;
    }

    /** Sends one input on a fresh connection and reads whatever comes back until the room closes or goes quiet. */
    private String exchange(byte[] input) throws IOException {
        inputs++;
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), room.localPort())) {
            s.setSoTimeout(400);
            s.getOutputStream().write(input);
            s.shutdownOutput();
            InputStream in = s.getInputStream();
            StringBuilder got = new StringBuilder();
            byte[] buf = new byte[4096];
            try {
                int n;
                while ((n = in.read(buf)) > 0) {
                    got.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                }
            } catch (SocketTimeoutException | java.net.SocketException e) {
                // quiet or reset: both are fine answers to garbage
            }
            return got.toString();
        }
    }

    /** A well-formed request on a connection kept open for the answer (the room answers on it, RFC 3261 18.2.2). */
    private String ask(String request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), room.localPort())) {
            s.setSoTimeout(2000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            byte[] buf = new byte[4096];
            int n = s.getInputStream().read(buf);
            return n < 0 ? "closed" : new String(buf, 0, n, StandardCharsets.ISO_8859_1);
        }
    }

    private String fill(String template, int port) {
        return template.replace("${port}", Integer.toString(room.localPort())).replace("${lport}", Integer.toString(port))
                .replace("${branch}", "fz" + UUID.randomUUID().toString().substring(0, 8))
                .replace("${callid}", "tcp-fuzz-" + UUID.randomUUID()).replace("${huge}", "x".repeat(30_000))
                .replace("SIP/2.0/UDP", "SIP/2.0/TCP");
    }

    private static long openFileDescriptors() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    private String options() {
        return "OPTIONS sip:room-12@127.0.0.1:" + room.localPort() + " SIP/2.0\r\n"
                + "Via: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bK" + UUID.randomUUID().toString().substring(0, 8) + "\r\n"
                + "From: <sip:prober@127.0.0.1>;tag=1\r\nTo: <sip:room-12@127.0.0.1>\r\nCall-ID: probe-" + UUID.randomUUID()
                + "\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
    }

    @Test
    void survivesHostileTcpInputAndConnectionFloodsAndLeaksNothing() throws Exception {
        int threadsBefore = Thread.activeCount();
        room = SipJoinPath.builder(SipFixtures.settings(SipTransport.TCP).maxConnections(MAX_CONNECTIONS).build(), clock)
                .codec(codec).build();
        room.start();
        // Baselines with the room up and warmed (class loading opens jar files once).
        assertTrue(ask(options()).startsWith("SIP/2.0 200"));
        int threadsRunning = Thread.activeCount();
        long fdsRunning = openFileDescriptors();
        for (String f : CORPUS) {
            try (InputStream in = getClass().getResourceAsStream("/fuzz/" + f)) {
                exchange(fill(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1), 9)
                        .getBytes(StandardCharsets.ISO_8859_1));
            }
        }
        Random rnd = new Random(12);
        for (int i = 0; i < 100; i++) {
            byte[] garbage = new byte[1 + rnd.nextInt(2000)];
            rnd.nextBytes(garbage);
            exchange(garbage);
        }
        String opt = options();
        for (int cut = 10; cut < opt.length(); cut += 37) {
            exchange(opt.substring(0, cut).getBytes(StandardCharsets.ISO_8859_1)); // truncated mid-message
        }
        exchange(("INVITE sip:x@y SIP/2.0\r\n" + "X-Pad: " + "a".repeat(100_000) + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1)); // over the 64 KiB header cap
        exchange((opt.replace("Content-Length: 0", "Content-Length: 999999999")).getBytes(StandardCharsets.ISO_8859_1));

        // A flood of idle connections: the one over sip.max-connections is closed at once.
        for (int i = 0; i < MAX_CONNECTIONS; i++) {
            connect();
        }
        Socket over = connect();
        inputs += MAX_CONNECTIONS + 1;
        assertEquals(-1, over.getInputStream().read(), "connection " + (MAX_CONNECTIONS + 1) + " is closed by the room");
        for (Socket s : open) {
            s.close();
        }
        open.clear();

        // The room still works: OPTIONS over a new connection is answered 200.
        String[] last = {""};
        Await.until("OPTIONS answered after " + inputs + " hostile inputs", null, Duration.ofSeconds(10), () -> {
            try {
                last[0] = ask(options());
                return last[0].startsWith("SIP/2.0 200");
            } catch (IOException e) {
                last[0] = e.toString();
                return false;
            }
        }, () -> last[0]);
        assertTrue(room.calls().isEmpty());
        assertEquals(0, codec.openSessions());
        Await.until("connection threads gone (" + threadsRunning + " with the room up)", null, Duration.ofSeconds(10),
                () -> Thread.activeCount() <= threadsRunning, () -> "now " + Thread.activeCount());
        long[] fds = {0};
        Await.until("descriptors back to " + fdsRunning + " with the room up", null, Duration.ofSeconds(10), () -> {
            try {
                fds[0] = openFileDescriptors();
                return fds[0] <= fdsRunning;
            } catch (IOException e) {
                return false;
            }
        }, () -> "now " + fds[0]);
        assertTrue(inputs > 130, inputs + " inputs");
        room.stop();
        assertTrue(room.awaitStopped(Duration.ofSeconds(5)));
        Await.until("threads back to " + threadsBefore, null, Duration.ofSeconds(10),
                () -> Thread.activeCount() <= threadsBefore, () -> "now " + Thread.activeCount());
        System.out.println("HostileTcpInputTest: " + inputs + " inputs, 0 crashes, threads and descriptors back");
    }
}
