package io.roomwire.agent.panel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.Screen;
import io.roomwire.hal.sim.SimTouchPanel;
import io.roomwire.provisioning.entra.EnrollmentPanel;
import io.roomwire.sip.Call;
import io.roomwire.sip.CallEnd;
import io.roomwire.sip.CallEvent;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sip.MediaStats;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class RoomPanelTest {

    private final VirtualScheduler time = new VirtualScheduler(Instant.parse("2026-01-05T09:00:00Z"));
    private final SimTouchPanel hardware = new SimTouchPanel();
    private final AtomicReference<Call> current = new AtomicReference<>();
    private final RoomPanel panel = new RoomPanel(hardware, time, () -> Optional.ofNullable(current.get()));
    private final Screen home = Screen.of("home", "Meeting Room", List.of("No meetings today"));

    @Test
    void showsAnIncomingCallOverTheMeetingListAndAnswersFromIt() {
        panel.home().show(home);
        FakeCall call = new FakeCall(true, CallState.INCOMING);
        current.set(call);
        panel.callEvent(new CallEvent.Incoming(call));
        Screen s = hardware.current().orElseThrow();
        assertEquals("incoming-call", s.kind());
        assertEquals("SIPp Caller", s.lines().get(0));
        hardware.press(s.buttons().get(0).id());
        assertEquals(1, call.answered.get());
        call.state = CallState.CONNECTED;
        panel.callEvent(new CallEvent.StateChanged(call, CallState.CONNECTED, "Connected"));
        assertEquals("call", hardware.current().orElseThrow().kind());
        call.state = CallState.ENDED;
        current.set(null);
        panel.callEvent(new CallEvent.Ended(call, new CallEnd(CallEnd.EndedBy.REMOTE, 200, "Call ended", "BYE")));
        assertEquals(home, hardware.current().orElseThrow(), "the meeting list comes back");
    }

    @Test
    void declineOnTheIncomingScreenDeclinesAndTheScreenBeforeComesBack() {
        panel.home().show(home);
        FakeCall call = new FakeCall(true, CallState.INCOMING);
        current.set(call);
        panel.callEvent(new CallEvent.Incoming(call));
        hardware.press(RoomPanel.declineId(call.id()));
        assertEquals(1, call.declined.get());
        call.state = CallState.ENDED;
        current.set(null);
        panel.callEvent(new CallEvent.Ended(call, new CallEnd(CallEnd.EndedBy.LOCAL, 603, "Declined", "")));
        assertEquals(home, hardware.current().orElseThrow());
    }

    @Test
    void keypadDigitsReachTheLiveCallOnce() {
        FakeCall call = new FakeCall(false, CallState.CONNECTED);
        current.set(call);
        panel.callEvent(new CallEvent.StateChanged(call, CallState.CONNECTED, "Connected"));
        hardware.type("*5#");
        assertEquals(List.of("*5#"), call.dtmf);
    }

    @Test
    void theMeetingListWaitsWhileTheRoomMustSignInAndShowsWhenSignInLetsGo() {
        panel.claimSignIn();
        panel.home().show(home);
        assertTrue(hardware.current().isEmpty(), "nothing hides the sign-in screen, even before the first code");
        panel.signInScreens().accept(Screen.of(EnrollmentPanel.KIND_CODE, "Sign in this room", List.of("code")));
        panel.home().show(home);
        assertEquals(EnrollmentPanel.KIND_CODE, hardware.current().orElseThrow().kind());
        panel.signInChanged(new io.roomwire.provisioning.EnrollmentStatus(
                io.roomwire.provisioning.EnrollmentState.ENROLLED, "signed in"));
        assertEquals(EnrollmentPanel.KIND_CODE, hardware.current().orElseThrow().kind(), "the notice stays a moment");
        time.advance(Duration.ofSeconds(RoomPanel.ENROLLED_NOTICE_SECONDS));
        assertEquals(home, hardware.current().orElseThrow());
    }

    @Test
    void aNewCodePressGoesToSignInAndAJoinPressToTheMeetingList() {
        AtomicInteger newCodes = new AtomicInteger();
        List<String> homePresses = new ArrayList<>();
        panel.onNewSignInCode(newCodes::incrementAndGet);
        panel.home().onEvent(e -> homePresses.add(e.toString()));
        panel.signInScreens().accept(new Screen(EnrollmentPanel.KIND_DECLINED, "Sign-in was declined", List.of(),
                List.of(new io.roomwire.hal.PanelButton(EnrollmentPanel.NEW_CODE_BUTTON, "Get a new code", "")), Map.of()));
        hardware.press(EnrollmentPanel.NEW_CODE_BUTTON);
        assertEquals(1, newCodes.get());
        assertEquals(List.of(), homePresses);
    }

    /** A call the test moves by hand. */
    private static final class FakeCall implements Call {
        final boolean incoming;
        volatile CallState state;
        final AtomicInteger answered = new AtomicInteger();
        final AtomicInteger declined = new AtomicInteger();
        final List<String> dtmf = new ArrayList<>();

        FakeCall(boolean incoming, CallState state) {
            this.incoming = incoming;
            this.state = state;
        }

        @Override public String id() { return "c1"; }
        @Override public boolean incoming() { return incoming; }
        @Override public JoinTarget target() { return JoinTarget.sip("sip:caller@example.com", "sip", "incoming"); }
        @Override public String remoteName() { return "SIPp Caller"; }
        @Override public CallState state() { return state; }
        @Override public Instant startedAt() { return Instant.EPOCH; }
        @Override public Optional<CallEnd> end() { return Optional.empty(); }
        @Override public MediaStats stats() { return MediaStats.none(); }
        @Override public void hangUp() { state = CallState.ENDED; }
        @Override public void sendDtmf(String digits) { dtmf.add(digits); }
        @Override public void answer() { answered.incrementAndGet(); }
        @Override public void decline() { declined.incrementAndGet(); }
    }
}
