package io.roomwire.sip.ua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.MediaKind;
import io.roomwire.hal.sim.SimCodec;
import io.roomwire.sip.Call;
import io.roomwire.sip.CallEnd;
import io.roomwire.sip.CallEvent;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sip.SipTransport;
import io.roomwire.sip.dialplan.DialTemplate;
import io.roomwire.sip.dialplan.GatewayProfile;
import io.roomwire.sip.dialplan.GatewayProfiles;
import io.roomwire.sip.sdp.SrtpPolicy;
import io.roomwire.sim.cloud.SimPki;
import io.roomwire.sim.cloud.gateway.GatewayCall;
import io.roomwire.sim.cloud.gateway.SimGateway;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The room's UA against the simulated CVI gateway, over every transport, with SRTP media. */
class GatewayCallTest {

    private static final SimPki PKI = new SimPki("gateway-test");

    private final VirtualScheduler clock = new VirtualScheduler();
    private final SimCodec codec = new SimCodec(clock);
    private final List<CallEvent> events = new CopyOnWriteArrayList<>();
    private SimGateway gateway;
    private SipJoinPath room;

    private SimGateway gateway(SimGateway.Transport t, java.util.function.UnaryOperator<SimGateway.Builder> tune)
            throws Exception {
        SimGateway.Builder b = SimGateway.builder().transport(t).sslContext(PKI.sslContext(PKI.issueServer("gateway")))
                .meetingIds("123456789");
        gateway = tune.apply(b).build().start();
        return gateway;
    }

    private SipJoinPath room(java.util.function.UnaryOperator<io.roomwire.sip.SipSettings.Builder> tune) throws Exception {
        return room(tune, GatewayProfiles.standard());
    }

    private SipJoinPath room(java.util.function.UnaryOperator<io.roomwire.sip.SipSettings.Builder> tune,
                             GatewayProfiles profiles) throws Exception {
        room = SipJoinPath.builder(tune.apply(SipFixtures.settings(SipFixtures.transportOf(gateway))).build(), clock)
                .codec(codec).resolver(SipFixtures.resolverFor(gateway)).sslContext(PKI.sslContext(null))
                .gatewayProfiles(profiles).build();
        room.addListener(events::add);
        room.start();
        return room;
    }

    @AfterEach
    void tearDown() {
        if (room != null) {
            room.stop();
        }
        if (gateway != null) {
            gateway.stop();
        }
    }

    @ParameterizedTest
    @EnumSource(SimGateway.Transport.class)
    void directDialJoinsWithEncryptedMediaBothWays(SimGateway.Transport transport) throws Exception {
        gateway(transport, b -> b);
        room(b -> b);
        Call call = room.dial(JoinTarget.sip(gateway.directUri("123456789"), "teams-cisco", "test"));
        Await.until("connected", clock, () -> call.state() == CallState.CONNECTED,
                () -> call.state() + " " + call.end());
        GatewayCall seen = gateway.lastCall().orElseThrow();
        Await.until("joined at the gateway", () -> seen.state() == GatewayCall.State.JOINED);
        assertEquals("123456789", seen.meetingId().orElseThrow());
        assertTrue(seen.offer().contains("RTP/SAVP"), seen.offer());
        assertTrue(seen.offer().contains("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"));
        assertTrue(seen.offer().contains("a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:"));
        Await.until("media both ways", clock, () -> seen.media().orElseThrow().received(
                io.roomwire.sim.cloud.gateway.media.GatewayMedia.Kind.AUDIO).packets() > 20
                && call.stats().of(MediaKind.AUDIO).map(s -> s.packetsReceived() > 20).orElse(false),
                () -> call.stats().toString());
        assertTrue(call.stats().of(MediaKind.AUDIO).orElseThrow().secure());
        assertEquals(0, seen.media().orElseThrow().received(
                io.roomwire.sim.cloud.gateway.media.GatewayMedia.Kind.AUDIO).rejected());
        call.hangUp();
        Await.until("BYE at the gateway", () -> seen.byeFromRoom());
        assertEquals(CallEnd.EndedBy.LOCAL, call.end().orElseThrow().by());
        assertEquals(0, codec.openSessions());
    }

    @Test
    void ivrJoinSendsTheVideoIdAsDtmfAfterMediaStarts() throws Exception {
        gateway(SimGateway.Transport.TLS, b -> b);
        room(b -> b.dtmfDelay(Duration.ofSeconds(1)));
        Call call = room.dial(JoinTarget.ivr(gateway.ivrUri(), "123456789#", "teams-cisco", "test"));
        Await.until("joined via IVR", clock, () -> gateway.lastCall().map(c -> c.state() == GatewayCall.State.JOINED)
                .orElse(false), () -> gateway.lastCall().toString());
        assertEquals("123456789#", gateway.lastCall().orElseThrow().digits());
        assertEquals(CallState.CONNECTED, call.state());
    }

    @Test
    void ivrDigitsFollowTheProvidersProfileTimingNotTheDefault() throws Exception {
        gateway(SimGateway.Transport.TLS, b -> b);
        List<io.roomwire.core.event.DeviceEvent> sent = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicReference<java.time.Instant> connectedAt = new java.util.concurrent.atomic.AtomicReference<>();
        io.roomwire.sip.dialplan.GatewayProfile slowIvr = new io.roomwire.sip.dialplan.GatewayProfile("slow-ivr",
                "an IVR with a long greeting", List.of(), List.of(), new io.roomwire.sip.dialplan.DialTemplate("slow-ivr",
                java.util.Optional.empty(), java.util.Optional.of("sips:{tenant}@{domain}"), java.util.Optional.empty()),
                false).withDtmf(Duration.ofSeconds(7), Duration.ofMillis(250));
        room = SipJoinPath.builder(SipFixtures.settings(SipFixtures.transportOf(gateway)).dtmfDelay(Duration.ofSeconds(1))
                        .build(), clock).codec(codec).resolver(SipFixtures.resolverFor(gateway)).sslContext(PKI.sslContext(null))
                .events(e -> {
                    if (e.type().equals("call.dtmf")) {
                        sent.add(e);
                    }
                })
                .gatewayProfiles(new io.roomwire.sip.dialplan.GatewayProfiles(List.of(slowIvr))).build();
        room.addListener(e -> {
            if (e instanceof CallEvent.StateChanged sc && sc.state() == CallState.CONNECTED) {
                connectedAt.compareAndSet(null, clock.now());
            }
        });
        room.start();
        Call call = room.dial(JoinTarget.ivr(gateway.ivrUri(), "123456789#", "slow-ivr", "test"));
        Await.until("joined via IVR", clock, () -> gateway.lastCall().map(c -> c.state() == GatewayCall.State.JOINED)
                .orElse(false), () -> gateway.lastCall().toString());
        assertEquals("123456789#", gateway.lastCall().orElseThrow().digits());
        assertEquals(CallState.CONNECTED, call.state());
        Duration waited = Duration.between(connectedAt.get(), sent.get(0).time());
        // The listener reads the clock on the SIP thread, after Await may have moved it a step past the connect.
        assertTrue(waited.compareTo(Duration.ofMillis(6500)) >= 0 && waited.compareTo(Duration.ofSeconds(8)) < 0,
                "digits keyed in " + waited + " after CONNECTED; the profile says 7 s, sip.dtmf-delay 1 s");
    }

    @Test
    void unknownMeetingIdIsReportedInRoomLanguage() throws Exception {
        gateway(SimGateway.Transport.TLS, b -> b);
        room(b -> b);
        Call call = room.dial(JoinTarget.sip(gateway.directUri("999999999"), "teams-cisco", "test"));
        Await.until("ended", clock, () -> call.state() == CallState.ENDED);
        CallEnd end = call.end().orElseThrow();
        assertEquals(404, end.status());
        assertEquals("The gateway did not accept the meeting ID", end.message());
        assertEquals(0, codec.openSessions());
    }

    // ---- a provider's profile: transport, SRTP, codecs, video ------------------------------------

    /** A provider "acme" whose gateway is the simulated one (gateway.test), with {@code media} as its needs. */
    private static GatewayProfiles acme(GatewayProfile.Media media) {
        return GatewayProfiles.standard().with(new GatewayProfile("acme", "Acme VC", List.of("gateway.test"), List.of(),
                new DialTemplate("acme", Optional.of("sips:{id}@{domain}"), Optional.empty(), Optional.empty()), false)
                .withMedia(media));
    }

    /** A typed-in address on the provider's domain: plain SIP by name, the profile found by the host. */
    private Call dial() {
        return room.dial(JoinTarget.sip(gateway.directUri("123456789"), "sip", "test"));
    }

    private Call awaitEnd(Call call) {
        Await.until("ended", clock, () -> call.state() == CallState.ENDED, () -> call.state().toString());
        return call;
    }

    @Test
    void aPlainRtpGatewayIsJoinedOnlyThroughAProviderWhoseProfileTakesBestEffortSrtp() throws Exception {
        gateway(SimGateway.Transport.TLS, b -> b.srtp(false));
        room(b -> b, acme(new GatewayProfile.Media(Optional.empty(), Optional.of(SrtpPolicy.BEST_EFFORT), List.of(), true)));
        // The same gateway as a built-in provider: sip.srtp=required (the default) refuses its plain RTP answer.
        Call strict = awaitEnd(room.dial(JoinTarget.sip(gateway.directUri("123456789"), "teams-cisco", "test")));
        assertTrue(strict.end().orElseThrow().detail().contains("without SRTP"), strict.end().toString());

        Call call = dial();
        Await.until("connected through acme", clock, () -> call.state() == CallState.CONNECTED, () -> call.end().toString());
        Await.until("media", clock, () -> call.stats().of(MediaKind.AUDIO).map(s -> s.packetsReceived() > 5).orElse(false),
                () -> call.stats().toString());
        assertFalse(call.stats().of(MediaKind.AUDIO).orElseThrow().secure(), "the profile let plain RTP through");
        call.hangUp();
        awaitEnd(call);
    }

    @Test
    void theOfferCarriesTheProfilesAudioCodecsInItsOrderAndNoVideo() throws Exception {
        gateway(SimGateway.Transport.TLS, b -> b);
        room(b -> b, acme(new GatewayProfile.Media(Optional.of(SipTransport.TLS), Optional.empty(), List.of("PCMU", "opus"),
                false)));
        Call call = dial();
        Await.until("connected", clock, () -> call.state() == CallState.CONNECTED, () -> call.end().toString());
        String offer = gateway.lastCall().orElseThrow().offer();
        assertTrue(offer.contains("m=audio ") && offer.lines().anyMatch(l -> l.matches("m=audio \\d+ RTP/SAVP 0 111 101")),
                offer);
        assertFalse(offer.contains("m=video"), offer);
        assertFalse(offer.contains("G722"), offer);
        call.hangUp();
        awaitEnd(call);

        // The built-in plain SIP profile offers everything the room has, video too.
        Call plain = room.dial(JoinTarget.sip("sips:123456789.contoso@127.0.0.1:" + gateway.port(), "sip", "test"));
        Await.until("connected", clock, () -> plain.state() == CallState.CONNECTED, () -> plain.end().toString());
        String full = gateway.lastCall().orElseThrow().offer();
        assertTrue(full.contains("m=video") && full.contains("G722"), full);
        plain.hangUp();
        awaitEnd(plain);
    }

    @Test
    void aProviderThatNeedsTlsFailsACallFromATcpRoomBeforeSendingAnything() throws Exception {
        gateway(SimGateway.Transport.TCP, b -> b);
        room(b -> b.allowCleartextSdes(false), acme(new GatewayProfile.Media(Optional.of(SipTransport.TLS),
                Optional.of(SrtpPolicy.BEST_EFFORT), List.of(), true)));
        Call call = awaitEnd(room.dial(JoinTarget.sip("sip:123456789.contoso@gateway.test", "acme", "test")));
        CallEnd end = call.end().orElseThrow();
        assertTrue(end.message().contains("Acme VC") && end.message().contains("TLS"), end.message());
        assertEquals("gateway.acme.transport=tls but sip.transport=tcp", end.detail());
        assertEquals(List.of(), gateway.calls().stream().map(GatewayCall::callId).toList(), "nothing reached the gateway");
    }
}
