package io.roomwire.sip.ua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.MediaKind;
import io.roomwire.hal.sim.SimCodec;
import io.roomwire.sip.Call;
import io.roomwire.sip.CallEnd;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sip.SipTransport;
import io.roomwire.sip.dialplan.DialTemplate;
import io.roomwire.sip.dialplan.GatewayProfile;
import io.roomwire.sip.dialplan.GatewayProfiles;
import io.roomwire.sim.cloud.SimPki;
import io.roomwire.sim.cloud.gateway.GatewayCall;
import io.roomwire.sim.cloud.gateway.SimGateway;
import io.roomwire.sip.sdp.SrtpPolicy;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A call through a provider follows that provider's profile: its least transport, its SRTP policy,
 * its audio codecs and whether video is offered, as the simulated gateway sees the INVITE.
 */
class GatewayProfileCallTest {

    private static final SimPki PKI = new SimPki("gateway-profile-test");

    private final VirtualScheduler clock = new VirtualScheduler();
    private final SimCodec codec = new SimCodec(clock);
    private SimGateway gateway;
    private SipJoinPath room;

    /** A provider "acme" whose gateway is the simulated one (gateway.test), with {@code media} as its needs. */
    private static GatewayProfiles acme(GatewayProfile.Media media) {
        return GatewayProfiles.standard().with(new GatewayProfile("acme", "Acme VC", List.of("gateway.test"), List.of(),
                new DialTemplate("acme", Optional.of("sips:{id}@{domain}"), Optional.empty(), Optional.empty()), false)
                .withMedia(media));
    }

    private void start(SimGateway.Transport t, boolean srtp, GatewayProfiles profiles) throws Exception {
        gateway = SimGateway.builder().transport(t).sslContext(PKI.sslContext(PKI.issueServer("gateway")))
                .meetingIds("123456789").srtp(srtp).build().start();
        room = SipJoinPath.builder(SipFixtures.settings(SipFixtures.transportOf(gateway)).allowCleartextSdes(false)
                        .build(), clock).codec(codec).resolver(SipFixtures.resolverFor(gateway))
                .sslContext(PKI.sslContext(null)).gatewayProfiles(profiles).build();
        room.start();
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
        start(SimGateway.Transport.TLS, false, acme(new GatewayProfile.Media(Optional.empty(),
                Optional.of(SrtpPolicy.BEST_EFFORT), List.of(), true)));
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
        start(SimGateway.Transport.TLS, true, acme(new GatewayProfile.Media(Optional.of(SipTransport.TLS), Optional.empty(),
                List.of("PCMU", "opus"), false)));
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
        start(SimGateway.Transport.TCP, true, acme(new GatewayProfile.Media(Optional.of(SipTransport.TLS),
                Optional.of(SrtpPolicy.BEST_EFFORT), List.of(), true)));
        Call call = awaitEnd(room.dial(JoinTarget.sip("sip:123456789.contoso@gateway.test", "acme", "test")));
        CallEnd end = call.end().orElseThrow();
        assertTrue(end.message().contains("Acme VC") && end.message().contains("TLS"), end.message());
        assertEquals("gateway.acme.transport=tls but sip.transport=tcp", end.detail());
        assertEquals(List.of(), gateway.calls().stream().map(GatewayCall::callId).toList(), "nothing reached the gateway");
    }
}
