package io.roomwire.sim.cloud.gateway.media;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class GatewayMediaTest {

    private static final HexFormat HEX = HexFormat.of();
    private static final GatewayMedia.Kind AUDIO = GatewayMedia.Kind.AUDIO;

    @Test
    void itsSrtpMatchesLibsrtpReferencePackets() {
        String key = "inline:" + Base64.getEncoder().encodeToString(
                HEX.parseHex("e1f97a0d3e018be0d64fa32c06de41390ec675ad498afeebb6960b3aabe6"));
        byte[] rtp = HEX.parseHex("800f1234decafbadcafebabe" + "ab".repeat(16));
        byte[] rtcp = HEX.parseHex("81c8000bcafebabe" + "ab".repeat(16));
        GatewaySrtp tx = new GatewaySrtp("AES_CM_128_HMAC_SHA1_80", key);
        byte[] srtp = tx.protectRtp(rtp, rtp.length);
        assertEquals("800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc99ea179b8dbb", HEX.formatHex(srtp));
        byte[] srtcp = tx.protectRtcp(rtcp, rtcp.length);
        assertEquals("81c8000bcafebabe7128035be487b9bdbef89041f977a5a880000001993e08cd54d6c1230798", HEX.formatHex(srtcp));
        GatewaySrtp rx = new GatewaySrtp("AES_CM_128_HMAC_SHA1_80", key);
        assertArrayEquals(rtp, rx.unprotectRtp(srtp, srtp.length));
        assertArrayEquals(rtcp, rx.unprotectRtcp(srtcp, srtcp.length));
        srtp[20] ^= 1;
        assertNull(rx.unprotectRtp(srtp, srtp.length));
    }

    @Test
    void twoGatewaysExchangeSrtpMediaAndCountIt() throws Exception {
        try (GatewayMedia a = GatewayMedia.builder().kinds(AUDIO).build();
             GatewayMedia b = GatewayMedia.builder().kinds(AUDIO).build()) {
            a.connect(AUDIO, b.localRtpPort(AUDIO), b.localKeyParams(AUDIO));
            b.connect(AUDIO, a.localRtpPort(AUDIO), a.localKeyParams(AUDIO));
            a.sendMedia(AUDIO, 10);
            await(() -> b.received(AUDIO).packets() == 10);
            assertEquals(10L * (12 + 160 + 10), b.received(AUDIO).bytes());
            assertEquals(a.sent(AUDIO).bytes(), b.received(AUDIO).bytes());
            assertEquals(0, b.received(AUDIO).rejected());
            assertEquals(0, (a.localRtpPort(AUDIO).getPort() & 1), "RTP on an even port");
        }
    }

    @Test
    void detectsEachDtmfDigitOnceAndRejectsGarbage() throws Exception {
        try (GatewayMedia gw = GatewayMedia.builder().plainRtp().kinds(AUDIO).telephoneEventPayloadType(101).build();
             DatagramSocket room = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            List<Character> heard = new CopyOnWriteArrayList<>();
            gw.onDigit(heard::add);
            InetSocketAddress to = gw.localRtpPort(AUDIO);
            int seq = 1;
            for (int[] press : new int[][] {{5, 1000}, {11, 3000}, {12, 5000}}) {
                send(room, event(seq++, press[1], press[0], false, 400, true), to);
                send(room, event(seq++, press[1], press[0], false, 800, false), to);
                for (int i = 0; i < 3; i++) {
                    send(room, event(seq++, press[1], press[0], true, 1200, false), to);
                }
            }
            send(room, new byte[] {1, 2, 3}, to);
            await(() -> gw.digits().length() == 3 && gw.received(AUDIO).rejected() == 1);
            assertEquals("5#A", gw.digits());
            assertEquals(List.of('5', '#', 'A'), heard);
            assertEquals(15, gw.received(AUDIO).packets());
        }
    }

    @Test
    void refusesSrtpWithoutTheRoomsKey() throws Exception {
        try (GatewayMedia gw = GatewayMedia.builder().kinds(AUDIO).build()) {
            assertThrows(IllegalArgumentException.class, () -> gw.connect(AUDIO, gw.localRtpPort(AUDIO), Optional.empty()));
            assertTrue(gw.localKeyParams(AUDIO).orElseThrow().startsWith("inline:"));
        }
    }

    private static byte[] event(int seq, int ts, int event, boolean end, int duration, boolean marker) {
        byte[] p = new byte[16];
        p[0] = (byte) 0x80;
        p[1] = (byte) ((marker ? 0x80 : 0) | 101);
        p[2] = (byte) (seq >> 8);
        p[3] = (byte) seq;
        p[4] = (byte) (ts >> 24);
        p[5] = (byte) (ts >> 16);
        p[6] = (byte) (ts >> 8);
        p[7] = (byte) ts;
        p[11] = 9;
        p[12] = (byte) event;
        p[13] = (byte) ((end ? 0x80 : 0) | 10);
        p[14] = (byte) (duration >> 8);
        p[15] = (byte) duration;
        return p;
    }

    private static void send(DatagramSocket s, byte[] b, InetSocketAddress to) throws java.io.IOException {
        s.send(new DatagramPacket(b, b.length, to));
    }

    private static void await(BooleanSupplier c) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out");
            }
            LockSupport.parkNanos(1_000_000);
        }
    }
}
