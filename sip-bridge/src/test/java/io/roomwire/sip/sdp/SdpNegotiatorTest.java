package io.roomwire.sip.sdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.hal.MediaKind;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SdpNegotiatorTest {

    private static final String KEY_A = "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz";
    private static final String KEY_B = "inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj";

    private final SdpNegotiator required = new SdpNegotiator(MediaCapabilities.standard(), SrtpPolicy.REQUIRED);
    private final SdpNegotiator bestEffort = new SdpNegotiator(MediaCapabilities.standard(), SrtpPolicy.BEST_EFFORT);

    private SessionDescription offer(SdpNegotiator n) {
        return n.offer("127.0.0.1", 7, 1, Map.of(MediaKind.AUDIO, 40000, MediaKind.VIDEO, 40002),
                Map.of(MediaKind.AUDIO, List.of(new Crypto(1, "AES_CM_128_HMAC_SHA1_80", KEY_A),
                                new Crypto(2, "AES_CM_128_HMAC_SHA1_32", KEY_B)),
                        MediaKind.VIDEO, List.of(new Crypto(1, "AES_CM_128_HMAC_SHA1_80", KEY_B))), Direction.SENDRECV);
    }

    @Test
    void offerCarriesTheCviCodecsAndBothCryptoSuites() throws Exception {
        String sdp = offer(required).format();
        assertTrue(sdp.contains("m=audio 40000 RTP/SAVP 111 9 0 8 101\r\n"), sdp);
        assertTrue(sdp.contains("a=rtpmap:111 opus/48000/2\r\n"));
        assertTrue(sdp.contains("a=rtpmap:9 G722/8000\r\n"));
        assertTrue(sdp.contains("a=rtpmap:101 telephone-event/8000\r\n"));
        assertTrue(sdp.contains("a=fmtp:96 profile-level-id=42e01f;packetization-mode=1\r\n"));
        assertTrue(sdp.contains("a=crypto:1 AES_CM_128_HMAC_SHA1_80 " + KEY_A));
        assertTrue(sdp.contains("a=crypto:2 AES_CM_128_HMAC_SHA1_32 " + KEY_B));
        SessionDescription again = SessionDescription.parse(sdp);
        assertEquals(offer(required), again);
    }

    @Test
    void acceptsAnAnswerAndPairsOurKeyWithTheChosenSuite() throws Exception {
        SessionDescription answer = SessionDescription.parse(String.join("\r\n", "v=0",
                "o=gw 1 1 IN IP4 10.0.0.9", "s=-", "c=IN IP4 10.0.0.9", "t=0 0",
                "m=audio 5004 RTP/SAVP 0 101", "a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000",
                "a=crypto:2 AES_CM_128_HMAC_SHA1_32 " + KEY_A, "m=video 0 RTP/SAVP 96", ""));
        List<NegotiatedStream> s = required.acceptAnswer(offer(required), answer);
        assertEquals(1, s.size());
        NegotiatedStream audio = s.get(0);
        assertEquals("PCMU", audio.codec().encoding());
        assertEquals(101, audio.telephoneEvent().orElseThrow().payloadType());
        assertEquals("AES_CM_128_HMAC_SHA1_32", audio.sendCrypto().orElseThrow().suite());
        assertEquals(KEY_B, audio.sendCrypto().orElseThrow().keyParams());
        assertEquals(KEY_A, audio.receiveCrypto().orElseThrow().keyParams());
        assertEquals("10.0.0.9", audio.farEnd().getHostString());
        assertEquals(5004, audio.farEnd().getPort());
    }

    @Test
    void theAnswersBandwidthLimitsWhatWeSendTiasOverAsAndTheSectionOverTheSession() throws Exception {
        SessionDescription answer = SessionDescription.parse(String.join("\r\n", "v=0",
                "o=gw 1 1 IN IP4 10.0.0.9", "s=-", "c=IN IP4 10.0.0.9", "b=AS:2048", "t=0 0",
                "m=audio 5004 RTP/SAVP 0", "a=crypto:2 AES_CM_128_HMAC_SHA1_32 " + KEY_A,
                "m=video 5006 RTP/SAVP 96", "b=AS:800", "b=TIAS:640000", "a=rtpmap:96 H264/90000",
                "a=fmtp:96 profile-level-id=42e01f;packetization-mode=1",
                "a=crypto:1 AES_CM_128_HMAC_SHA1_80 " + KEY_A, ""));
        List<NegotiatedStream> s = required.acceptAnswer(offer(required), answer);
        assertEquals(2048, s.get(0).maxBitrateKbps(), "audio: the session's b=AS");
        assertEquals(640, s.get(1).maxBitrateKbps(), "video: the section's b=TIAS (bit/s) over its b=AS");
        assertTrue(answer.format().contains("b=AS:640\r\n"), "written back as AS");

        SessionDescription unlimited = SessionDescription.parse("v=0\r\no=gw 1 1 IN IP4 10.0.0.9\r\ns=-\r\n"
                + "c=IN IP4 10.0.0.9\r\nb=CT:10000\r\nt=0 0\r\nm=audio 5004 RTP/AVP 8\r\nb=RR:0\r\nm=video 0 RTP/AVP 96\r\n");
        assertEquals(0, bestEffort.acceptAnswer(offer(bestEffort), unlimited).get(0).maxBitrateKbps(),
                "CT and RR limit nothing per stream");
        SdpException bad = assertThrows(SdpException.class, () -> SessionDescription.parse("v=0\r\no=gw 1 1 IN IP4 10.0.0.9\r\n"
                + "s=-\r\nc=IN IP4 10.0.0.9\r\nt=0 0\r\nm=audio 5004 RTP/AVP 8\r\nb=AS:lots\r\n"));
        assertTrue(bad.getMessage().contains("b=AS is not a whole number (line 7)"), bad.getMessage());
    }

    @Test
    void anOffersBandwidthLimitsWhatWeSendWhenWeAnswer() throws Exception {
        SessionDescription offer = SessionDescription.parse(String.join("\r\n", "v=0",
                "o=caller 5 5 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0",
                "m=audio 6000 RTP/AVP 8", "m=video 6002 RTP/AVP 97", "b=TIAS:1500000", "a=rtpmap:97 H264/90000",
                "a=fmtp:97 profile-level-id=42e01f;packetization-mode=1", ""));
        SdpNegotiator.Answer a = bestEffort.answer(offer, "127.0.0.1", 9, 1,
                Map.of(MediaKind.AUDIO, 41000, MediaKind.VIDEO, 41002), (kind, suite) -> KEY_B);
        assertEquals(0, a.streams().get(0).maxBitrateKbps());
        assertEquals(1500, a.streams().get(1).maxBitrateKbps());
    }

    @Test
    void plainAnswerIsRefusedWhenSrtpIsRequiredAndTakenWhenBestEffort() throws Exception {
        SessionDescription plain = SessionDescription.parse("v=0\r\no=gw 1 1 IN IP4 10.0.0.9\r\ns=-\r\nc=IN IP4 10.0.0.9\r\n"
                + "t=0 0\r\nm=audio 5004 RTP/AVP 8\r\nm=video 0 RTP/AVP 96\r\n");
        NegotiationException e = assertThrows(NegotiationException.class,
                () -> required.acceptAnswer(offer(required), plain));
        assertEquals(NegotiationException.Reason.SRTP_REQUIRED, e.reason());
        NegotiatedStream s = bestEffort.acceptAnswer(offer(bestEffort), plain).get(0);
        assertFalse(s.secure());
        assertEquals("PCMA", s.codec().encoding());
    }

    @Test
    void answerWithoutACommonAudioCodecIsNoCommonCodec() throws Exception {
        SessionDescription g729 = SessionDescription.parse("v=0\r\no=gw 1 1 IN IP4 10.0.0.9\r\ns=-\r\nc=IN IP4 10.0.0.9\r\n"
                + "t=0 0\r\nm=audio 5004 RTP/SAVP 18\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 " + KEY_A
                + "\r\nm=video 0 RTP/SAVP 96\r\n");
        assertEquals(NegotiationException.Reason.NO_COMMON_CODEC, assertThrows(NegotiationException.class,
                () -> required.acceptAnswer(offer(required), g729)).reason());
    }

    @Test
    void answersAnOfferWithOneCodecTelephoneEventAndOurOwnKeyPerStream() throws Exception {
        SessionDescription offer = SessionDescription.parse(String.join("\r\n", "v=0",
                "o=caller 5 5 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0",
                "m=audio 6000 RTP/SAVP 18 8 101", "a=rtpmap:8 PCMA/8000", "a=rtpmap:101 telephone-event/8000",
                "a=crypto:7 AES_CM_128_HMAC_SHA1_80 " + KEY_A, "a=sendonly",
                "m=application 9 UDP/BFCP *", "m=video 6002 RTP/SAVP 97", "a=rtpmap:97 H264/90000",
                "a=fmtp:97 profile-level-id=42e01f;packetization-mode=1", "a=crypto:1 AES_CM_128_HMAC_SHA1_32 " + KEY_A, ""));
        SdpNegotiator.Answer a = required.answer(offer, "127.0.0.1", 9, 1,
                Map.of(MediaKind.AUDIO, 41000, MediaKind.VIDEO, 41002),
                (kind, suite) -> kind == MediaKind.AUDIO ? KEY_B : KEY_A.replace('W', 'Q'));
        String sdp = a.sdp().format();
        assertTrue(sdp.contains("m=audio 41000 RTP/SAVP 8 101\r\n"), sdp);
        assertTrue(sdp.contains("a=crypto:7 AES_CM_128_HMAC_SHA1_80 " + KEY_B));
        assertTrue(sdp.contains("a=recvonly"), "a sendonly offer is answered recvonly");
        assertTrue(sdp.contains("m=application 0 UDP/BFCP"), "unknown streams are refused with port 0");
        assertTrue(sdp.contains("m=video 41002 RTP/SAVP 97\r\n"));
        assertEquals(3, a.sdp().media().size());
        assertEquals(2, a.streams().size());
    }

    @Test
    void malformedBodiesAreRefusedWithTheLineThatIsWrong() {
        assertTrue(assertThrows(SdpException.class, () -> SessionDescription.parse("s=-\r\n")).getMessage()
                .contains("v=0"));
        assertTrue(assertThrows(SdpException.class, () -> SessionDescription.parse("v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\n"
                + "c=IN IP4 1.2.3.4\r\nm=audio sixty RTP/AVP 0\r\n")).getMessage().contains("line 4"));
        assertThrows(SdpException.class, () -> SessionDescription.parse("v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\n"
                + "m=audio 5000 RTP/AVP 0\r\n"), "a stream without any c= address");
        assertThrows(SdpException.class, () -> SessionDescription.parse("v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\n"
                + "c=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%%%\r\n"));
        assertThrows(SdpException.class, () -> SessionDescription.parse(new byte[SessionDescription.MAX_BYTES + 1]));
        assertThrows(SdpException.class, () -> SessionDescription.parse("v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\n"
                + "c=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 300\r\n"));
    }

    @Test
    void cryptoKeysNeverShowInToString() throws Exception {
        assertFalse(offer(required).toString().contains(KEY_A.substring(7)));
        assertFalse(new Crypto(1, "AES_CM_128_HMAC_SHA1_80", KEY_A).toString().contains(KEY_A.substring(7)));
    }
}
