package io.roomwire.sip.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.health.Health;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.Codec;
import io.roomwire.hal.MediaKind;
import io.roomwire.hal.RtpHeader;
import io.roomwire.hal.sim.SimCodec;
import io.roomwire.sim.cloud.gateway.media.GatewayMedia;
import io.roomwire.sip.media.internal.Rtcp;
import io.roomwire.sip.srtp.SrtpContext;
import io.roomwire.sip.srtp.SrtpKeys;
import io.roomwire.sip.srtp.SrtpSuite;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MediaRelayTest {

    private static final SrtpSuite SUITE = SrtpSuite.AES_CM_128_HMAC_SHA1_80;
    private static final GatewayMedia.Kind GW_AUDIO = GatewayMedia.Kind.AUDIO;
    private static final GatewayMedia.Kind GW_VIDEO = GatewayMedia.Kind.VIDEO;

    private final VirtualScheduler scheduler = new VirtualScheduler();
    private final List<DeviceEvent> events = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> closeLater = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeLater.size() - 1; i >= 0; i--) {
            closeLater.get(i).close();
        }
    }

    /** A relay between a SimCodec and a GatewayMedia, wired the way the SIP call does it. */
    private final class Call {
        final MediaRelay relay;
        final GatewayMedia gateway;
        final Codec.MediaSession codec;

        Call(SrtpSuite suite) throws Exception {
            gateway = track(GatewayMedia.builder().suite(suite.sdpName()).telephoneEventPayloadType(101).build());
            SrtpKeys audioKeys = SrtpKeys.random(suite);
            SrtpKeys videoKeys = SrtpKeys.random(suite);
            relay = track(MediaRelay.builder(scheduler).callId("t1").eventSink(events::add)
                    .stream(MediaKind.AUDIO, Optional.of(audioKeys))
                    .stream(MediaKind.VIDEO, Optional.of(videoKeys))
                    .build());
            codec = track(new SimCodec(scheduler).open(List.of(
                    new Codec.StreamPlan(MediaKind.AUDIO, 0, "PCMU", 8000, relay.localCodecSidePort(MediaKind.AUDIO)),
                    new Codec.StreamPlan(MediaKind.VIDEO, 96, "H264", 90000, relay.localCodecSidePort(MediaKind.VIDEO)))));
            relay.connectCodec(MediaKind.AUDIO, codec.localPorts().get(MediaKind.AUDIO));
            relay.connectCodec(MediaKind.VIDEO, codec.localPorts().get(MediaKind.VIDEO));
            // offer/answer: each side learns the other's address and key from SDP
            gateway.connect(GW_AUDIO, relay.localFarSidePort(MediaKind.AUDIO), Optional.of("inline:" + audioKeys.toSdesInline()));
            gateway.connect(GW_VIDEO, relay.localFarSidePort(MediaKind.VIDEO), Optional.of("inline:" + videoKeys.toSdesInline()));
            relay.connectFarEnd(MediaKind.AUDIO, gateway.localRtpPort(GW_AUDIO),
                    Optional.of(SrtpKeys.fromSdesInline(suite, gateway.localKeyParams(GW_AUDIO).orElseThrow())));
            relay.connectFarEnd(MediaKind.VIDEO, gateway.localRtpPort(GW_VIDEO),
                    Optional.of(SrtpKeys.fromSdesInline(suite, gateway.localKeyParams(GW_VIDEO).orElseThrow())));
        }
    }

    @Test
    void relaysCodecMediaToTheGatewayAndBackWithSrtp() throws Exception {
        Call call = new Call(SUITE);
        scheduler.advance(Duration.ofSeconds(1)); // SimCodec: 50 audio frames, 15 H.264 pictures (SPS/PPS/FU-A first)
        long videoPackets = call.codec.sent(MediaKind.VIDEO).packets();
        assertTrue(videoPackets > 15, "15 pictures, the first in several packets; sent " + videoPackets);

        await(() -> call.gateway.received(GW_AUDIO).packets() == 50 && call.gateway.received(GW_VIDEO).packets() == videoPackets,
                () -> "gateway got " + call.gateway.received(GW_AUDIO) + " / " + call.gateway.received(GW_VIDEO));
        assertEquals(0, call.gateway.received(GW_AUDIO).rejected());
        assertEquals(0, call.gateway.received(GW_VIDEO).rejected());
        assertEquals(50, call.relay.stats(MediaKind.AUDIO).packetsSent());
        assertEquals(50L * (12 + 160 + 10), call.relay.stats(MediaKind.AUDIO).bytesSent());

        call.gateway.sendMedia(GW_AUDIO, 30);
        call.gateway.sendMedia(GW_VIDEO, 12);
        await(() -> call.codec.received(MediaKind.AUDIO).packets() == 30 && call.codec.received(MediaKind.VIDEO).packets() == 12,
                () -> "codec got " + call.codec.received(MediaKind.AUDIO) + " / " + call.codec.received(MediaKind.VIDEO));
        assertEquals(0, call.codec.received(MediaKind.AUDIO).lost());
        // the gateway's video is its H.264 clip: the room's codec sees pictures of 320x180 through SRTP
        assertTrue(call.codec.playout(MediaKind.VIDEO).framesDecoded() >= 3, call.codec.playout(MediaKind.VIDEO).toString());
        assertEquals(320, call.codec.playout(MediaKind.VIDEO).width());
        List<MediaKind> keyframeRequests = new CopyOnWriteArrayList<>();
        call.relay.onKeyframeRequest(keyframeRequests::add);
        call.gateway.requestKeyframe(GW_VIDEO); // SRTCP PLI
        await(() -> keyframeRequests.equals(List.of(MediaKind.VIDEO)), () -> "keyframe requests " + keyframeRequests);
        StreamStats audio = call.relay.stats(MediaKind.AUDIO);
        assertEquals(30, audio.packetsReceived());
        assertEquals(0, audio.packetsLost());
        assertEquals(0, audio.dropped());
        assertTrue(audio.secure());
        assertTrue(audio.lastReceived().isPresent());

        // RTCP: the relay's SR every 5 s is answered by the gateway's RR, which gives a round trip
        scheduler.advance(Duration.ofSeconds(4));
        await(() -> call.relay.stats(MediaKind.AUDIO).roundTrip().isPresent(), () -> "no RTT: " + call.relay.stats(MediaKind.AUDIO));
        assertEquals(1, call.gateway.rtcpReceived(GW_AUDIO));
        assertTrue(call.relay.stats(MediaKind.AUDIO).rtcpReceived() >= 1);
        assertEquals(Duration.ZERO, call.relay.stats(MediaKind.AUDIO).roundTrip().orElseThrow()); // virtual time stood still
    }

    @Test
    void shortTagSuiteWorksEndToEnd() throws Exception {
        Call call = new Call(SrtpSuite.AES_CM_128_HMAC_SHA1_32);
        scheduler.advance(Duration.ofMillis(200));
        call.gateway.sendMedia(GW_AUDIO, 5);
        await(() -> call.gateway.received(GW_AUDIO).packets() == 10 && call.codec.received(MediaKind.AUDIO).packets() == 5,
                () -> call.gateway.received(GW_AUDIO) + " " + call.codec.received(MediaKind.AUDIO));
        assertEquals(10L * (12 + 160 + 4), call.relay.stats(MediaKind.AUDIO).bytesSent());
    }

    @Test
    void sendsVideoIdDigitsThatTheGatewayDetectsOnce() throws Exception {
        Call call = new Call(SUITE);
        List<Character> heard = new CopyOnWriteArrayList<>();
        call.gateway.onDigit(heard::add);
        CompletableFuture<Void> done = call.relay.sendDtmf("123456789#", 101, Duration.ofMillis(100), Duration.ofMillis(100));
        for (int i = 0; i < 40 && !done.isDone(); i++) {
            scheduler.advance(Duration.ofMillis(50));
        }
        assertTrue(done.isDone(), "DTMF should finish within 2 s of virtual time");
        await(() -> call.gateway.digits().equals("123456789#") && heard.size() == 10,
                () -> "gateway heard " + call.gateway.digits() + ", listener " + heard);
        // while the codec sent audio too: sequence numbers stayed continuous for the far end
        assertEquals(0, call.relay.stats(MediaKind.AUDIO).dropped());
        assertEquals(0, call.gateway.received(GW_AUDIO).rejected());
    }

    @Test
    void queuedDtmfCallsRunInOrder() throws Exception {
        Call call = new Call(SUITE);
        CompletableFuture<Void> a = call.relay.sendDtmf("12", 101, Duration.ofMillis(100), Duration.ofMillis(60));
        CompletableFuture<Void> b = call.relay.sendDtmf("*3", 101, Duration.ofMillis(100), Duration.ofMillis(60));
        for (int i = 0; i < 40 && !b.isDone(); i++) {
            scheduler.advance(Duration.ofMillis(50));
        }
        assertTrue(a.isDone() && b.isDone());
        await(() -> call.gateway.digits().equals("12*3"), () -> "gateway heard " + call.gateway.digits());
    }

    @Test
    void raisesTheNoMediaAlarmOnceAndRearmsAfterMediaResumes() throws Exception {
        Call call = new Call(SUITE);
        AtomicInteger alarms = new AtomicInteger();
        call.relay.onNoMedia(Duration.ofSeconds(10), alarms::incrementAndGet);

        scheduler.advance(Duration.ofSeconds(9));
        assertEquals(0, alarms.get());
        scheduler.advance(Duration.ofSeconds(2));
        assertEquals(1, alarms.get());
        assertEquals(Health.State.DEGRADED, call.relay.health().state());
        scheduler.advance(Duration.ofSeconds(30));
        assertEquals(1, alarms.get(), "fires once per outage");
        assertTrue(events.stream().anyMatch(e -> e.type().equals("call.media.none")));

        call.gateway.sendMedia(GW_AUDIO, 3);
        await(() -> events.stream().anyMatch(e -> e.type().equals("call.media.resumed")), () -> "no resumed event: " + events);
        // The outage clock restarts at the last packet: all three must be in before virtual time moves.
        await(() -> call.relay.stats(MediaKind.AUDIO).packetsReceived() == 3,
                () -> "received " + call.relay.stats(MediaKind.AUDIO));
        assertTrue(call.relay.health().isUp());
        scheduler.advance(Duration.ofSeconds(5));
        assertEquals(1, alarms.get());
        scheduler.advance(Duration.ofSeconds(6));
        assertEquals(2, alarms.get(), "re-armed after media resumed");
    }

    @Test
    void staysQuietWhileTheFarEndHoldsTheCall() throws Exception {
        Call call = new Call(SUITE);
        AtomicInteger alarms = new AtomicInteger();
        call.relay.onNoMedia(Duration.ofSeconds(10), alarms::incrementAndGet);
        scheduler.advance(Duration.ofSeconds(5));
        call.relay.expectMedia(false); // re-INVITE with a=inactive
        scheduler.advance(Duration.ofSeconds(60));
        assertEquals(0, alarms.get());
        call.relay.expectMedia(true); // resumed: the window starts again
        scheduler.advance(Duration.ofSeconds(9));
        assertEquals(0, alarms.get());
        scheduler.advance(Duration.ofSeconds(2));
        assertEquals(1, alarms.get());
    }

    @Test
    void dropsAndCountsGarbageForgedAndReplayedPacketsAndKeepsRelaying() throws Exception {
        Call call = new Call(SUITE);
        InetSocketAddress target = call.relay.localFarSidePort(MediaKind.AUDIO);
        SrtpKeys forgedKeys = SrtpKeys.random(SUITE);
        byte[] forged = SrtpContext.forSending(forgedKeys).protectRtp(rtp(9, 0, 0x1234, 160), 0, 172);
        try (DatagramSocket attacker = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             DatagramSocket capture = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            send(attacker, new byte[] {1, 2, 3}, target);                 // too short
            send(attacker, "GET / HTTP/1.1\r\n\r\n".getBytes(), target);   // not RTP
            send(attacker, new byte[1500], target);                      // version 0
            send(attacker, forged, target);                              // wrong key
            byte[] truncated = java.util.Arrays.copyOf(forged, 20);
            send(attacker, truncated, target);                           // shorter than header + tag
            byte[] bogusRtcp = new byte[] {(byte) 0x80, (byte) 200, 0, 1, 0, 0, 0, 0};
            send(attacker, bogusRtcp, target);                           // RTCP without a valid tag

            await(() -> call.relay.stats(MediaKind.AUDIO).dropped() == 6, () -> "dropped " + call.relay.stats(MediaKind.AUDIO));
            assertEquals(0, call.codec.received(MediaKind.AUDIO).packets());

            // a genuine packet, then its replay: the first is forwarded, the replay dropped
            call.gateway.sendMedia(GW_AUDIO, 1);
            await(() -> call.codec.received(MediaKind.AUDIO).packets() == 1, () -> "codec " + call.codec.received(MediaKind.AUDIO));
        }
        call.gateway.sendMedia(GW_AUDIO, 4);
        await(() -> call.codec.received(MediaKind.AUDIO).packets() == 5, () -> "codec " + call.codec.received(MediaKind.AUDIO));
        assertEquals(6, call.relay.stats(MediaKind.AUDIO).dropped());
        assertEquals(5, call.relay.stats(MediaKind.AUDIO).packetsReceived());
    }

    @Test
    void dropsAReplayedSrtpPacketFromTheFarEnd() throws Exception {
        SrtpKeys ours = SrtpKeys.random(SUITE);
        SrtpKeys theirs = SrtpKeys.random(SUITE);
        try (DatagramSocket far = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             DatagramSocket codecPort = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            codecPort.setSoTimeout(10_000);
            MediaRelay relay = track(MediaRelay.builder(scheduler).callId("t2")
                    .stream(MediaKind.AUDIO, (InetSocketAddress) codecPort.getLocalSocketAddress(),
                            (InetSocketAddress) far.getLocalSocketAddress(), Optional.of(ours), Optional.of(theirs))
                    .build());
            byte[] p = SrtpContext.forSending(theirs).protectRtp(rtp(100, 1600, 77, 160), 0, 172);
            send(far, p, relay.localFarSidePort(MediaKind.AUDIO));
            send(far, p, relay.localFarSidePort(MediaKind.AUDIO));
            DatagramPacket got = new DatagramPacket(new byte[2048], 2048);
            codecPort.receive(got);
            assertEquals(172, got.getLength());
            await(() -> relay.stats(MediaKind.AUDIO).dropped() == 1, () -> relay.stats(MediaKind.AUDIO).toString());
            assertEquals(1, relay.stats(MediaKind.AUDIO).packetsReceived());
        }
    }

    @Test
    void sendsSenderReportsAndMeasuresRoundTripFromTheFarEndsReceiverReport() throws Exception {
        SrtpKeys ours = SrtpKeys.random(SUITE);
        SrtpKeys theirs = SrtpKeys.random(SUITE);
        try (DatagramSocket farRtp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             DatagramSocket farRtcp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             DatagramSocket codecPort = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            farRtcp.setSoTimeout(10_000);
            farRtp.setSoTimeout(10_000);
            MediaRelay relay = track(MediaRelay.builder(scheduler).callId("t3")
                    .stream(MediaKind.AUDIO, Optional.of(ours)).build());
            relay.connectCodec(MediaKind.AUDIO, (InetSocketAddress) codecPort.getLocalSocketAddress());
            relay.connectFarEnd(MediaKind.AUDIO, (InetSocketAddress) farRtp.getLocalSocketAddress(), Optional.of(theirs));
            relay.retarget(MediaKind.AUDIO, (InetSocketAddress) farRtp.getLocalSocketAddress(),
                    (InetSocketAddress) farRtcp.getLocalSocketAddress());
            SrtpContext farRx = SrtpContext.forReceiving(ours);
            SrtpContext farTx = SrtpContext.forSending(theirs);

            // the codec sends two packets; the far end receives them
            for (int i = 0; i < 2; i++) {
                send(codecPort, rtp(i, i * 160L, 0xc0dec, 160), relay.localCodecSidePort(MediaKind.AUDIO));
            }
            DatagramPacket dp = new DatagramPacket(new byte[2048], 2048);
            for (int i = 0; i < 2; i++) {
                farRtp.receive(dp);
                farRx.unprotectRtp(dp.getData(), 0, dp.getLength());
            }
            // the far end sends one RTP packet and an SR before the relay's first report
            byte[] farMedia = farTx.protectRtp(rtp(7, 0, 0x5555, 160), 0, 172);
            send(farRtp, farMedia, relay.localFarSidePort(MediaKind.AUDIO));
            codecPort.setSoTimeout(10_000);
            codecPort.receive(dp);
            byte[] farSr = Rtcp.compound(0x5555, new Rtcp.Sender(Rtcp.ntp(scheduler.now()), 0, 0, 0), null, "far");
            send(farRtcp, farTx.protectRtcp(farSr, 0, farSr.length), relay.localFarSideRtcpPort(MediaKind.AUDIO));
            await(() -> relay.stats(MediaKind.AUDIO).rtcpReceived() == 1, () -> relay.stats(MediaKind.AUDIO).toString());
            long farSrMiddle = Rtcp.middle(Rtcp.ntp(scheduler.now()));

            scheduler.advance(Duration.ofSeconds(5));
            farRtcp.receive(dp);
            byte[] sr = farRx.unprotectRtcp(dp.getData(), 0, dp.getLength());
            assertEquals(Rtcp.SR, sr[1] & 0xff);
            Rtcp.Parsed parsed = Rtcp.parse(sr, 0, sr.length);
            assertTrue(parsed.hasSenderReport());
            assertEquals(0xc0dec, parsed.senderSsrc(), "the relay reports with the codec's SSRC");
            assertEquals(2, ((sr[20] & 0xff) << 24 | (sr[21] & 0xff) << 16 | (sr[22] & 0xff) << 8 | (sr[23] & 0xff)),
                    "sender packet count");
            assertEquals(1, parsed.blocks().size(), "a report block on the far end's stream");
            assertEquals(0x5555, parsed.blocks().get(0).ssrc());
            assertEquals(7, parsed.blocks().get(0).extendedHighestSeq());
            assertEquals(farSrMiddle, parsed.blocks().get(0).lastSr());
            assertEquals(5 * 65536, parsed.blocks().get(0).delaySinceLastSr(), "held 5 s");

            // the far end answers 750 ms later with an RR that says it held the SR 500 ms: RTT 250 ms
            scheduler.advance(Duration.ofMillis(750));
            byte[] rr = Rtcp.compound(0x5555, null,
                    new Rtcp.ReportBlock(0xc0dec, 0, 3, 1, 0, parsed.senderNtpMiddle(), 32768), "far");
            send(farRtcp, farTx.protectRtcp(rr, 0, rr.length), relay.localFarSideRtcpPort(MediaKind.AUDIO));
            await(() -> relay.stats(MediaKind.AUDIO).roundTrip().isPresent(), () -> relay.stats(MediaKind.AUDIO).toString());
            Duration rtt = relay.stats(MediaKind.AUDIO).roundTrip().orElseThrow();
            assertTrue(Math.abs(rtt.toMillis() - 250) <= 1, "rtt " + rtt);
            assertEquals(3, relay.stats(MediaKind.AUDIO).remoteLost());
            assertEquals(1, relay.stats(MediaKind.AUDIO).rtcpSent());
        }
    }

    @Test
    void followsTheFarEndToANewAddressAndKeyOnReInvite() throws Exception {
        Call call = new Call(SUITE);
        scheduler.advance(Duration.ofMillis(100));
        await(() -> call.gateway.received(GW_AUDIO).packets() == 5, () -> call.gateway.received(GW_AUDIO).toString());

        GatewayMedia moved = track(GatewayMedia.builder().kinds(GW_AUDIO).build());
        SrtpKeys newKeys = SrtpKeys.random(SUITE);
        moved.connect(GW_AUDIO, call.relay.localFarSidePort(MediaKind.AUDIO), Optional.of("inline:" + newKeys.toSdesInline()));
        call.relay.rekey(MediaKind.AUDIO, Optional.of(newKeys),
                Optional.of(SrtpKeys.fromSdesInline(SUITE, moved.localKeyParams(GW_AUDIO).orElseThrow())));
        call.relay.retarget(MediaKind.AUDIO, moved.localRtpPort(GW_AUDIO));

        scheduler.advance(Duration.ofMillis(100));
        await(() -> moved.received(GW_AUDIO).packets() == 5, () -> moved.received(GW_AUDIO).toString());
        assertEquals(0, moved.received(GW_AUDIO).rejected());
        assertEquals(5, call.gateway.received(GW_AUDIO).packets(), "the old address gets nothing more");
        moved.sendMedia(GW_AUDIO, 2);
        await(() -> call.codec.received(MediaKind.AUDIO).packets() == 2, () -> call.codec.received(MediaKind.AUDIO).toString());
    }

    @Test
    void reInviteWithTheSameKeysKeepsTheRollOverCounterAcrossTheSequenceWrap() throws Exception {
        SrtpKeys ours = SrtpKeys.random(SUITE);
        SrtpKeys theirs = SrtpKeys.random(SUITE);
        try (DatagramSocket far = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             DatagramSocket codecPort = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            far.setSoTimeout(10_000);
            MediaRelay relay = track(MediaRelay.builder(scheduler).callId("t5")
                    .stream(MediaKind.AUDIO, (InetSocketAddress) codecPort.getLocalSocketAddress(),
                            (InetSocketAddress) far.getLocalSocketAddress(), Optional.of(ours), Optional.of(theirs))
                    .build());
            SrtpContext farRx = SrtpContext.forReceiving(ours);
            DatagramPacket dp = new DatagramPacket(new byte[2048], 2048);
            int[] seqs = {65534, 65535, 0, 1};
            for (int i = 0; i < seqs.length; i++) {
                if (i == 3) {
                    relay.rekey(MediaKind.AUDIO, Optional.of(SrtpKeys.fromSdesInline(SUITE, ours.toSdesInline())),
                            Optional.of(theirs)); // hold/resume re-INVITE repeats the same crypto
                }
                send(codecPort, rtp(seqs[i], i * 160L, 0xabc, 160), relay.localCodecSidePort(MediaKind.AUDIO));
                far.receive(dp);
                byte[] plain = farRx.unprotectRtp(dp.getData(), 0, dp.getLength());
                assertEquals(seqs[i], ((plain[2] & 0xff) << 8) | (plain[3] & 0xff));
            }
        }
    }

    @Test
    void refusesDtmfBeforeTheFarEndIsKnownAndBadDigits() throws Exception {
        MediaRelay relay = track(MediaRelay.builder(scheduler).stream(MediaKind.AUDIO, Optional.empty()).build());
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> relay.sendDtmf("1", 101, Duration.ofMillis(100), Duration.ofMillis(100)));
        assertTrue(e.getMessage().contains("connectFarEnd"), e.getMessage());
        relay.connectFarEnd(MediaKind.AUDIO, new InetSocketAddress(InetAddress.getLoopbackAddress(), 9), Optional.empty());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> relay.sendDtmf("12z", 101, Duration.ofMillis(100), Duration.ofMillis(100)));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> relay.stats(MediaKind.VIDEO));
    }

    @Test
    void plainRtpWhenNoKeysAreGiven() throws Exception {
        GatewayMedia gw = track(GatewayMedia.builder().plainRtp().kinds(GW_AUDIO).build());
        MediaRelay relay = track(MediaRelay.builder(scheduler).callId("t4").stream(MediaKind.AUDIO, Optional.empty()).build());
        Codec.MediaSession codec = track(new SimCodec(scheduler).open(List.of(
                new Codec.StreamPlan(MediaKind.AUDIO, 0, "PCMU", 8000, relay.localCodecSidePort(MediaKind.AUDIO)))));
        // no connectCodec: the relay latches onto the codec's first packet
        relay.connectFarEnd(MediaKind.AUDIO, gw.localRtpPort(GW_AUDIO), Optional.empty());
        gw.connect(GW_AUDIO, relay.localFarSidePort(MediaKind.AUDIO), Optional.empty());
        scheduler.advance(Duration.ofMillis(100));
        await(() -> gw.received(GW_AUDIO).packets() == 5, () -> gw.received(GW_AUDIO).toString());
        gw.sendMedia(GW_AUDIO, 2);
        await(() -> codec.received(MediaKind.AUDIO).packets() == 2, () -> codec.received(MediaKind.AUDIO).toString());
        assertFalse(relay.stats(MediaKind.AUDIO).secure());
        assertEquals(5L * 172, relay.stats(MediaKind.AUDIO).bytesSent());
        // plain RTP from another host is refused
        try (DatagramSocket stranger = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0))) {
            send(stranger, rtp(1, 0, 66, 160), relay.localFarSidePort(MediaKind.AUDIO));
            await(() -> relay.stats(MediaKind.AUDIO).dropped() == 1, () -> relay.stats(MediaKind.AUDIO).toString());
        }
        assertEquals(2, codec.received(MediaKind.AUDIO).packets());
    }

    @Test
    void passesTheFarEndsPliAndFirToTheCodecAsKeyframeRequests() throws Exception {
        MediaRelay relay = track(MediaRelay.builder(scheduler).callId("t5").stream(MediaKind.VIDEO, Optional.empty()).build());
        List<MediaKind> requests = new java.util.concurrent.CopyOnWriteArrayList<>();
        relay.onKeyframeRequest(requests::add);
        try (DatagramSocket far = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            relay.connectFarEnd(MediaKind.VIDEO, (InetSocketAddress) far.getLocalSocketAddress(), Optional.empty());
            // An empty RR then PSFB FMT 1 (PLI, RFC 4585 §6.3.1): sender SSRC, media SSRC.
            byte[] pli = {(byte) 0x80, (byte) 201, 0, 1, 0, 0, 0x55, 0x55,
                (byte) 0x81, (byte) 206, 0, 2, 0, 0, 0x55, 0x55, 0, 0x0c, 0x0d, (byte) 0xec};
            send(far, pli, relay.localFarSideRtcpPort(MediaKind.VIDEO));
            await(() -> requests.size() == 1, () -> "keyframe requests " + requests);
            // PSFB FMT 15 (application layer feedback such as REMB) is not a keyframe request.
            byte[] afb = {(byte) 0x8f, (byte) 206, 0, 2, 0, 0, 0x55, 0x55, 0, 0, 0, 0};
            send(far, afb, relay.localFarSideRtcpPort(MediaKind.VIDEO));
            await(() -> relay.stats(MediaKind.VIDEO).rtcpReceived() == 2, () -> relay.stats(MediaKind.VIDEO).toString());
            // PSFB FMT 4 (FIR, RFC 5104 §4.3.1): one FCI entry of SSRC and sequence number.
            byte[] fir = {(byte) 0x84, (byte) 206, 0, 4, 0, 0, 0x55, 0x55, 0, 0, 0, 0,
                0, 0x0c, 0x0d, (byte) 0xec, 1, 0, 0, 0};
            send(far, fir, relay.localFarSideRtcpPort(MediaKind.VIDEO));
            await(() -> requests.size() == 2, () -> "keyframe requests " + requests);
        }
        assertEquals(List.of(MediaKind.VIDEO, MediaKind.VIDEO), requests);
    }

    @Test
    void closingReleasesPortsAndStopsThreads() throws Exception {
        // This relay's own threads: an earlier test's relay may still be winding down its threads.
        java.util.Set<Thread> before = mediaThreads();
        Call call = new Call(SUITE);
        java.util.Set<Thread> ours = new java.util.HashSet<>(mediaThreads());
        ours.removeAll(before);
        assertTrue(ours.size() >= 6, ours::toString);
        InetSocketAddress port = call.relay.localFarSidePort(MediaKind.AUDIO);
        call.relay.close();
        call.relay.close();
        await(() -> ours.stream().noneMatch(Thread::isAlive), () -> "media threads left: " + ours);
        try (DatagramSocket again = new DatagramSocket(port)) {
            assertEquals(port.getPort(), again.getLocalPort());
        }
    }

    private static java.util.Set<Thread> mediaThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("media-")).collect(java.util.stream.Collectors.toSet());
    }

    private <T extends AutoCloseable> T track(T c) {
        closeLater.add(c);
        return c;
    }

    private static void send(DatagramSocket s, byte[] b, InetSocketAddress to) throws java.io.IOException {
        s.send(new DatagramPacket(b, b.length, to));
    }

    static byte[] rtp(int seq, long ts, int ssrc, int payload) {
        byte[] p = RtpHeader.packet(false, 0, seq, ts, ssrc, payload);
        return p;
    }

    /** Waits (up to 10 s) for something other threads do; never sleeps a fixed time. */
    static void await(BooleanSupplier condition, java.util.function.Supplier<String> what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out: " + what.get());
            }
            LockSupport.parkNanos(1_000_000);
        }
    }
}
