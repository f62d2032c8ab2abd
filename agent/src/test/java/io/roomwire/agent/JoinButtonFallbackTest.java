package io.roomwire.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.agent.call.Calls;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.obtp.MeetingInvite;
import io.roomwire.agent.obtp.ObtpService;
import io.roomwire.agent.obtp.ObtpSettings;
import io.roomwire.agent.panel.RoomPanel;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.PanelButton;
import io.roomwire.hal.Screen;
import io.roomwire.hal.sim.SimTouchPanel;
import io.roomwire.sim.cloud.graph.InvitationBodies;
import io.roomwire.sip.Call;
import io.roomwire.sip.CallEnd;
import io.roomwire.sip.CallEvent;
import io.roomwire.sip.CallListener;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinPath;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sip.MediaStats;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The panel's Join press carries the meeting's fallback: a Teams meeting with a WebRTC link and a CVI SIP
 * address, WebRTC preferred, the WebRTC gateway down. The press ends on the SIP call and the call screen
 * says what happened, through the agent's own join (StandardAgent.join), RoomPanel and Calls.
 */
class JoinButtonFallbackTest {

    private final VirtualScheduler time = new VirtualScheduler(Instant.parse("2026-03-30T05:00:00Z"));
    private final SimTouchPanel hardware = new SimTouchPanel();

    /** A path that records what it dialled and ends or connects each call as told. */
    private static final class ScriptedPath implements JoinPath {
        final List<CallListener> listeners = new CopyOnWriteArrayList<>();
        final List<JoinTarget> dialled = new CopyOnWriteArrayList<>();
        final Predicate<JoinTarget> supports;
        final Optional<CallEnd> failWith;
        final List<FakeCall> calls = new CopyOnWriteArrayList<>();

        ScriptedPath(Predicate<JoinTarget> supports, Optional<CallEnd> failWith) {
            this.supports = supports;
            this.failWith = failWith;
        }

        @Override public void start() { }
        @Override public void stop() { }
        @Override public boolean supports(JoinTarget t) { return supports.test(t); }
        @Override public List<Call> calls() { return List.copyOf(calls); }
        @Override public void addListener(CallListener l) { listeners.add(l); }
        @Override public void removeListener(CallListener l) { listeners.remove(l); }

        @Override
        public Call dial(JoinTarget target) {
            dialled.add(target);
            FakeCall c = new FakeCall(target, "call-" + dialled.size() + "-" + target.kind().wireName());
            calls.add(c);
            if (failWith.isPresent()) {
                c.state = CallState.ENDED;
                c.end = failWith;
                listeners.forEach(l -> l.onEvent(new CallEvent.Ended(c, failWith.get())));
            } else {
                emit(c, CallState.DIALING, "Calling...");
            }
            return c;
        }

        void emit(FakeCall c, CallState s, String message) {
            c.state = s;
            listeners.forEach(l -> l.onEvent(new CallEvent.StateChanged(c, s, message)));
        }
    }

    private static final class FakeCall implements Call {
        final JoinTarget target;
        final String id;
        volatile CallState state = CallState.DIALING;
        volatile Optional<CallEnd> end = Optional.empty();

        FakeCall(JoinTarget target, String id) {
            this.target = target;
            this.id = id;
        }

        @Override public String id() { return id; }
        @Override public boolean incoming() { return false; }
        @Override public JoinTarget target() { return target; }
        @Override public String remoteName() { return "Project review"; }
        @Override public CallState state() { return state; }
        @Override public Instant startedAt() { return Instant.EPOCH; }
        @Override public Optional<CallEnd> end() { return end; }
        @Override public MediaStats stats() { return MediaStats.none(); }
        @Override public void hangUp() { }
        @Override public void sendDtmf(String digits) { }
        @Override public void answer() { }
        @Override public void decline() { }
    }

    private static MeetingInvite teamsWithCvi() {
        String join = InvitationBodies.teamsJoinUrl("fallback");
        String body = InvitationBodies.teamsCvi(InvitationBodies.Provider.CISCO, InvitationBodies.Wording.JOIN_WITH,
                "contoso", "1234567890", join);
        return new MeetingInvite("fallback", "Project review", "Adele Vance", Instant.parse("2026-03-30T07:00:00Z"),
                Instant.parse("2026-03-30T08:00:00Z"), false, false, "accepted", "busy", "normal", "singleInstance",
                Optional.empty(), Optional.of(join), "teamsForBusiness", List.of("Microsoft Teams Meeting"), "html", body);
    }

    private Screen screen() {
        return hardware.current().orElseThrow();
    }

    @Test
    void aJoinPressWhoseWebRtcJoinFailsEndsOnTheSipAddressAndThePanelSaysWhy() throws Exception {
        ScriptedPath sip = new ScriptedPath(JoinTarget::isSip, Optional.empty());
        ScriptedPath webrtc = new ScriptedPath(t -> t.kind() == JoinTarget.Kind.WEBRTC, Optional.of(new CallEnd(
                CallEnd.EndedBy.NETWORK, 503, "The WebRTC gateway is not available", "WHIP offer failed with 503")));
        Calls calls = new Calls(sip, List.of(), Optional.of(webrtc), time, EventSink.none());
        RoomPanel panel = new RoomPanel(hardware, time, calls::current);
        calls.onCallEvent(panel::callEvent);
        calls.onFallback(panel::fellBack);
        ObtpSettings settings = ObtpSettings.from(Config.defaults(Map.of("ROOMWIRE_OBTP_PREFERENCE", "webrtc,direct")));
        assertEquals(List.of(ObtpSettings.JoinMethod.WEBRTC, ObtpSettings.JoinMethod.DIRECT), settings.preference());
        ObtpService obtp = ObtpService.builder().meetings(() -> List.of(teamsWithCvi())).scheduler(time)
                .zone(ZoneId.of("Europe/Berlin")).panel(panel.home()).settings(settings).title("Room 4.12")
                .joinWithFallbacks((target, next) -> StandardAgent.join(calls, panel, target, next, EventSink.none(), time))
                .build();
        obtp.start();
        try {
            time.advanceTo(Instant.parse("2026-03-30T06:58:00Z"));
            List<PanelButton> buttons = screen().buttons();
            assertEquals(1, buttons.size(), screen().toString());
            assertEquals(JoinTarget.Kind.WEBRTC, obtp.agenda().orElseThrow().buttons().get(0).target().kind());
            assertEquals(1, obtp.agenda().orElseThrow().buttons().get(0).fallbacks().size(),
                    obtp.agenda().orElseThrow().buttons().get(0).toString());

            hardware.press(buttons.get(0).id());
            time.runDue();

            assertEquals(1, webrtc.dialled.size(), "the press dials the WebRTC link first");
            assertEquals(List.of(JoinTarget.Kind.SIP), sip.dialled.stream().map(JoinTarget::kind).toList(),
                    "then the meeting's SIP address");
            assertTrue(sip.dialled.get(0).uri().contains("1234567890.contoso"), sip.dialled.toString());
            String note = "Joining over SIP instead: The WebRTC gateway is not available";
            assertEquals("call", screen().kind(), screen().toString());
            assertTrue(screen().lines().contains(note), screen().lines().toString());

            FakeCall sipCall = sip.calls.get(0);
            sip.emit(sipCall, CallState.CONNECTED, "Connected");
            assertEquals(sipCall, calls.current().orElseThrow());
            assertEquals(List.of("Connected", note), screen().lines().subList(0, 2),
                    "the connected call still says why it is not the WebRTC join");
        } finally {
            obtp.stop();
        }
    }
}
