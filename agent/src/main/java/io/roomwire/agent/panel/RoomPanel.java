package io.roomwire.agent.panel;

import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.MediaKind;
import io.roomwire.hal.PanelButton;
import io.roomwire.hal.PanelEvent;
import io.roomwire.hal.Screen;
import io.roomwire.hal.TouchPanel;
import io.roomwire.provisioning.EnrollmentState;
import io.roomwire.provisioning.EnrollmentStatus;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.roomwire.sip.Call;
import io.roomwire.sip.CallEnd;
import io.roomwire.sip.CallEvent;
import io.roomwire.sip.CallState;
import io.roomwire.sip.MediaStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The one owner of the room's touch panel: the only code that decides which screen shows, and the
 * only listener on the hardware panel. Screens come in on layers, highest first:
 * <ol>
 *   <li>{@link Layer#INCOMING_CALL}: Answer / Decline, rendered here from {@link CallEvent.Incoming};</li>
 *   <li>{@link Layer#CALL}: who, state, live media counters, Mute, Camera, Volume, Hang up, rendered
 *       here from call events;</li>
 *   <li>{@link Layer#CALL_FAILED}: "Couldn't join: ..." with OK, when an outgoing call ends before it
 *       connected (not by the room) or a join is refused; lets go on OK or after {@value #FAILURE_NOTICE_SECONDS} s;</li>
 *   <li>{@link Layer#SIGN_IN}: the device code and its outcome ({@link SignInScreens} renders
 *       provisioning's enrollment events into {@link #signInScreens()}); claimed before the first
 *       code so nothing hides it;</li>
 *   <li>{@link Layer#HOME}: the meeting list with its Join buttons ({@code ObtpService} through {@link #home()}).</li>
 * </ol>
 * The highest claimed layer shows; a lower layer's latest screen is kept and comes back when the
 * layers above let go. The banner (compliance from MDM, conditional access from sign-in) is
 * independent of the layers. Presses are routed from here, each to one place: Hang up, Answer,
 * Decline and keypad digits to the current call, the call controls and OK to this class, "Get a new
 * code" to sign-in, every other button to the home layer (Join).
 */
public final class RoomPanel {

    /** Panel layers, highest priority first. */
    public enum Layer { INCOMING_CALL, CALL, CALL_FAILED, SIGN_IN, HOME }

    public static final String HANGUP_BUTTON = "call.hangup";
    public static final String MUTE_BUTTON = "call.mute";
    public static final String CAMERA_BUTTON = "call.camera";
    public static final String VOLUME_DOWN_BUTTON = "call.volume-down";
    public static final String VOLUME_UP_BUTTON = "call.volume-up";
    public static final String DISMISS_BUTTON = "call.dismiss";
    public static final String CALL_FAILED_KIND = "call-failed";
    public static final String INCOMING_CALL_KIND = "incoming-call";
    private static final String ANSWER_PREFIX = "call.answer.";
    private static final String DECLINE_PREFIX = "call.decline.";
    private static final Duration CALL_SCREEN_REFRESH = Duration.ofSeconds(1);
    /** How long "Enrolled as ..." stays on the panel before the meeting list takes over. */
    static final int ENROLLED_NOTICE_SECONDS = 5;
    /** How long "Couldn't join ..." stays when nobody presses OK. */
    static final int FAILURE_NOTICE_SECONDS = 20;

    private final TouchPanel hardware;
    private final Scheduler scheduler;
    private final Supplier<Optional<Call>> currentCall;
    private final Map<Layer, Optional<Screen>> claims = new EnumMap<>(Layer.class);
    private final List<Consumer<PanelEvent>> homeListeners = new CopyOnWriteArrayList<>();
    private volatile Runnable newSignInCode = () -> { };
    private Screen shown;
    private Scheduler.Cancellable refresher;
    private Scheduler.Cancellable failureTimer;
    private final CallControls controls = new CallControls();
    // Why a call is not the one the room first dialled (a failed WebRTC join fell back to SIP), per call id.
    private final Map<String, String> fallbackNotes = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile io.roomwire.hal.Codec media;
    /** The conditional-access banner this class put up, so it clears only its own. */
    private String accessBanner;

    /**
     * @param currentCall the call being set up or in progress (the keypad and Hang up act on it)
     */
    public RoomPanel(TouchPanel hardware, Scheduler scheduler, Supplier<Optional<Call>> currentCall) {
        this.hardware = Objects.requireNonNull(hardware, "hardware");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.currentCall = Objects.requireNonNull(currentCall, "currentCall");
        hardware.onEvent(this::route);
    }

    /**
     * Where mute, camera and volume presses act: the device's codec (until set, they only show on the screen), and
     * the current call when it carries media of its own ({@link Call#setMediaControls}, WebRTC).
     */
    public void controlMedia(io.roomwire.hal.Codec codec) {
        this.media = Objects.requireNonNull(codec, "codec");
        codec.setControls(controls.media());
    }

    private void applyControls() {
        io.roomwire.hal.Codec c = media;
        if (c != null) {
            c.setControls(controls.media());
        }
        boolean mic = controls.micMuted();
        boolean camera = controls.cameraOff();
        currentCall.get().ifPresent(call -> call.setMediaControls(mic, camera));
    }

    /** The home layer as a panel for the meeting list: its screens wait while a higher layer shows. */
    public TouchPanel home() {
        return new TouchPanel() {
            @Override public void show(Screen screen) { put(Layer.HOME, screen); }
            @Override public void banner(Optional<String> text) { RoomPanel.this.banner(text); }
            @Override public void onEvent(Consumer<PanelEvent> listener) { homeListeners.add(listener); }
            @Override public Optional<Screen> current() { return hardware.current(); }
            @Override public Optional<String> currentBanner() { return hardware.currentBanner(); }
        };
    }

    /** Where {@link SignInScreens} puts the sign-in screens. */
    public Consumer<Screen> signInScreens() {
        return s -> put(Layer.SIGN_IN, s);
    }

    /** What a press of "Get a new code" / "Try again" on a sign-in screen does. */
    public void onNewSignInCode(Runnable r) {
        this.newSignInCode = Objects.requireNonNull(r);
    }

    /** The room must sign in: hold the meeting list back even before the first code is shown. */
    public void claimSignIn() {
        synchronized (this) {
            claims.putIfAbsent(Layer.SIGN_IN, Optional.empty());
            update();
        }
    }

    /**
     * Sign-in state changed: while the room is not signed in the sign-in layer holds the panel; once
     * it is, "Enrolled as ..." stays {@value #ENROLLED_NOTICE_SECONDS} s before the meeting list takes over.
     */
    public void signInChanged(EnrollmentStatus status) {
        boolean signedIn = status.state() == EnrollmentState.ENROLLED
                || status.state() == EnrollmentState.BLOCKED_BY_COMPLIANCE;
        if (!signedIn) {
            claimSignIn();
        } else if (signInClaimed()) {
            scheduler.schedule(Duration.ofSeconds(ENROLLED_NOTICE_SECONDS), () -> release(Layer.SIGN_IN));
        }
        conditionalAccessBanner(status);
    }

    /**
     * Conditional access refusing tokens (AADSTS53000 and kin) as a banner, also when MDM is off and so
     * no compliance banner explains it; cleared when sign-in recovers, leaving any other banner alone.
     */
    private synchronized void conditionalAccessBanner(EnrollmentStatus st) {
        Optional<String> up = hardware.currentBanner();
        if (st.state() == EnrollmentState.BLOCKED_BY_COMPLIANCE) {
            String text = "Conditional access blocks this room's sign-in: " + st.reason();
            if (up.isEmpty() || up.equals(Optional.ofNullable(accessBanner))) {
                accessBanner = text;
                hardware.banner(Optional.of(text));
            }
        } else if (accessBanner != null) {
            if (up.equals(Optional.of(accessBanner))) {
                hardware.banner(Optional.empty());
            }
            accessBanner = null;
        }
    }

    /** A join that could not even be dialed (no SIP service, already in a call, no path): say so on the panel. */
    public void joinRefused(String target, String reason) {
        showFailure(target, reason, 0);
    }

    public boolean signInClaimed() {
        synchronized (this) {
            return claims.containsKey(Layer.SIGN_IN);
        }
    }

    /** Shows (or with empty, clears) the banner above every screen. */
    public void banner(Optional<String> text) {
        hardware.banner(text);
    }

    /** The layer on top, if any claims the panel. */
    public synchronized Optional<Layer> top() {
        return claims.keySet().stream().findFirst();
    }

    /** A call changed: the incoming-call and call layers follow it. */
    /** {@code call} replaces a join that failed before media; its screen says so while it lasts. */
    public void fellBack(Call call, String note) {
        fallbackNotes.put(call.id(), note);
    }

    public void callEvent(CallEvent event) {
        Call call = event.call();
        // Mute, camera and volume belong to the current call, not to a second caller ringing meanwhile.
        if (currentCall.get().filter(c -> c.id().equals(call.id())).isPresent()) {
            controls.follow(call.id());
            applyControls();
        }
        if (event instanceof CallEvent.Incoming) {
            synchronized (this) {
                put(Layer.INCOMING_CALL, incomingCallScreen(call));
                dismissFailure();
            }
        } else if (event instanceof CallEvent.StateChanged sc) {
            if (sc.state() == CallState.INCOMING || sc.state() == CallState.ENDED) {
                return;
            }
            if (sc.state() == CallState.CONNECTED) {
                controls.connected(call.id(), scheduler.now());
            }
            synchronized (this) {
                releaseIncoming(call);
                put(Layer.CALL, callScreen(call, sc.message(), Optional.ofNullable(fallbackNotes.get(call.id())), controls));
                dismissFailure();
                if (sc.state() == CallState.CONNECTED) {
                    startRefresher();
                }
            }
        } else if (event instanceof CallEvent.Ended ended) {
            synchronized (this) {
                // Never a silent failure: an outgoing call that did not connect and that the room did not end.
                boolean connected = controls.ended(call.id());
                fallbackNotes.remove(call.id());
                if (!call.incoming() && !connected && ended.end().by() != CallEnd.EndedBy.LOCAL) {
                    showFailure(call.target().uri(), ended.end().message(), ended.end().status());
                }
                releaseIncoming(call);
                if (currentCall.get().isEmpty()) {
                    stopRefresher();
                    release(Layer.CALL);
                }
            }
        }
    }

    private void releaseIncoming(Call call) {
        Optional<Screen> s = claims.getOrDefault(Layer.INCOMING_CALL, Optional.empty());
        if (s.map(x -> call.id().equals(x.data().get("call"))).orElse(false)) {
            release(Layer.INCOMING_CALL);
        }
    }

    private synchronized void put(Layer layer, Screen screen) {
        claims.put(layer, Optional.of(screen));
        update();
    }

    private synchronized void release(Layer layer) {
        if (claims.remove(layer) != null) {
            update();
        }
    }

    /** The one decision: the highest claimed layer's screen shows (an empty claim keeps what is up). */
    private void update() {
        for (Optional<Screen> claim : claims.values()) {
            claim.filter(s -> !s.equals(shown)).ifPresent(s -> {
                shown = s;
                hardware.show(s);
            });
            return;
        }
    }

    private void route(PanelEvent e) {
        if (e instanceof PanelEvent.KeypadDigits d) {
            // The keypad goes to the live call once; nothing else listens to the hardware panel.
            currentCall.get().filter(c -> c.state().isLive()).ifPresent(c -> c.sendDtmf(d.digits()));
            return;
        }
        if (!(e instanceof PanelEvent.ButtonPressed b)) {
            return;
        }
        String id = b.buttonId();
        if (id.equals(HANGUP_BUTTON)) {
            currentCall.get().ifPresent(Call::hangUp);
        } else if (id.startsWith(ANSWER_PREFIX) || id.startsWith(DECLINE_PREFIX)) {
            incomingCall(id).ifPresent(c -> {
                if (id.startsWith(ANSWER_PREFIX)) {
                    c.answer();
                } else {
                    c.decline();
                }
            });
        } else if (id.equals(DISMISS_BUTTON)) {
            dismissFailure();
        } else if (id.equals(MUTE_BUTTON) || id.equals(CAMERA_BUTTON) || id.equals(VOLUME_DOWN_BUTTON)
                || id.equals(VOLUME_UP_BUTTON)) {
            controlPressed(id);
        } else if (id.equals(SignInScreens.NEW_CODE_BUTTON)) {
            newSignInCode.run();
        } else {
            homeListeners.forEach(l -> l.accept(e));
        }
    }

    private Optional<Call> incomingCall(String buttonId) {
        String callId = buttonId.substring(buttonId.indexOf('.', "call.".length()) + 1);
        return currentCall.get().filter(c -> c.id().equals(callId) && c.state() == CallState.INCOMING);
    }

    /** Microphone, camera and volume as the room sets them; the call screen shows the new state at once. */
    private synchronized void controlPressed(String id) {
        switch (id) {
            case MUTE_BUTTON -> controls.toggleMic();
            case CAMERA_BUTTON -> controls.toggleCamera();
            case VOLUME_DOWN_BUTTON -> controls.volumeDown();
            default -> controls.volumeUp();
        }
        applyControls();
        refreshCallScreen();
    }

    /** Built and shown under this lock, so a refresh built before a press cannot overwrite the press's screen. */
    private synchronized void refreshCallScreen() {
        currentCall.get().filter(c -> c.state().isLive())
                .ifPresent(c -> put(Layer.CALL, callScreen(c, "Connected", Optional.ofNullable(fallbackNotes.get(c.id())),
                        controls)));
    }

    /** "Couldn't join: Busy (486)" until OK is pressed or {@value #FAILURE_NOTICE_SECONDS} s have passed. */
    private synchronized void showFailure(String target, String reason, int status) {
        put(Layer.CALL_FAILED, callFailedScreen(target, reason, status));
        if (failureTimer != null) {
            failureTimer.cancel();
        }
        failureTimer = scheduler.schedule(Duration.ofSeconds(FAILURE_NOTICE_SECONDS), this::dismissFailure);
    }

    private synchronized void dismissFailure() {
        if (failureTimer != null) {
            failureTimer.cancel();
            failureTimer = null;
        }
        release(Layer.CALL_FAILED);
    }

    private synchronized void startRefresher() {
        stopRefresher();
        refresher = scheduler.scheduleAtFixedRate(CALL_SCREEN_REFRESH, CALL_SCREEN_REFRESH, this::refreshCallScreen);
    }

    private synchronized void stopRefresher() {
        if (refresher != null) {
            refresher.cancel();
            refresher = null;
        }
    }

    public static String answerId(String callId) {
        return ANSWER_PREFIX + callId;
    }

    public static String declineId(String callId) {
        return DECLINE_PREFIX + callId;
    }

    /** The {@code incoming-call} screen: who is calling, Answer and Decline. */
    public static Screen incomingCallScreen(Call call) {
        return new Screen(INCOMING_CALL_KIND, "Incoming call", List.of(call.remoteName()),
                List.of(new PanelButton(answerId(call.id()), "Answer", call.remoteName()),
                        new PanelButton(declineId(call.id()), "Decline", "")),
                Map.of("call", call.id(), "from", call.target().uri()));
    }

    /**
     * The {@code call} screen: state, what was dialled, each stream's counters, the room's controls
     * and Hang up; {@code data} carries {@code media} as JSON (kind, secure, sent, received, lost,
     * jitter_ms, rtt_ms, mos per stream; frames, fps, resolution, freezes for video; level_dbov for audio)
     * with {@code target}, {@code mic}, {@code camera}, {@code volume} and {@code connected_at} for the web panel.
     */
    /** What a person notices of the far end's stream: pictures, their size, rate and freezes; the audio level. */
    static String playoutLine(MediaKind kind, MediaStats.Playout p) {
        StringBuilder b = new StringBuilder();
        if (kind == MediaKind.VIDEO && p.framesDecoded() > 0) {
            b.append(String.format(Locale.ROOT, ", %dx%d %.0f fps", p.width(), p.height(), p.frameRate()));
            if (p.freezes() > 0) {
                b.append(String.format(Locale.ROOT, ", %d freeze%s (%.1f s)", p.freezes(), p.freezes() == 1 ? "" : "s",
                        p.frozen().toMillis() / 1000.0));
            }
        }
        p.audioLevelDbov().ifPresent(l -> b.append(String.format(Locale.ROOT, ", level %.0f dBov", l)));
        return b.toString();
    }

    static Screen callScreen(Call call, String message, Optional<String> fallbackNote, CallControls controls) {
        List<String> lines = new ArrayList<>();
        lines.add(message);
        // The call screen keeps saying why this is not the join the room started (until the call ends).
        fallbackNote.filter(n -> !n.equals(message)).ifPresent(lines::add);
        lines.add(call.target().uri());
        MediaStats s = call.stats();
        JsonArray media = new JsonArray();
        for (Map.Entry<MediaKind, MediaStats.Stream> e : s.streams().entrySet()) {
            MediaStats.Stream st = e.getValue();
            lines.add(String.format("%s%s: sent %d, received %d, lost %d, jitter %.1f ms%s%s", e.getKey().name().toLowerCase(),
                    st.secure() ? " (SRTP)" : "", st.packetsSent(), st.packetsReceived(), st.packetsLost(), st.jitterMillis(),
                    e.getKey() == MediaKind.AUDIO && st.packetsReceived() > 0
                            ? String.format(Locale.ROOT, ", MOS %.1f", st.estimatedMos()) : "", playoutLine(e.getKey(), st.playout())));
            JsonObject m = new JsonObject();
            m.addProperty("kind", e.getKey().name().toLowerCase(Locale.ROOT));
            m.addProperty("secure", st.secure());
            m.addProperty("sent", st.packetsSent());
            m.addProperty("received", st.packetsReceived());
            m.addProperty("lost", st.packetsLost());
            m.addProperty("jitter_ms", Math.round(st.jitterMillis() * 10) / 10.0);
            st.roundTrip().ifPresent(r -> m.addProperty("rtt_ms", r.toMillis()));
            if (e.getKey() == MediaKind.AUDIO && st.packetsReceived() > 0) {
                m.addProperty("mos", Math.round(st.estimatedMos() * 10) / 10.0);
            }
            MediaStats.Playout p = st.playout();
            if (e.getKey() == MediaKind.VIDEO) {
                m.addProperty("frames", p.framesDecoded());
                m.addProperty("fps", p.frameRate());
                if (p.width() > 0) {
                    m.addProperty("resolution", p.width() + "x" + p.height());
                }
                m.addProperty("freezes", p.freezes());
            }
            p.audioLevelDbov().ifPresent(l -> m.addProperty("level_dbov", Math.round(l)));
            media.add(m);
        }
        boolean muted = controls.micMuted();
        boolean cameraOff = controls.cameraOff();
        Map<String, String> data = new HashMap<>();
        data.put("call", call.id());
        data.put("state", call.state().name().toLowerCase(Locale.ROOT));
        data.put("target", call.target().uri());
        data.put("media", media.toString());
        data.put("mic", muted ? "muted" : "on");
        data.put("camera", cameraOff ? "off" : "on");
        data.put("volume", Integer.toString(controls.volume()));
        controls.connectedAt(call.id()).ifPresent(t -> data.put("connected_at", t.toString()));
        return new Screen("call", call.remoteName(), lines, List.of(
                new PanelButton(MUTE_BUTTON, muted ? "Unmute" : "Mute", "Microphone"),
                new PanelButton(CAMERA_BUTTON, cameraOff ? "Camera on" : "Camera off", "Camera"),
                new PanelButton(VOLUME_DOWN_BUTTON, "Volume −", "Speaker volume down"),
                new PanelButton(VOLUME_UP_BUTTON, "Volume +", "Speaker volume up"),
                new PanelButton(HANGUP_BUTTON, "Hang up", "")), data);
    }

    /** The {@code call-failed} screen: "Couldn't join: Busy (486)", what was dialled, OK. */
    static Screen callFailedScreen(String target, String reason, int status) {
        String sentence = "Couldn't join: " + reason + (status >= 300 && !reason.contains(Integer.toString(status))
                ? " (" + status + ")" : "");
        return new Screen(CALL_FAILED_KIND, "Couldn't join the meeting", List.of(sentence, target),
                List.of(new PanelButton(DISMISS_BUTTON, "OK", "Back to the meetings")),
                Map.of("target", target, "reason", reason, "status", Integer.toString(status)));
    }
}
