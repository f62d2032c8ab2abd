package io.roomwire.sip.srtp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.hal.RtpHeader;
import io.roomwire.sip.srtp.internal.AesCounterMode;
import io.roomwire.sip.srtp.internal.KeyDerivation;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class SrtpContextTest {

    private static final HexFormat HEX = HexFormat.of();
    /** RFC 3711 B.3 master key and salt (also libsrtp's default test key). */
    private static final byte[] MASTER_KEY = HEX.parseHex("e1f97a0d3e018be0d64fa32c06de4139");
    private static final byte[] MASTER_SALT = HEX.parseHex("0ec675ad498afeebb6960b3aabe6");
    private static final SrtpKeys KEYS = new SrtpKeys(SrtpSuite.AES_CM_128_HMAC_SHA1_80, MASTER_KEY, MASTER_SALT);

    @Test
    void aesCounterModeMatchesRfc3711AppendixB2Keystream() {
        AesCounterMode cm = new AesCounterMode(HEX.parseHex("2b7e151628aed2a6abf7158809cf4f3c"));
        byte[] iv = HEX.parseHex("f0f1f2f3f4f5f6f7f8f9fafbfcfd0000");
        byte[] ks = new byte[0xff02 * 16];
        cm.keystream(iv, ks, 0, ks.length);
        assertEquals("e03ead0935c95e80e166b16dd92b4eb4", block(ks, 0));
        assertEquals("d23513162b02d0f72a43a2fe4a5f97ab", block(ks, 1));
        assertEquals("41e95b3bb0a2e8dd477901e4fca894c0", block(ks, 2));
        assertEquals("ec8cdf7398607cb0f2d21675ea9ea1e4", block(ks, 0xfeff));
        assertEquals("362b7c3c6773516318a077d7fc5073ae", block(ks, 0xff00));
        assertEquals("6a2cc3787889374fbeb4c81b17ba6c44", block(ks, 0xff01));
    }

    @Test
    void keyDerivationMatchesRfc3711AppendixB3() {
        assertEquals("c61e7a93744f39ee10734afe3ff7a087",
                HEX.formatHex(KeyDerivation.derive(MASTER_KEY, MASTER_SALT, KeyDerivation.LABEL_RTP_ENCRYPTION, 16)));
        assertEquals("30cbbc08863d8c85d49db34a9ae1",
                HEX.formatHex(KeyDerivation.derive(MASTER_KEY, MASTER_SALT, KeyDerivation.LABEL_RTP_SALT, 14)));
        assertEquals("cebe321f6ff7716b6fd4ab49af256a156d38baa4",
                HEX.formatHex(KeyDerivation.derive(MASTER_KEY, MASTER_SALT, KeyDerivation.LABEL_RTP_AUTH, 20)));
    }

    @Test
    void protectsRtpAndRtcpExactlyLikeLibsrtpReferencePackets() throws SrtpException {
        // libsrtp test/srtp_driver.c srtp_validate(): default policy (AES_CM_128_HMAC_SHA1_80), SSRC cafebabe
        byte[] rtp = HEX.parseHex("800f1234decafbadcafebabe" + "ab".repeat(16));
        byte[] srtp = HEX.parseHex("800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc99ea179b8dbb");
        byte[] rtcp = HEX.parseHex("81c8000bcafebabe" + "ab".repeat(16));
        byte[] srtcp = HEX.parseHex("81c8000bcafebabe7128035be487b9bdbef89041f977a5a880000001993e08cd54d6c1230798");

        SrtpContext tx = SrtpContext.forSending(KEYS);
        assertArrayEquals(srtp, tx.protectRtp(rtp, 0, rtp.length));
        assertArrayEquals(srtcp, tx.protectRtcp(rtcp, 0, rtcp.length));

        SrtpContext rx = SrtpContext.forReceiving(KEYS);
        assertArrayEquals(rtp, rx.unprotectRtp(srtp, 0, srtp.length));
        assertArrayEquals(rtcp, rx.unprotectRtcp(srtcp, 0, srtcp.length));
    }

    @Test
    void shortTagSuiteAddsFourBytesToRtpAndTenToRtcp() throws SrtpException {
        SrtpKeys k = SrtpKeys.random(SrtpSuite.AES_CM_128_HMAC_SHA1_32);
        SrtpContext tx = SrtpContext.forSending(k);
        SrtpContext rx = SrtpContext.forReceiving(k);
        byte[] rtp = rtp(7, 1000, 0x11223344, 200);
        byte[] p = tx.protectRtp(rtp, 0, rtp.length);
        assertEquals(rtp.length + 4, p.length);
        assertArrayEquals(rtp, rx.unprotectRtp(p, 0, p.length));
        byte[] rtcp = HEX.parseHex("80c90001" + "11223344");
        byte[] sr = tx.protectRtcp(rtcp, 0, rtcp.length);
        assertEquals(rtcp.length + 4 + 10, sr.length);
        assertArrayEquals(rtcp, rx.unprotectRtcp(sr, 0, sr.length));
    }

    @Test
    void carriesTheRollOverCounterAcrossSequenceWrap() throws SrtpException {
        SrtpContext tx = SrtpContext.forSending(KEYS);
        SrtpContext rx = SrtpContext.forReceiving(KEYS);
        byte[] afterWrap = null;
        for (int i = 0; i < 20; i++) {
            int seq = (65526 + i) & 0xffff;
            byte[] rtp = rtp(seq, i * 160, 0x0badcafe, 200);
            byte[] p = tx.protectRtp(rtp, 0, rtp.length);
            assertArrayEquals(rtp, rx.unprotectRtp(p, 0, p.length), "seq " + seq);
            if (seq == 3) {
                afterWrap = p;
            }
        }
        // the same packet with ROC 0 (a fresh sender) encrypts and authenticates differently
        byte[] plain = rtp(3, 13 * 160, 0x0badcafe, 200);
        byte[] rocZero = SrtpContext.forSending(KEYS).protectRtp(plain, 0, plain.length);
        assertFalse(Arrays.equals(afterWrap, rocZero));
        // a receiver that never saw the wrap assumes ROC 0 and refuses the ROC 1 packet
        SrtpContext fresh = SrtpContext.forReceiving(KEYS);
        byte[] first = SrtpContext.forSending(KEYS).protectRtp(rtp(1, 0, 0x0badcafe, 20), 0, 32);
        fresh.unprotectRtp(first, 0, first.length);
        byte[] wrapped = afterWrap;
        assertEquals(SrtpException.Reason.AUTH_FAILED,
                assertThrows(SrtpException.class, () -> fresh.unprotectRtp(wrapped, 0, wrapped.length)).reason());
    }

    @Test
    void refusesReplayedAndTooOldPacketsButAcceptsReorderingInsideTheWindow() throws SrtpException {
        SrtpContext tx = SrtpContext.forSending(KEYS);
        SrtpContext rx = SrtpContext.forReceiving(KEYS);
        byte[][] sent = new byte[100][];
        for (int i = 0; i < 100; i++) {
            byte[] rtp = rtp(100 + i, i, 42, 50);
            sent[i] = tx.protectRtp(rtp, 0, rtp.length);
        }
        rx.unprotectRtp(sent[0], 0, sent[0].length);
        rx.unprotectRtp(sent[90], 0, sent[90].length);
        rx.unprotectRtp(sent[50], 0, sent[50].length); // 40 behind the newest: inside the window
        assertEquals(SrtpException.Reason.REPLAYED,
                assertThrows(SrtpException.class, () -> rx.unprotectRtp(sent[50], 0, sent[50].length)).reason());
        assertEquals(SrtpException.Reason.REPLAYED,
                assertThrows(SrtpException.class, () -> rx.unprotectRtp(sent[10], 0, sent[10].length)).reason());
        rx.unprotectRtp(sent[99], 0, sent[99].length);
    }

    @Test
    void refusesTamperedTagTamperedPayloadAndTruncatedPackets() throws SrtpException {
        SrtpContext tx = SrtpContext.forSending(KEYS);
        SrtpContext rx = SrtpContext.forReceiving(KEYS);
        byte[] rtp = rtp(5, 5, 77, 200);
        byte[] p = tx.protectRtp(rtp, 0, rtp.length);
        byte[] badTag = p.clone();
        badTag[badTag.length - 1] ^= 1;
        byte[] badPayload = p.clone();
        badPayload[40] ^= 0x10;
        assertEquals(SrtpException.Reason.AUTH_FAILED,
                assertThrows(SrtpException.class, () -> rx.unprotectRtp(badTag, 0, badTag.length)).reason());
        assertEquals(SrtpException.Reason.AUTH_FAILED,
                assertThrows(SrtpException.class, () -> rx.unprotectRtp(badPayload, 0, badPayload.length)).reason());
        assertEquals(SrtpException.Reason.TOO_SHORT,
                assertThrows(SrtpException.class, () -> rx.unprotectRtp(p, 0, 15)).reason());
        // a failed packet must not poison the stream: the genuine one still passes
        assertArrayEquals(rtp, rx.unprotectRtp(p, 0, p.length));

        byte[] rtcp = HEX.parseHex("80c90001" + "0000004d");
        byte[] s = tx.protectRtcp(rtcp, 0, rtcp.length);
        byte[] badRtcp = s.clone();
        badRtcp[9] ^= 4;
        assertEquals(SrtpException.Reason.AUTH_FAILED,
                assertThrows(SrtpException.class, () -> rx.unprotectRtcp(badRtcp, 0, badRtcp.length)).reason());
        assertArrayEquals(rtcp, rx.unprotectRtcp(s, 0, s.length));
        assertEquals(SrtpException.Reason.REPLAYED,
                assertThrows(SrtpException.class, () -> rx.unprotectRtcp(s, 0, s.length)).reason());
        assertEquals(SrtpException.Reason.TOO_SHORT,
                assertThrows(SrtpException.class, () -> rx.unprotectRtcp(s, 0, 12)).reason());
    }

    @Test
    void keepsRtpHeaderWithCsrcsAndExtensionInTheClear() throws SrtpException {
        byte[] rtp = HEX.parseHex("9100abcd00000001000000ab" + "00000099" + "bede0001" + "10ff0000" + "c0ffee".repeat(10));
        SrtpContext tx = SrtpContext.forSending(KEYS);
        byte[] p = tx.protectRtp(rtp, 0, rtp.length);
        assertArrayEquals(Arrays.copyOf(rtp, 24), Arrays.copyOf(p, 24));
        assertFalse(Arrays.equals(Arrays.copyOfRange(rtp, 24, rtp.length), Arrays.copyOfRange(p, 24, rtp.length)));
        assertArrayEquals(rtp, SrtpContext.forReceiving(KEYS).unprotectRtp(p, 0, p.length));
    }

    @Test
    void keepsSeparateStateForEachSsrc() throws SrtpException {
        SrtpContext tx = SrtpContext.forSending(KEYS);
        SrtpContext rx = SrtpContext.forReceiving(KEYS);
        byte[] a = tx.protectRtp(rtp(1, 0, 1, 20), 0, 32);
        byte[] b = tx.protectRtp(rtp(1, 0, 2, 20), 0, 32);
        rx.unprotectRtp(a, 0, a.length);
        rx.unprotectRtp(b, 0, b.length); // same sequence number, other SSRC: not a replay
        assertThrows(SrtpException.class, () -> rx.unprotectRtp(b, 0, b.length));
    }

    @Test
    void aContextOnlyDoesItsOwnDirection() {
        SrtpContext tx = SrtpContext.forSending(KEYS);
        SrtpContext rx = SrtpContext.forReceiving(KEYS);
        byte[] rtp = rtp(1, 0, 1, 20);
        assertThrows(IllegalStateException.class, () -> tx.unprotectRtp(rtp, 0, rtp.length));
        assertThrows(IllegalStateException.class, () -> rx.protectRtp(rtp, 0, rtp.length));
        assertThrows(IllegalArgumentException.class, () -> tx.protectRtp(new byte[5], 0, 5));
    }

    @Test
    void sdesInlineRoundTripsAndRejectsMkiAndBadKeys() throws SrtpException {
        SrtpKeys k = SrtpKeys.random(SrtpSuite.AES_CM_128_HMAC_SHA1_80);
        String inline = k.toSdesInline();
        assertEquals(40, inline.length());
        assertEquals(k, SrtpKeys.fromSdesInline(SrtpSuite.AES_CM_128_HMAC_SHA1_80, inline));
        assertEquals(k, SrtpKeys.fromSdesInline(SrtpSuite.AES_CM_128_HMAC_SHA1_80, "inline:" + inline + "|2^31"));
        SrtpKeys withMki = SrtpKeys.fromSdesInline(SrtpSuite.AES_CM_128_HMAC_SHA1_80, "inline:" + inline + "|2^20|1:4");
        assertArrayEquals(HEX.parseHex("00000001"), withMki.mki(), "RFC 4568's example: MKI value 1 in 4 bytes");
        assertArrayEquals(k.masterKey(), withMki.masterKey());
        assertArrayEquals(HEX.parseHex("0203"), SrtpKeys.fromSdesInline(SrtpSuite.AES_CM_128_HMAC_SHA1_80,
                "inline:" + inline + "|515:2").mki(), "an MKI without a lifetime");
        SrtpException tooLong = assertThrows(SrtpException.class,
                () -> SrtpKeys.fromSdesInline(SrtpSuite.AES_CM_128_HMAC_SHA1_80, "inline:" + inline + "|2^20|1:5"));
        assertTrue(tooLong.getMessage().contains("MKI length 5"), tooLong.getMessage());
        assertThrows(SrtpException.class,
                () -> SrtpKeys.fromSdesInline(SrtpSuite.AES_CM_128_HMAC_SHA1_80, "inline:" + inline + "|2^20|256:1"));
        assertThrows(SrtpException.class,
                () -> SrtpKeys.fromSdesInline(SrtpSuite.AES_CM_128_HMAC_SHA1_80, "inline:" + inline + "|1:4|2^20"));
        assertThrows(SrtpException.class, () -> SrtpKeys.fromSdesInline(SrtpSuite.AES_CM_128_HMAC_SHA1_80, "inline:@@@"));
        SrtpException shortKey = assertThrows(SrtpException.class,
                () -> SrtpKeys.fromSdesInline(SrtpSuite.AES_CM_128_HMAC_SHA1_80, "inline:QUJDRA=="));
        assertTrue(shortKey.getMessage().contains("needs 30"));
        assertFalse(k.toString().contains(inline));
        assertEquals(SrtpSuite.AES_CM_128_HMAC_SHA1_32, SrtpSuite.fromSdpName("AES_CM_128_HMAC_SHA1_32").orElseThrow());
        assertTrue(SrtpSuite.fromSdpName("AEAD_AES_256_GCM").isEmpty());
        assertEquals(10, SrtpSuite.AES_CM_128_HMAC_SHA1_80.authTagLength());
        assertEquals(4, SrtpSuite.AES_CM_128_HMAC_SHA1_32.authTagLength());
    }

    @Test
    void carriesTheMkiExactlyLikeLibsrtpReferencePackets() throws SrtpException {
        // libsrtp test/srtp_driver.c srtp_validate_mki(): the B.3 key with MKI e1f97a0d; the MKI sits before the
        // tag and is not authenticated (RFC 3711 3.1), so the tags equal those of the packets without MKI.
        SrtpKeys keys = new SrtpKeys(SrtpSuite.AES_CM_128_HMAC_SHA1_80, MASTER_KEY, MASTER_SALT, HEX.parseHex("e1f97a0d"));
        byte[] rtp = HEX.parseHex("800f1234decafbadcafebabe" + "ab".repeat(16));
        byte[] srtp = HEX.parseHex("800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402" + "e1f97a0d"
                + "b78d6acc99ea179b8dbb");
        byte[] rtcp = HEX.parseHex("81c8000bcafebabe" + "ab".repeat(16));
        byte[] srtcp = HEX.parseHex("81c8000bcafebabe7128035be487b9bdbef89041f977a5a880000001" + "e1f97a0d"
                + "993e08cd54d6c1230798");
        SrtpContext tx = SrtpContext.forSending(keys);
        assertArrayEquals(srtp, tx.protectRtp(rtp, 0, rtp.length));
        assertArrayEquals(srtcp, tx.protectRtcp(rtcp, 0, rtcp.length));
        SrtpContext rx = SrtpContext.forReceiving(keys);
        assertArrayEquals(rtp, rx.unprotectRtp(srtp, 0, srtp.length));
        assertArrayEquals(rtcp, rx.unprotectRtcp(srtcp, 0, srtcp.length));
    }

    @Test
    void refusesAPacketWithAnotherMki() {
        SrtpKeys keys = new SrtpKeys(SrtpSuite.AES_CM_128_HMAC_SHA1_80, MASTER_KEY, MASTER_SALT, HEX.parseHex("00000001"));
        byte[] rtp = rtp(7, 160, 0x1234, 40);
        byte[] srtp = SrtpContext.forSending(keys).protectRtp(rtp, 0, rtp.length);
        srtp[srtp.length - 10 - 1] = 2; // MKI 1 -> 2
        SrtpException e = assertThrows(SrtpException.class,
                () -> SrtpContext.forReceiving(keys).unprotectRtp(srtp, 0, srtp.length));
        assertTrue(e.getMessage().contains("MKI"), e.getMessage());
        byte[] plain = SrtpContext.forSending(KEYS).protectRtp(rtp, 0, rtp.length);
        assertThrows(SrtpException.class, () -> SrtpContext.forReceiving(keys).unprotectRtp(plain, 0, plain.length),
                "a packet without the MKI");
    }

    @Test
    void randomInputOnlyEverFailsWithSrtpException() {
        java.util.Random rnd = new java.util.Random(7);
        SrtpContext rx = SrtpContext.forReceiving(KEYS);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[rnd.nextInt(120)];
            rnd.nextBytes(b);
            if (b.length > 0 && rnd.nextBoolean()) {
                b[0] = (byte) (0x80 | (b[0] & 0x3f)); // version 2, random CC and X
            }
            assertThrows(SrtpException.class, () -> rx.unprotectRtp(b, 0, b.length));
            assertThrows(SrtpException.class, () -> rx.unprotectRtcp(b, 0, b.length));
        }
    }

    static byte[] rtp(int seq, long ts, int ssrc, int payload) {
        byte[] p = RtpHeader.packet(false, 0, seq, ts, ssrc, payload);
        for (int i = RtpHeader.LENGTH; i < p.length; i++) {
            p[i] = (byte) (i * 7 + seq);
        }
        return p;
    }

    private static String block(byte[] ks, int i) {
        return HEX.formatHex(ks, i * 16, i * 16 + 16);
    }
}
