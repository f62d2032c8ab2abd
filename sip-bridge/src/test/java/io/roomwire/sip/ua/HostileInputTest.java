package io.roomwire.sip.ua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.sim.SimCodec;
import io.roomwire.sip.SipTransport;
import io.roomwire.sip.sdp.SrtpPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Malformed and abusive input: the right 4xx or silence, never a crash, nothing leaked. */
class HostileInputTest {

    private static final List<String> CORPUS = List.of("400-bad-crypto-key.sip", "400-broken-sdp.sip",
            "405-subscribe.sip", "415-not-sdp.sip", "481-bye-for-no-call.sip", "488-no-offer.sip",
            "488-unknown-crypto-suite.sip", "501-unknown-method.sip", "any-huge-header.sip",
            "drop-bad-via-and-cseq.sip", "drop-binary-garbage.sip", "drop-content-length-too-big.sip",
            "drop-content-length-too-small.sip", "drop-negative-content-length.sip", "drop-no-call-id.sip",
            "drop-only-crlf.sip", "drop-stray-response.sip", "drop-truncated-headers.sip");

    private final VirtualScheduler clock = new VirtualScheduler();
    private final SimCodec codec = new SimCodec(clock);
    private SipJoinPath room;
    private DatagramSocket socket;
    private int n;

    @BeforeEach
    void setUp() throws Exception {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        socket.setSoTimeout(300);
    }

    @AfterEach
    void tearDown() {
        if (room != null) {
            room.stop();
        }
        socket.close();
    }

    private void start(int rateLimit) throws Exception {
        start(b -> b.inviteRateLimit(rateLimit).maxRingingCalls(rateLimit));
    }

    private void start(java.util.function.UnaryOperator<io.roomwire.sip.SipSettings.Builder> tune) throws Exception {
        room = SipJoinPath.builder(tune.apply(SipFixtures.settings(SipTransport.UDP).srtpPolicy(SrtpPolicy.REQUIRED)
                .ringTimeout(Duration.ofSeconds(30))).build(), clock).codec(codec).build();
        room.start();
    }

    private String secureInvite() throws IOException {
        String body = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                + "m=audio 9 RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
                + "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n";
        return load("488-no-offer.sip").replace("Content-Length: 0\r\n\r\n",
                "Content-Type: application/sdp\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
    }

    private String load(String name) throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/fuzz/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private String lastCallId = "";

    private void send(String template) throws IOException {
        n++;
        lastCallId = "fuzz-" + n + "-" + UUID.randomUUID();
        String msg = template.replace("${port}", Integer.toString(room.localPort()))
                .replace("${lport}", Integer.toString(socket.getLocalPort()))
                .replace("${branch}", "fz" + n + UUID.randomUUID().toString().substring(0, 8))
                .replace("${callid}", lastCallId)
                .replace("${huge}", "x".repeat(30_000));
        byte[] b = msg.getBytes(StandardCharsets.ISO_8859_1);
        socket.send(new DatagramPacket(b, b.length, InetAddress.getLoopbackAddress(), room.localPort()));
    }

    /**
     * Final status codes to the last request that came back within the wait (provisional ones and
     * answers to earlier requests are skipped); a final answer to an INVITE is ACKed, as a caller would.
     */
    private List<Integer> responses(Duration wait) throws IOException {
        return responses(wait, false);
    }

    /** As {@link #responses(Duration)}; with {@code ringingCounts}, a 180 also ends the wait (a call that rings). */
    private List<Integer> responses(Duration wait, boolean ringingCounts) throws IOException {
        List<Integer> codes = new ArrayList<>();
        long end = System.nanoTime() + wait.toNanos();
        byte[] buf = new byte[65535];
        while (System.nanoTime() < end) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
            } catch (SocketTimeoutException e) {
                continue;
            }
            String s = new String(p.getData(), 0, p.getLength(), StandardCharsets.ISO_8859_1);
            if (s.startsWith("SIP/2.0 ") && s.contains("Call-ID: " + lastCallId + "\r\n")) {
                int code = Integer.parseInt(s.substring(8, 11));
                if (code == 180 && ringingCounts) {
                    codes.add(code);
                    return codes;
                }
                if (code >= 200) {
                    if (s.contains(" INVITE\r\n")) {
                        ack(s);
                    }
                    codes.add(code);
                    return codes;
                }
            }
        }
        return codes;
    }

    /** The ACK for a non-2xx final response: same branch, the response's To tag (RFC 3261 17.1.1.3). */
    private void ack(String response) throws IOException {
        StringBuilder ack = new StringBuilder("ACK sip:room-12@127.0.0.1:" + room.localPort() + " SIP/2.0\r\n");
        for (String line : response.split("\r\n")) {
            if (line.startsWith("Via:") || line.startsWith("From:") || line.startsWith("To:")
                    || line.startsWith("Call-ID:")) {
                ack.append(line).append("\r\n");
            } else if (line.startsWith("CSeq:")) {
                ack.append(line.replace("INVITE", "ACK")).append("\r\n");
            }
        }
        ack.append("Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
        byte[] b = ack.toString().getBytes(StandardCharsets.ISO_8859_1);
        socket.send(new DatagramPacket(b, b.length, InetAddress.getLoopbackAddress(), room.localPort()));
    }

    private static Set<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .map(t -> t.getName().replaceAll("\\d+", "#")).collect(Collectors.toSet());
    }

    @Test
    void answersTheFuzzCorpusRightAndLeaksNothing() throws Exception {
        int threadsBefore = Thread.activeCount();
        start(20);
        Map<String, List<Integer>> got = new TreeMap<>();
        for (String f : CORPUS) {
            send(load(f));
            // The wait ends at the final answer; the bound only matters when none comes (a dropped message).
            got.put(f, responses(Duration.ofMillis(f.startsWith("drop") ? 300 : 10_000)));
        }
        for (Map.Entry<String, List<Integer>> e : got.entrySet()) {
            String expect = e.getKey().substring(0, e.getKey().indexOf('-'));
            if (expect.matches("\\d{3}")) {
                assertEquals(List.of(Integer.parseInt(expect)), e.getValue(), e.getKey() + " -> " + got);
            } else if (expect.equals("drop")) {
                assertTrue(e.getValue().stream().allMatch(c -> c >= 400), e.getKey() + " -> " + e.getValue());
            }
        }
        // Random datagrams and every truncation of a valid request: silence or a 4xx, never a crash.
        java.util.Random rnd = new java.util.Random(10);
        for (int i = 0; i < 200; i++) {
            byte[] garbage = new byte[1 + rnd.nextInt(1400)];
            rnd.nextBytes(garbage);
            n++;
            socket.send(new DatagramPacket(garbage, garbage.length, InetAddress.getLoopbackAddress(), room.localPort()));
        }
        String options = load("405-subscribe.sip").replace("SUBSCRIBE", "OPTIONS").replace("Event: presence\r\n", "");
        for (int cut = 5; cut < options.length(); cut += 23) {
            send(options.substring(0, cut));
        }
        int inputs = n;
        List<Integer> answer = List.of();
        for (int attempt = 0; attempt < 5 && !answer.equals(List.of(200)); attempt++) {
            send(options); // UDP: a probe may be lost under load; the bound is 5 probes of 2 s
            answer = responses(Duration.ofSeconds(2));
        }
        assertEquals(List.of(200), answer, "the room still answers after " + inputs + " inputs");
        assertTrue(inputs > 230, inputs + " inputs");
        assertTrue(room.calls().isEmpty());
        assertEquals(0, codec.openSessions());
        Await.until("no dialogs left", null, Duration.ofSeconds(10), () -> room.openDialogs() == 0,
                () -> room.dialogs().stream().map(d -> d.getState() + " " + d.getCallId().getCallId()).toList()
                        .toString());
        room.stop();
        assertTrue(room.awaitStopped(Duration.ofSeconds(5)));
        Await.until("threads back to " + threadsBefore, null, Duration.ofSeconds(10),
                () -> Thread.activeCount() <= threadsBefore, () -> threadNames().toString());
        assertTrue(threadNames().stream().noneMatch(t -> t.startsWith("EventScanner")), threadNames().toString());
    }

    @Test
    void answersBusyWhileInACallAndTheCallInProgressStaysCurrent() throws Exception {
        start(b -> b);
        send(secureInvite());
        assertEquals(List.of(180), responses(Duration.ofSeconds(10), true));
        SipCallImpl first = (SipCallImpl) room.calls().get(0);
        first.answer();
        assertEquals(List.of(200), responses(Duration.ofSeconds(10)));
        send(secureInvite());
        assertEquals(List.of(486), responses(Duration.ofSeconds(10)), "a second caller while in a call");
        assertEquals(List.of(first), room.calls(), "the call in progress is the only call");
        assertEquals(io.roomwire.sip.CallState.CONNECTED, first.state());
    }

    @Test
    void capsTheCallsRingingAtOnceWith486() throws Exception {
        start(b -> b.maxRingingCalls(2));
        List<List<Integer>> answers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            send(secureInvite());
            answers.add(responses(Duration.ofSeconds(10), true));
        }
        assertEquals(List.of(List.of(180), List.of(180), List.of(486)), answers);
        assertEquals(2, room.calls().size());
    }

    @Test
    void refusesSdesKeysInClearSignallingUnlessTheLabSettingAllowsIt() throws Exception {
        start(b -> b.allowCleartextSdes(false));
        send(secureInvite());
        assertEquals(List.of(488), responses(Duration.ofSeconds(10)), "an SDES call over plain UDP");
        io.roomwire.sip.Call out = room.dial(io.roomwire.sip.JoinTarget.sip("sip:meeting@127.0.0.1:9", "sip", "test"));
        assertEquals(io.roomwire.sip.CallState.ENDED, out.state());
        String message = out.end().orElseThrow().message();
        assertTrue(message.contains("sip.transport=tls") && message.contains("sip.lab.allow-cleartext-srtp-keys"),
                message);
        assertEquals(0, codec.openSessions());
    }

    @Test
    void limitsTheRateOfIncomingInvitesWith503() throws Exception {
        start(5);
        String invite = secureInvite();
        int refused = 0;
        int ringing = 0;
        for (int i = 0; i < 12; i++) {
            send(invite);
            List<Integer> answer = responses(Duration.ofSeconds(10), true);
            refused += answer.equals(List.of(503)) ? 1 : 0;
            ringing += answer.equals(List.of(180)) ? 1 : 0;
        }
        assertEquals(7, refused, "5 INVITEs per 10 s ring the room, the other 7 get 503");
        assertEquals(5, ringing);
        Await.until("5 calls ringing", null, () -> room.calls().size() == 5, () -> room.calls().toString());
        clock.advance(Duration.ofSeconds(31));
        Await.until("missed calls cleaned up", () -> room.calls().isEmpty() && codec.openSessions() == 0);
        send(invite);
        assertEquals(List.of(180), responses(Duration.ofSeconds(10), true), "a new window rings again");
        Await.until("1 call ringing", null, () -> room.calls().size() == 1, () -> room.calls().toString());
    }
}
