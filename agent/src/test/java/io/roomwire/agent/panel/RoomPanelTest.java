package io.roomwire.agent.panel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.Screen;
import io.roomwire.hal.sim.SimTouchPanel;
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
    void theCallScreenShowsThePicturesFreezesAndSoundLevelTheRoomReceives() {
        FakeCall call = new FakeCall(false, CallState.CONNECTED);
        call.stats = new MediaStats(Map.of(
                io.roomwire.hal.MediaKind.VIDEO, new MediaStats.Stream(900, 900_000, 880, 880_000, 0, 4, java.util.Optional.empty(),
                        true, new MediaStats.Playout(290, 29.9, 1280, 720, 2, Duration.ofMillis(1500), java.util.OptionalDouble.empty())),
                io.roomwire.hal.MediaKind.AUDIO, new MediaStats.Stream(500, 86_000, 498, 85_000, 0, 2, java.util.Optional.empty(),
                        true, new MediaStats.Playout(0, 0, 0, 0, 0, Duration.ZERO, java.util.OptionalDouble.of(-20.4)))));
        current.set(call);
        panel.callEvent(new CallEvent.StateChanged(call, CallState.CONNECTED, "Connected"));
        Screen s = hardware.current().orElseThrow();
        assertTrue(s.lines().stream().anyMatch(l -> l.startsWith("video") && l.endsWith(", 1280x720 30 fps, 2 freezes (1.5 s)")),
                s.lines().toString());
        assertTrue(s.lines().stream().anyMatch(l -> l.startsWith("audio") && l.endsWith(", level -20 dBov")), s.lines().toString());
        com.google.gson.JsonArray media = com.google.gson.JsonParser.parseString(s.data().get("media")).getAsJsonArray();
        com.google.gson.JsonObject video = null;
        com.google.gson.JsonObject audio = null;
        for (var e : media) {
            var o = e.getAsJsonObject();
            if (o.get("kind").getAsString().equals("video")) {
                video = o;
            } else {
                audio = o;
            }
        }
        assertEquals("1280x720", video.get("resolution").getAsString());
        assertEquals(290, video.get("frames").getAsLong());
        assertEquals(29.9, video.get("fps").getAsDouble());
        assertEquals(2, video.get("freezes").getAsLong());
        assertEquals(-20, audio.get("level_dbov").getAsLong());
        assertTrue(audio.has("mos"));
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
        panel.signInScreens().accept(Screen.of(SignInScreens.KIND_CODE, "Sign in this room", List.of("code")));
        panel.home().show(home);
        assertEquals(SignInScreens.KIND_CODE, hardware.current().orElseThrow().kind());
        panel.signInChanged(new io.roomwire.provisioning.EnrollmentStatus(
                io.roomwire.provisioning.EnrollmentState.ENROLLED, "signed in"));
        assertEquals(SignInScreens.KIND_CODE, hardware.current().orElseThrow().kind(), "the notice stays a moment");
        time.advance(Duration.ofSeconds(RoomPanel.ENROLLED_NOTICE_SECONDS));
        assertEquals(home, hardware.current().orElseThrow());
    }

    @Test
    void aNewCodePressGoesToSignInAndAJoinPressToTheMeetingList() {
        AtomicInteger newCodes = new AtomicInteger();
        List<String> homePresses = new ArrayList<>();
        panel.onNewSignInCode(newCodes::incrementAndGet);
        panel.home().onEvent(e -> homePresses.add(e.toString()));
        panel.signInScreens().accept(new Screen(SignInScreens.KIND_DECLINED, "Sign-in was declined", List.of(),
                List.of(new io.roomwire.hal.PanelButton(SignInScreens.NEW_CODE_BUTTON, "Get a new code", "")), Map.of()));
        hardware.press(SignInScreens.NEW_CODE_BUTTON);
        assertEquals(1, newCodes.get());
        assertEquals(List.of(), homePresses);
    }

    @Test
    void anOutgoingCallRefusedBeforeItConnectsSaysSoUntilOkOrTwentySeconds() {
        panel.home().show(home);
        FakeCall call = new FakeCall(false, CallState.DIALING);
        current.set(call);
        panel.callEvent(new CallEvent.StateChanged(call, CallState.DIALING, "Dialing"));
        call.state = CallState.ENDED;
        current.set(null);
        panel.callEvent(new CallEvent.Ended(call, new CallEnd(CallEnd.EndedBy.REMOTE, 486, "Busy", "")));
        Screen failed = hardware.current().orElseThrow();
        assertEquals(RoomPanel.CALL_FAILED_KIND, failed.kind());
        assertEquals("Couldn't join: Busy (486)", failed.lines().get(0));
        hardware.press(RoomPanel.DISMISS_BUTTON);
        assertEquals(home, hardware.current().orElseThrow(), "OK brings the meeting list back");

        panel.joinRefused("sip:401@example.com", "the room is already in a call; hang up first");
        assertEquals("Couldn't join: the room is already in a call; hang up first",
                hardware.current().orElseThrow().lines().get(0));
        time.advance(Duration.ofSeconds(RoomPanel.FAILURE_NOTICE_SECONDS - 1));
        assertEquals(RoomPanel.CALL_FAILED_KIND, hardware.current().orElseThrow().kind());
        time.advance(Duration.ofSeconds(1));
        assertEquals(home, hardware.current().orElseThrow(), "the notice goes by itself");
    }

    @Test
    void aCallTheRoomEndsOrThatConnectedLeavesNoFailureNotice() {
        panel.home().show(home);
        FakeCall call = new FakeCall(false, CallState.DIALING);
        current.set(call);
        panel.callEvent(new CallEvent.StateChanged(call, CallState.DIALING, "Dialing"));
        call.state = CallState.ENDED;
        current.set(null);
        panel.callEvent(new CallEvent.Ended(call, new CallEnd(CallEnd.EndedBy.LOCAL, 487, "Cancelled", "")));
        assertEquals(home, hardware.current().orElseThrow(), "the room hung up itself: nothing to explain");

        FakeCall second = new FakeCall(false, CallState.CONNECTED, "c2");
        current.set(second);
        panel.callEvent(new CallEvent.StateChanged(second, CallState.CONNECTED, "Connected"));
        second.state = CallState.ENDED;
        current.set(null);
        panel.callEvent(new CallEvent.Ended(second, new CallEnd(CallEnd.EndedBy.REMOTE, 200, "Call ended", "BYE")));
        assertEquals(home, hardware.current().orElseThrow(), "a call that connected ended normally");
    }

    @Test
    void aSecondCallerRingingDuringACallKeepsItsControlsAndItsEndIsNoFailure() {
        panel.home().show(home);
        FakeCall call = new FakeCall(false, CallState.CONNECTED);
        current.set(call);
        panel.callEvent(new CallEvent.StateChanged(call, CallState.CONNECTED, "Connected"));
        hardware.press(RoomPanel.MUTE_BUTTON);
        FakeCall caller = new FakeCall(true, CallState.INCOMING, "c2");
        panel.callEvent(new CallEvent.Incoming(caller)); // Calls keeps the first call current (issue 12)
        caller.state = CallState.ENDED;
        panel.callEvent(new CallEvent.Ended(caller, new CallEnd(CallEnd.EndedBy.REMOTE, 487, "Cancelled", "")));
        assertEquals("muted", hardware.current().orElseThrow().data().get("mic"));
        call.state = CallState.ENDED;
        current.set(null);
        panel.callEvent(new CallEvent.Ended(call, new CallEnd(CallEnd.EndedBy.REMOTE, 200, "Call ended", "BYE")));
        assertEquals(home, hardware.current().orElseThrow(), "a call that connected is no failed join");
    }

    @Test
    void muteCameraAndVolumePressesActOnWhatTheFarEndReceives() throws Exception {
        io.roomwire.hal.sim.SimCodec codec = new io.roomwire.hal.sim.SimCodec(time);
        panel.controlMedia(codec);
        FakeCall call = new FakeCall(false, CallState.CONNECTED);
        current.set(call);
        panel.callEvent(new CallEvent.StateChanged(call, CallState.CONNECTED, "Connected"));
        java.net.InetAddress lo = java.net.InetAddress.getLoopbackAddress();
        try (java.net.DatagramSocket audio = new java.net.DatagramSocket(new java.net.InetSocketAddress(lo, 0));
             java.net.DatagramSocket video = new java.net.DatagramSocket(new java.net.InetSocketAddress(lo, 0));
             io.roomwire.hal.Codec.MediaSession media = codec.open(List.of(
                     new io.roomwire.hal.Codec.StreamPlan(io.roomwire.hal.MediaKind.AUDIO, 0, "PCMU", 8000,
                             (java.net.InetSocketAddress) audio.getLocalSocketAddress()),
                     new io.roomwire.hal.Codec.StreamPlan(io.roomwire.hal.MediaKind.VIDEO, 96, "H264", 90000,
                             (java.net.InetSocketAddress) video.getLocalSocketAddress())))) {
            time.advance(Duration.ofSeconds(1));
            assertEquals(50, packets(audio), "20 ms PCMU packets before mute");
            assertTrue(packets(video) >= 15, "video before camera off");

            hardware.press(RoomPanel.MUTE_BUTTON);
            hardware.press(RoomPanel.CAMERA_BUTTON);
            time.advance(Duration.ofSeconds(1));
            assertEquals(0, packets(audio), "the far end received audio while the room was muted");
            assertEquals(0, packets(video), "the far end received video while the camera was off");

            hardware.press(RoomPanel.MUTE_BUTTON);
            hardware.press(RoomPanel.CAMERA_BUTTON);
            hardware.press(RoomPanel.VOLUME_UP_BUTTON);
            time.advance(Duration.ofSeconds(1));
            assertEquals(50, packets(audio), "audio after unmute");
            assertTrue(packets(video) >= 15, "video after camera on");
            assertEquals(new io.roomwire.hal.Codec.Controls(false, false, CallControls.DEFAULT_VOLUME + 10), codec.controls());
        }
    }

    @Test
    void muteAndCameraReachACallThatCarriesItsOwnMedia() {
        // A WebRTC call sends the room's media itself, not through the device codec: the presses must reach it.
        FakeCall call = new FakeCall(false, CallState.CONNECTED, "webrtc-1");
        current.set(call);
        panel.callEvent(new CallEvent.StateChanged(call, CallState.CONNECTED, "Connected"));
        assertEquals(List.of(false, false), call.mediaControls);
        hardware.press(RoomPanel.MUTE_BUTTON);
        assertEquals(List.of(true, false), call.mediaControls, "muted");
        hardware.press(RoomPanel.CAMERA_BUTTON);
        assertEquals(List.of(true, true), call.mediaControls, "muted, camera off");
        hardware.press(RoomPanel.MUTE_BUTTON);
        assertEquals(List.of(false, true), call.mediaControls, "unmuted, camera still off");
        // the next call starts with the microphone and camera on, whatever the last one had
        FakeCall next = new FakeCall(false, CallState.CONNECTED, "webrtc-2");
        current.set(next);
        panel.callEvent(new CallEvent.StateChanged(next, CallState.CONNECTED, "Connected"));
        assertEquals(List.of(false, false), next.mediaControls);
    }

    /** RTP packets waiting on a loopback socket (the virtual scheduler sent them before advance returned). */
    private static int packets(java.net.DatagramSocket s) throws java.io.IOException {
        s.setSoTimeout(300);
        byte[] buf = new byte[2048];
        java.net.DatagramPacket dp = new java.net.DatagramPacket(buf, buf.length);
        int n = 0;
        while (n < 10_000) {
            try {
                dp.setLength(buf.length);
                s.receive(dp);
                n++;
            } catch (java.net.SocketTimeoutException e) {
                return n;
            }
        }
        return n;
    }

    @Test
    void theCallControlsRedrawTheCallScreenAndStartOverWithTheNextCall() {
        FakeCall call = new FakeCall(false, CallState.CONNECTED);
        current.set(call);
        panel.callEvent(new CallEvent.StateChanged(call, CallState.CONNECTED, "Connected"));
        Screen s = hardware.current().orElseThrow();
        assertEquals(List.of(RoomPanel.MUTE_BUTTON, RoomPanel.CAMERA_BUTTON, RoomPanel.VOLUME_DOWN_BUTTON,
                RoomPanel.VOLUME_UP_BUTTON, RoomPanel.HANGUP_BUTTON), s.buttons().stream().map(b -> b.id()).toList());
        assertEquals("on", s.data().get("mic"));
        assertEquals(time.now().toString(), s.data().get("connected_at"));
        assertEquals("[]", s.data().get("media"));
        hardware.press(RoomPanel.MUTE_BUTTON);
        hardware.press(RoomPanel.CAMERA_BUTTON);
        hardware.press(RoomPanel.VOLUME_UP_BUTTON);
        s = hardware.current().orElseThrow();
        assertEquals("muted", s.data().get("mic"));
        assertEquals("off", s.data().get("camera"));
        assertEquals(Integer.toString(CallControls.DEFAULT_VOLUME + 10), s.data().get("volume"));
        assertEquals("Unmute", s.buttons().get(0).label());

        FakeCall next = new FakeCall(false, CallState.DIALING, "c2");
        current.set(next);
        panel.callEvent(new CallEvent.StateChanged(next, CallState.DIALING, "Dialing"));
        s = hardware.current().orElseThrow();
        assertEquals("on", s.data().get("mic"));
        assertEquals("on", s.data().get("camera"));
        assertTrue(!s.data().containsKey("connected_at"), "not connected yet: " + s.data());
    }

    @Test
    void conditionalAccessPutsUpItsBannerWithoutHidingAnotherAndClearsOnlyItsOwn() {
        var blocked = new io.roomwire.provisioning.EnrollmentStatus(
                io.roomwire.provisioning.EnrollmentState.BLOCKED_BY_COMPLIANCE, "AADSTS53003: blocked by policy");
        var enrolled = new io.roomwire.provisioning.EnrollmentStatus(
                io.roomwire.provisioning.EnrollmentState.ENROLLED, "signed in");
        panel.signInChanged(blocked);
        assertEquals(Optional.of("Conditional access blocks this room's sign-in: AADSTS53003: blocked by policy"),
                hardware.currentBanner());
        panel.signInChanged(enrolled);
        assertEquals(Optional.empty(), hardware.currentBanner());

        panel.banner(Optional.of("Not compliant: disk encryption"));
        panel.signInChanged(blocked);
        panel.signInChanged(enrolled);
        assertEquals(Optional.of("Not compliant: disk encryption"), hardware.currentBanner(), "MDM's banner stays");
    }

    /** A call the test moves by hand. */
    private static final class FakeCall implements Call {
        final boolean incoming;
        volatile CallState state;
        final AtomicInteger answered = new AtomicInteger();
        final AtomicInteger declined = new AtomicInteger();
        final List<String> dtmf = new ArrayList<>();

        final String id;

        FakeCall(boolean incoming, CallState state) {
            this(incoming, state, "c1");
        }

        FakeCall(boolean incoming, CallState state, String id) {
            this.incoming = incoming;
            this.state = state;
            this.id = id;
        }

        @Override public String id() { return id; }
        @Override public boolean incoming() { return incoming; }
        @Override public JoinTarget target() { return JoinTarget.sip("sip:caller@example.com", "sip", "incoming"); }
        @Override public String remoteName() { return "SIPp Caller"; }
        @Override public CallState state() { return state; }
        @Override public Instant startedAt() { return Instant.EPOCH; }
        @Override public Optional<CallEnd> end() { return Optional.empty(); }
        MediaStats stats = MediaStats.none();

        @Override public MediaStats stats() { return stats; }
        @Override public void hangUp() { state = CallState.ENDED; }
        @Override public void sendDtmf(String digits) { dtmf.add(digits); }
        @Override public void answer() { answered.incrementAndGet(); }
        @Override public void decline() { declined.incrementAndGet(); }
        /** What {@link #setMediaControls} was last given: microphone muted, camera off. */
        volatile List<Boolean> mediaControls = List.of();
        @Override public void setMediaControls(boolean microphoneMuted, boolean cameraOff) {
            mediaControls = List.of(microphoneMuted, cameraOff);
        }
    }
}
