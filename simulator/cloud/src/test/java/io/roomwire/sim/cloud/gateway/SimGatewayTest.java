package io.roomwire.sim.cloud.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The simulated gateway on the wire, driven by hand-written SIP over UDP. */
class SimGatewayTest {

    private DatagramSocket socket;
    private SimGateway gateway;

    @BeforeEach
    void setUp() throws Exception {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        socket.setSoTimeout(200);
    }

    @AfterEach
    void tearDown() {
        socket.close();
        if (gateway != null) {
            gateway.stop();
        }
    }

    private void start(SimGateway.Builder b) throws Exception {
        gateway = b.transport(SimGateway.Transport.UDP).meetingIds("123456789").build().start();
    }

    /** Sends a request and returns the first final response (or "" after 3 s). */
    private String request(String method, String user, String extraHeaders, String body) throws Exception {
        String branch = "z9hG4bK" + UUID.randomUUID().toString().substring(0, 10);
        String msg = method + " sip:" + user + "@" + gateway.domain() + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:" + socket.getLocalPort() + ";branch=" + branch + "\r\n"
                + "From: <sip:room@room.test>;tag=t" + branch + "\r\nTo: <sip:" + user + "@" + gateway.domain() + ">\r\n"
                + "Call-ID: " + UUID.randomUUID() + "\r\nCSeq: 1 " + method + "\r\nMax-Forwards: 70\r\n"
                + "Contact: <sip:room@127.0.0.1:" + socket.getLocalPort() + ">\r\n" + extraHeaders
                + (body.isEmpty() ? "" : "Content-Type: application/sdp\r\n")
                + "Content-Length: " + body.length() + "\r\n\r\n" + body;
        byte[] b = msg.getBytes(StandardCharsets.US_ASCII);
        socket.send(new DatagramPacket(b, b.length, InetAddress.getLoopbackAddress(), gateway.port()));
        long end = System.nanoTime() + 3_000_000_000L;
        byte[] buf = new byte[8192];
        while (System.nanoTime() < end) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
            } catch (SocketTimeoutException e) {
                continue;
            }
            String s = new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII);
            if (s.startsWith("SIP/2.0 ") && s.charAt(8) != '1') {
                return s;
            }
        }
        return "";
    }

    private static String offer(String codecs) {
        return "v=0\r\no=room 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                + "m=audio 40000 RTP/SAVP " + codecs + "\r\n"
                + "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n";
    }

    @Test
    void answersOptionsAndRefusesAnUnknownMeetingWith404() throws Exception {
        start(SimGateway.builder());
        assertTrue(request("OPTIONS", "x", "", "").startsWith("SIP/2.0 200"));
        assertTrue(request("INVITE", "999.contoso", "", offer("0")).startsWith("SIP/2.0 404"));
        assertEquals(GatewayCall.State.REJECTED, gateway.lastCall().orElseThrow().state());
    }

    @Test
    void answersAKnownMeetingWithSrtpAndItsOwnKey() throws Exception {
        start(SimGateway.builder());
        String ok = request("INVITE", "123456789.contoso", "", offer("0 101\r\na=rtpmap:101 telephone-event/8000"));
        assertTrue(ok.startsWith("SIP/2.0 200"), ok);
        assertTrue(ok.contains("m=audio ") && ok.contains("RTP/SAVP 0 101"), ok);
        assertTrue(ok.contains("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"), ok);
        assertEquals("123456789", gateway.lastCall().orElseThrow().meetingId().orElseThrow());
    }

    @Test
    void busyCodecMismatchAndDigestChallenge() throws Exception {
        start(SimGateway.builder().audioCodecs("G729").registrar(true).digest("room", "pw"));
        assertTrue(request("INVITE", "123456789.contoso", "", offer("0")).startsWith("SIP/2.0 401"));
        String challenge = request("REGISTER", "room", "Expires: 60\r\n", "");
        assertTrue(challenge.startsWith("SIP/2.0 401") && challenge.contains("WWW-Authenticate: Digest"), challenge);
        gateway.stop();
        start(SimGateway.builder().audioCodecs("G729"));
        assertTrue(request("INVITE", "123456789.contoso", "", offer("0 8")).startsWith("SIP/2.0 488"));
        gateway.busy(true);
        assertTrue(request("INVITE", "123456789.contoso", "", offer("18")).startsWith("SIP/2.0 486"));
    }

    @Test
    void dialStringsFollowEachProvidersForm() throws Exception {
        start(SimGateway.builder().tenant("acme").directForm(SimGateway.DirectForm.TENANT_DOT_VIDEO_ID));
        assertEquals("sip:acme.42@gateway.test", gateway.directUri("42"));
        assertEquals("sip:acme@gateway.test", gateway.ivrUri());
        gateway.stop();
        start(SimGateway.builder().domain("vc.example.com").ivrUser("teams").directForm(SimGateway.DirectForm.VIDEO_ID));
        assertEquals("sip:42@vc.example.com", gateway.directUri("42"));
        assertEquals("sip:teams@vc.example.com", gateway.ivrUri());
    }
}
