package io.roomwire.sip.ua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.health.Health;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.MediaKind;
import io.roomwire.hal.sim.SimCodec;
import io.roomwire.sip.Call;
import io.roomwire.sip.CallEnd;
import io.roomwire.sip.CallEvent;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sip.SipSettings;
import io.roomwire.sip.sdp.SrtpPolicy;
import io.roomwire.sim.cloud.SimPki;
import io.roomwire.sim.cloud.gateway.GatewayCall;
import io.roomwire.sim.cloud.gateway.SimGateway;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What a CVI gateway may do to a call, over TLS with SRTP, against the simulated gateway. */
class GatewayScenariosTest {

    private static final SimPki PKI = new SimPki("gateway-scenarios");
    /** The room's TLS identity: the gateway opens its own TLS connection to the room's Contact for BYE and re-INVITE. */
    private static final SimPki.Issued ROOM_ID = PKI.issueServer("room");

    private final VirtualScheduler clock = new VirtualScheduler();
    private final SimCodec codec = new SimCodec(clock);
    private final List<CallEvent> events = new CopyOnWriteArrayList<>();
    private SimGateway gateway;
    private SipJoinPath room;

    private void given(UnaryOperator<SimGateway.Builder> gw, UnaryOperator<SipSettings.Builder> ua) throws Exception {
        gateway = gw.apply(SimGateway.builder().sslContext(PKI.sslContext(PKI.issueServer("gateway")))
                .meetingIds("123456789")).build().start();
        room = SipJoinPath.builder(ua.apply(SipFixtures.settings(SipFixtures.transportOf(gateway))).build(), clock)
                .codec(codec).resolver(SipFixtures.resolverFor(gateway)).sslContext(PKI.sslContext(ROOM_ID))
                .build();
        room.addListener(events::add);
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

    private Call join() {
        return room.dial(JoinTarget.sip(gateway.directUri("123456789"), "teams-cisco", "test"));
    }

    private void await(Call call, CallState s) {
        Await.until(s.name(), clock, () -> call.state() == s, () -> call.state() + " " + call.end());
    }

    private boolean saw(Call call, CallState s) {
        return events.stream().anyMatch(e -> e instanceof CallEvent.StateChanged c && c.call() == call && c.state() == s);
    }

    @Test
    void answersTheGatewaysDigestChallenge() throws Exception {
        given(g -> g.digest("room-12", "pw-7"), u -> u.password("pw-7").authRealms(List.of("gateway.test")));
        Call call = join();
        await(call, CallState.CONNECTED);
    }

    @Test
    void keepsThePasswordFromAGatewayOutsideTheConfiguredScope() throws Exception {
        given(g -> g.digest("room-12", "pw-7").realm("elsewhere.test"), u -> u.password("pw-7")
                .authRealms(List.of("gateway.test")));
        Call call = join();
        await(call, CallState.ENDED);
        assertTrue(call.end().orElseThrow().message().contains("sip.auth-realms"), call.end().toString());
        assertTrue(call.end().orElseThrow().detail().contains("elsewhere.test"), call.end().toString());
        assertEquals(1, gateway.requests().stream().filter("INVITE"::equals).count(), "no INVITE with credentials: "
                + gateway.requests());
    }

    @Test
    void answersAChallengeFromTheRegistrarsHostWithoutARealmList() throws Exception {
        given(g -> g.digest("room-12", "pw-7").realm("whatever.test"), u -> u.password("pw-7")
                .registrar("gateway.test"));
        Call call = join();
        await(call, CallState.CONNECTED);
    }

    @Test
    void wrongPasswordEndsWithAMessageNamingTheSetting() throws Exception {
        given(g -> g.digest("room-12", "pw-7"), u -> u.password("nope").authRealms(List.of("gateway.test")));
        Call call = join();
        await(call, CallState.ENDED);
        assertEquals(401, call.end().orElseThrow().status());
        assertTrue(call.end().orElseThrow().message().contains("sip.password"));
    }

    @Test
    void hangingUpDuringSetupNeverLeavesTheGatewayInACall() throws Exception {
        given(g -> g.ringing(false).answerDelay(Duration.ofMillis(300)), u -> u);
        Call call = join();
        // The INVITE is out (sent from the dial thread) and not answered yet: hang up now.
        Await.until("INVITE at the gateway", () -> gateway.lastCall().isPresent());
        call.hangUp();
        assertEquals(CallState.ENDED, call.state());
        Await.until("gateway call over", clock, () -> gateway.lastCall().map(g -> g.state() == GatewayCall.State.REJECTED
                || g.byeFromRoom()).orElse(false), () -> gateway.lastCall().toString());
        assertEquals(0, codec.openSessions());
    }

    @Test
    void keypadDigitsMidCallGoOutAsRfc4733Events() throws Exception {
        given(g -> g, u -> u.dtmfToneLength(Duration.ofMillis(60)).dtmfGap(Duration.ofMillis(60)));
        Call call = join();
        await(call, CallState.CONNECTED);
        call.sendDtmf("*5#"); // the panel's keypad reaches the call through the agent (RoomPanelTest)
        Await.until("digits at the gateway", clock, () -> gateway.lastCall().orElseThrow().digits().equals("*5#"),
                () -> gateway.lastCall().orElseThrow().digits());
    }

    @Test
    void busyGatewayIsBusy() throws Exception {
        given(g -> g.busy(true), u -> u);
        Call call = join();
        await(call, CallState.ENDED);
        assertEquals("Busy", call.end().orElseThrow().message());
        assertEquals(0, codec.openSessions());
    }

    @Test
    void codecMismatchIsNoCommonCodec() throws Exception {
        given(g -> g.audioCodecs("G729"), u -> u);
        Call call = join();
        await(call, CallState.ENDED);
        assertEquals(488, gateway.lastCall().orElseThrow().finalStatus());
        assertEquals("No common codec (488)", call.end().orElseThrow().message());
    }

    @Test
    void gatewayWithoutSrtpIsRefusedWhenRequiredAndJoinedUnencryptedWhenBestEffort() throws Exception {
        given(g -> g.srtp(false), u -> u);
        Call refused = join();
        await(refused, CallState.ENDED);
        assertTrue(refused.end().orElseThrow().message().contains("sip.srtp=required"), refused.end().toString());
        Await.until("BYE after the refused answer", () -> gateway.lastCall().orElseThrow().byeFromRoom());
        room.stop();
        room = SipJoinPath.builder(SipFixtures.settings(SipFixtures.transportOf(gateway)).srtpPolicy(SrtpPolicy.BEST_EFFORT)
                .build(), clock).codec(codec).resolver(SipFixtures.resolverFor(gateway)).sslContext(PKI.sslContext(ROOM_ID))
                .build();
        room.start();
        Call plain = join();
        await(plain, CallState.CONNECTED);
        Await.until("plain media", clock, () -> plain.stats().packetsReceived() > 10);
        assertFalse(plain.stats().of(MediaKind.AUDIO).orElseThrow().secure());
    }

    @Test
    void followsTheGatewaysHoldAndResume() throws Exception {
        given(g -> g, u -> u);
        Call call = join();
        await(call, CallState.CONNECTED);
        GatewayCall g = gateway.lastCall().orElseThrow();
        g.hold();
        await(call, CallState.ON_HOLD);
        g.resume();
        await(call, CallState.CONNECTED);
        assertTrue(saw(call, CallState.ON_HOLD));
    }

    @Test
    void gatewayHangUpEndsTheCall() throws Exception {
        given(g -> g, u -> u);
        Call call = join();
        await(call, CallState.CONNECTED);
        Await.until("joined", () -> gateway.lastCall().orElseThrow().state() == GatewayCall.State.JOINED);
        gateway.lastCall().orElseThrow().hangUp();
        await(call, CallState.ENDED);
        assertEquals(CallEnd.EndedBy.REMOTE, call.end().orElseThrow().by());
        assertEquals(0, codec.openSessions());
    }

    @Test
    void ivrRejectingTheVideoIdIsReportedAsNotAccepted() throws Exception {
        given(g -> g, u -> u.dtmfDelay(Duration.ofMillis(500)));
        Call call = room.dial(JoinTarget.ivr(gateway.ivrUri(), "55555#", "teams-cisco", "test"));
        await(call, CallState.ENDED);
        assertEquals("55555#", gateway.lastCall().orElseThrow().digits());
        assertEquals("The gateway did not accept the meeting ID", call.end().orElseThrow().message());
    }

    @Test
    void refreshesTheSessionAndKeepsItAliveWithOptions() throws Exception {
        given(g -> g.sessionExpires(Duration.ofSeconds(90)), u -> u.keepAliveInterval(Duration.ofSeconds(20)));
        Call call = join();
        await(call, CallState.CONNECTED);
        GatewayCall g = gateway.lastCall().orElseThrow();
        clock.advance(Duration.ofSeconds(46));
        Await.until("session refresh re-INVITE", clock, () -> g.reinvitesFromRoom() >= 1);
        Await.until("OPTIONS keep-alive", clock, () -> g.optionsFromRoom() >= 2);
        assertEquals(CallState.CONNECTED, call.state());
    }

    @Test
    void endsASessionTheGatewayPromisedToRefreshButDidNot() throws Exception {
        given(g -> g.sessionExpires(Duration.ofSeconds(90)).claimRefresherButNeverRefresh(true), u -> u);
        Call call = join();
        await(call, CallState.CONNECTED);
        clock.advance(Duration.ofSeconds(59));
        assertEquals(CallState.CONNECTED, call.state());
        clock.advance(Duration.ofSeconds(2)); // 90 s minus min(32, 90/3) = 60 s
        await(call, CallState.ENDED);
        assertEquals(CallFailures.SESSION_EXPIRED, call.end().orElseThrow().message());
        Await.until("BYE at the gateway", () -> gateway.lastCall().orElseThrow().byeFromRoom());
        assertEquals(0, gateway.lastCall().orElseThrow().reinvitesFromRoom());
    }

    @Test
    void silentFarEndRaisesNoMediaAndDegradesHealth() throws Exception {
        given(g -> g.sendMedia(false), u -> u.noMediaWindow(Duration.ofSeconds(3)));
        Call call = join();
        await(call, CallState.CONNECTED);
        Await.until("no-media event", clock, () -> events.stream().anyMatch(e -> e instanceof CallEvent.NoMedia));
        assertEquals(Health.State.DEGRADED, room.health().state());
    }

    @Test
    void registersWithDigestAndReRegistersAfterTheRegistrarComesBack() throws Exception {
        given(g -> g.registrar(true).digest("room-12", "pw-7").registerExpires(Duration.ofSeconds(120)),
                u -> u.registrar("gateway.test").password("pw-7").registerExpires(Duration.ofSeconds(120)));
        Await.until("registered", clock, () -> room.registrationState().orElseThrow() == Registration.State.REGISTERED);
        int port = gateway.port();
        gateway.stop();
        clock.advance(Duration.ofSeconds(61)); // refresh falls due with the registrar gone
        Await.until("retrying", clock, () -> room.registrationState().orElseThrow() == Registration.State.RETRYING);
        assertEquals(Health.State.DEGRADED, room.health().state());
        gateway = SimGateway.builder().port(port).sslContext(PKI.sslContext(PKI.issueServer("gateway")))
                .registrar(true).digest("room-12", "pw-7").build().start();
        Await.until("registered again", clock, Duration.ofSeconds(20),
                () -> room.registrationState().orElseThrow() == Registration.State.REGISTERED, () -> "");
        assertTrue(gateway.registrations() >= 1);
        assertTrue(room.health().isUp());
    }
}
