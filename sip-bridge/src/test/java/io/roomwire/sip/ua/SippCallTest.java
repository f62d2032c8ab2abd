package io.roomwire.sip.ua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.sim.SimCodec;
import io.roomwire.sip.Call;
import io.roomwire.sip.CallEnd;
import io.roomwire.sip.CallEvent;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sip.SipSettings;
import io.roomwire.sip.SipTransport;
import io.roomwire.sip.sdp.SrtpPolicy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The room against SIPp, a SIP peer nobody here wrote: SIPp as the far end (UAS) answering in
 * each way a gateway may, and SIPp calling the room (UAC). UDP and TCP (this SIPp has no TLS;
 * TLS is covered against the gateway simulator).
 */
class SippCallTest {

    private final VirtualScheduler clock = new VirtualScheduler();
    private final SimCodec codec = new SimCodec(clock);
    private final List<CallEvent> events = new CopyOnWriteArrayList<>();
    private SipJoinPath room;
    private Sipp sipp;

    private SipJoinPath room(SipTransport t, int peerPort, UnaryOperator<SipSettings.Builder> tune) throws Exception {
        SipSettings s = tune.apply(SipFixtures.settings(t).srtpPolicy(SrtpPolicy.BEST_EFFORT)).build();
        room = SipJoinPath.builder(s, clock).codec(codec).resolver(SipFixtures.resolverTo(peerPort)).build();
        room.addListener(events::add);
        room.start();
        return room;
    }

    @AfterEach
    void tearDown() {
        if (room != null) {
            room.stop();
        }
        if (sipp != null) {
            sipp.close();
        }
    }

    private Call dialSipp(SipTransport t, String scenario, UnaryOperator<SipSettings.Builder> tune) throws Exception {
        sipp = Sipp.uas(scenario, t);
        room(t, sipp.port(), tune);
        return room.dial(JoinTarget.sip("sip:meeting@127.0.0.1:" + sipp.port(), "sip", "test"));
    }

    private void awaitState(Call call, CallState s) {
        // The state changes before its event reaches listeners: wait for both, tests read the events next.
        Await.until(s.name(), clock, () -> call.state() == s && saw(call, s),
                () -> call.state() + " " + call.end() + "\n" + sipp.log());
    }

    private boolean saw(Call call, CallState s) {
        return events.stream().anyMatch(e -> e instanceof CallEvent.StateChanged c && c.call() == call && c.state() == s);
    }

    private void hangUpAndExpectSippPassed(Call call) throws Exception {
        call.hangUp();
        assertEquals(0, sipp.awaitExit(Duration.ofSeconds(15)), sipp.log());
        assertEquals(CallEnd.EndedBy.LOCAL, call.end().orElseThrow().by());
    }

    @ParameterizedTest
    @EnumSource(value = SipTransport.class, names = {"UDP", "TCP"})
    void connectsWhenAnsweredAtOnceAndHangsUpWithBye(SipTransport t) throws Exception {
        Call call = dialSipp(t, "uas-200.xml", b -> b);
        awaitState(call, CallState.CONNECTED);
        hangUpAndExpectSippPassed(call);
        Await.until("dialogs released", () -> room.openDialogs() == 0);
    }

    @ParameterizedTest
    @EnumSource(value = SipTransport.class, names = {"UDP", "TCP"})
    void showsRingingBeforeTheAnswer(SipTransport t) throws Exception {
        Call call = dialSipp(t, "uas-180-200.xml", b -> b);
        awaitState(call, CallState.CONNECTED);
        assertTrue(saw(call, CallState.RINGING));
        hangUpAndExpectSippPassed(call);
    }

    @ParameterizedTest
    @EnumSource(value = SipTransport.class, names = {"UDP", "TCP"})
    void takesEarlyMediaThenTheAnswer(SipTransport t) throws Exception {
        Call call = dialSipp(t, "uas-183-200.xml", b -> b);
        awaitState(call, CallState.CONNECTED);
        assertTrue(saw(call, CallState.EARLY_MEDIA));
        hangUpAndExpectSippPassed(call);
    }

    @ParameterizedTest
    @EnumSource(value = SipTransport.class, names = {"UDP", "TCP"})
    void hangingUpWhileRingingSendsCancel(SipTransport t) throws Exception {
        Call call = dialSipp(t, "uas-cancel.xml", b -> b);
        awaitState(call, CallState.RINGING);
        call.hangUp();
        assertEquals(CallState.ENDED, call.state());
        assertEquals(0, sipp.awaitExit(Duration.ofSeconds(15)), sipp.log());
        assertEquals(0, codec.openSessions());
    }

    @ParameterizedTest
    @EnumSource(value = SipTransport.class, names = {"UDP", "TCP"})
    void followsARedirect(SipTransport t) throws Exception {
        Call call = dialSipp(t, "uas-302.xml", b -> b);
        awaitState(call, CallState.CONNECTED);
        hangUpAndExpectSippPassed(call);
    }

    @ParameterizedTest
    @EnumSource(value = SipTransport.class, names = {"UDP", "TCP"})
    void takesAnSrtpAnswerWhoseKeyCarriesAnMki(SipTransport t) throws Exception {
        Call call = dialSipp(t, "uas-mki.xml", b -> b.srtpPolicy(SrtpPolicy.REQUIRED));
        awaitState(call, CallState.CONNECTED);
        assertTrue(call.stats().streams().get(io.roomwire.hal.MediaKind.AUDIO).secure(), call.stats().toString());
        hangUpAndExpectSippPassed(call);
    }

    @ParameterizedTest
    @EnumSource(value = SipTransport.class, names = {"UDP", "TCP"})
    void busyIsReportedAsBusy(SipTransport t) throws Exception {
        Call call = dialSipp(t, "uas-486.xml", b -> b);
        awaitState(call, CallState.ENDED);
        assertEquals("Busy", call.end().orElseThrow().message(), sipp.log());
        assertEquals(486, call.end().orElseThrow().status());
        assertEquals(0, sipp.awaitExit(Duration.ofSeconds(15)), sipp.log());
        assertEquals(0, codec.openSessions());
    }

    @ParameterizedTest
    @EnumSource(value = SipTransport.class, names = {"UDP", "TCP"})
    void answersADigestChallengeWithTheConfiguredPassword(SipTransport t) throws Exception {
        Call call = dialSipp(t, "uas-401-200.xml", b -> b.password("s3cret").authRealms(List.of("sipp.test")));
        awaitState(call, CallState.CONNECTED);
        hangUpAndExpectSippPassed(call);
    }

    @ParameterizedTest
    @EnumSource(value = SipTransport.class, names = {"UDP", "TCP"})
    void followsFarEndHoldAndResume(SipTransport t) throws Exception {
        Call call = dialSipp(t, "uas-reinvite.xml", b -> b);
        awaitState(call, CallState.ENDED);
        List<CallState> states = events.stream().filter(e -> e instanceof CallEvent.StateChanged c && c.call() == call)
                .map(e -> ((CallEvent.StateChanged) e).state()).toList();
        assertEquals(List.of(CallState.DIALING, CallState.CONNECTED, CallState.ON_HOLD, CallState.CONNECTED,
                CallState.ENDED), states);
        assertEquals(0, sipp.awaitExit(Duration.ofSeconds(15)), sipp.log());
    }

    @ParameterizedTest
    @EnumSource(value = SipTransport.class, names = {"UDP", "TCP"})
    void endsWhenTheFarEndHangsUp(SipTransport t) throws Exception {
        Call call = dialSipp(t, "uas-bye.xml", b -> b);
        awaitState(call, CallState.ENDED);
        assertEquals(CallEnd.EndedBy.REMOTE, call.end().orElseThrow().by());
        assertEquals(0, sipp.awaitExit(Duration.ofSeconds(15)), sipp.log());
        assertEquals(0, codec.openSessions());
    }

    @ParameterizedTest
    @EnumSource(value = SipTransport.class, names = {"UDP", "TCP"})
    void autoAnswersAnIncomingCallWhenConfigured(SipTransport t) throws Exception {
        room(t, 9, b -> b.autoAnswer(true).autoAnswerFrom(List.of("@127.0.0.1")));
        sipp = Sipp.uac("uac-caller-hangs-up.xml", t, room.localPort(), "room-12");
        assertEquals(0, sipp.awaitExit(Duration.ofSeconds(15)), sipp.log());
        Await.until("incoming call ended", clock, () -> events.stream().anyMatch(e -> e instanceof CallEvent.Ended));
        CallEvent.Ended ended = events.stream().filter(e -> e instanceof CallEvent.Ended).map(e -> (CallEvent.Ended) e)
                .findFirst().orElseThrow();
        assertTrue(ended.call().incoming());
        assertEquals(CallEnd.EndedBy.REMOTE, ended.end().by());
        assertTrue(saw(ended.call(), CallState.CONNECTED));
    }

    @ParameterizedTest
    @EnumSource(value = SipTransport.class, names = {"UDP", "TCP"})
    void reportsAnIncomingCallWithTheCallersNameAndAnswersIt(SipTransport t) throws Exception {
        // The incoming-call screen and its Answer button are the agent's (RoomPanelTest).
        room(t, 9, b -> b);
        sipp = Sipp.uac("uac-room-hangs-up.xml", t, room.localPort(), "room-12");
        Await.until("incoming call reported", clock, () -> events.stream().anyMatch(e -> e instanceof CallEvent.Incoming));
        Call call = events.stream().filter(e -> e instanceof CallEvent.Incoming).findFirst().orElseThrow().call();
        assertEquals("SIPp Caller", call.remoteName());
        call.answer();
        awaitState(call, CallState.CONNECTED);
        hangUpAndExpectSippPassed(call);
    }

    @ParameterizedTest
    @EnumSource(value = SipTransport.class, names = {"UDP", "TCP"})
    void answersHostileRequestsWithTheRightErrorAndStaysUp(SipTransport t) throws Exception {
        room(t, 9, b -> b.srtpPolicy(SrtpPolicy.REQUIRED));
        sipp = Sipp.uac("hostile.xml", t, room.localPort(), "room-12");
        assertEquals(0, sipp.awaitExit(Duration.ofSeconds(15)), sipp.log());
        assertTrue(room.calls().isEmpty());
        assertEquals(0, codec.openSessions());
    }
}
