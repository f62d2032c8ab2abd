package io.roomwire.sim.room.e2e;

import io.roomwire.hal.PanelButton;
import io.roomwire.hal.Screen;
import io.roomwire.sim.cloud.gateway.GatewayCall;
import io.roomwire.sim.cloud.gateway.media.GatewayMedia;
import io.roomwire.sim.room.SimCloud;
import io.roomwire.sim.room.SimulatedRoom;
import java.time.Duration;
import java.util.Optional;

/** A started room of a {@link RoomFixture}: its touch panel, the gateway it calls, and the waits between. */
public final class Room implements AutoCloseable {

    private final RoomFixture fixture;
    private final SimCloud cloud;
    private final SimulatedRoom room;
    private final Panel panel = new Panel();
    private final Gateway gateway = new Gateway();
    private final WebRtcGateway webrtc = new WebRtcGateway();
    private final Speaker speaker = new Speaker();

    private final java.util.List<io.roomwire.core.event.DeviceEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();

    Room(RoomFixture fixture, SimCloud cloud, SimulatedRoom room) {
        this.fixture = fixture;
        this.cloud = cloud;
        this.room = room;
        room.events().subscribe(events::add);
    }

    public Panel panel() {
        return panel;
    }

    public Gateway gateway() {
        return gateway;
    }

    /** The simulated WebRTC (WHIP) gateway Teams-only meetings are joined through, and its far end. */
    public WebRtcGateway webrtcGateway() {
        return webrtc;
    }

    /** The room's loudspeaker, as a microphone in front of it hears it. */
    public Speaker speaker() {
        return speaker;
    }

    /** What the room's display showed of the far end's pictures (a WebRTC call's, through the codec's raw playout). */
    public io.roomwire.hal.sim.SimRawPlayout display() {
        return room.codec().display();
    }

    /** Waits until {@code condition} holds (virtual time moves on meanwhile); fails with {@code what} and the view. */
    public Room awaitThat(java.util.function.BooleanSupplier condition, String what) {
        fixture.until(condition, Duration.ofSeconds(60), what, room);
        return this;
    }

    /** Events of {@code type} the agent emitted so far (what MQTT would publish). */
    public java.util.List<io.roomwire.core.event.DeviceEvent> events(String type) {
        return events.stream().filter(e -> e.type().equals(type)).toList();
    }

    /** What the room is doing, as its status says ("idle", "in a call with ..."). */
    public String activity() {
        return room.agent().status().activity();
    }

    /** The room's terminal view (RoomView): panel, banner and service health, for failure messages. */
    public String view() {
        return room.view();
    }

    /** Waits (on virtual time) until the room is in a call whose media reached the gateway. */
    public Room awaitInCall() {
        fixture.until(() -> activity().startsWith("in a call") && cloud.gateway().lastCall().flatMap(GatewayCall::media)
                .map(m -> m.received(GatewayMedia.Kind.AUDIO).packets() > 20).orElse(false),
                Duration.ofSeconds(30), "a call with media", room);
        return this;
    }

    /** Waits until the room is idle again. */
    public Room awaitIdle() {
        fixture.until(() -> activity().equals("idle"), Duration.ofSeconds(30), "the room idle", room);
        return this;
    }

    /** Lets virtual time pass (timers, DTMF tones, re-renders). */
    public Room pass(Duration d) {
        fixture.pass(d, room);
        return this;
    }

    @Override
    public void close() {
        try {
            room.close();
        } finally {
            cloud.close();
        }
    }

    /** The room's touch panel as a person sees and uses it. */
    public final class Panel {

        public Optional<Screen> current() {
            return room.panel().current();
        }

        /** The Join button of {@code meeting} on the meeting list, once sign-in and the calendar put it there. */
        public Panel awaitJoinButtonFor(Meeting meeting) {
            fixture.until(() -> joinButton(meeting).isPresent(), Duration.ofSeconds(90),
                    "a Join button for " + meeting.subject(), room);
            return this;
        }

        public Panel awaitScreen(String kind) {
            fixture.until(() -> current().map(s -> s.kind().equals(kind)).orElse(false), Duration.ofSeconds(30),
                    "the " + kind + " screen", room);
            return this;
        }

        public Panel pressJoinFor(Meeting meeting) {
            awaitJoinButtonFor(meeting);
            room.panel().press(joinButton(meeting).orElseThrow().id());
            return this;
        }

        public Panel pressHangUp() {
            room.panel().press("call.hangup");
            return this;
        }

        /** Mute / Unmute on the call screen. */
        public Panel pressMute() {
            room.panel().press("call.mute");
            return this;
        }

        /** Camera off / Camera on on the call screen. */
        public Panel pressCamera() {
            room.panel().press("call.camera");
            return this;
        }

        public Panel pressVolumeDown() {
            room.panel().press("call.volume-down");
            return this;
        }

        /**
         * The call screen's figures per stream kind ("audio", "video"), as the web panel gets them: sent, received,
         * secure, frames, resolution... (RoomPanel's {@code media} JSON); empty when no call screen shows.
         */
        public java.util.Map<String, com.google.gson.JsonObject> media() {
            java.util.Map<String, com.google.gson.JsonObject> m = new java.util.HashMap<>();
            current().filter(s -> s.kind().equals("call")).map(s -> s.data().get("media")).ifPresent(json -> {
                for (var e : com.google.gson.JsonParser.parseString(json).getAsJsonArray()) {
                    m.put(e.getAsJsonObject().get("kind").getAsString(), e.getAsJsonObject());
                }
            });
            return m;
        }

        /** A figure of the call screen ({@code media("video", "received")}), 0 when not shown. */
        public long media(String kind, String figure) {
            var o = media().get(kind);
            return o == null || !o.has(figure) ? 0 : o.get(figure).getAsLong();
        }

        /** Types digits on the in-call keypad. */
        public Panel type(String digits) {
            room.panel().type(digits);
            return this;
        }

        Optional<PanelButton> joinButton(Meeting meeting) {
            return current().filter(s -> s.kind().equals("home")).flatMap(s -> s.buttons().stream()
                    .filter(b -> b.detail().contains(meeting.subject())).findFirst());
        }

        String view() {
            return room.view();
        }
    }

    /** The simulated WebRTC gateway (WHIP, RFC 9725) and the webrtc-java peer that answers behind it. */
    public final class WebRtcGateway {

        /** Every later request gets {@code status} (0 clears). */
        public WebRtcGateway failWith(int status) {
            cloud.webrtcGateway().failWith(status);
            return this;
        }

        public java.util.List<io.roomwire.sim.cloud.webrtc.SimWebRtcGateway.Seen> seen() {
            return cloud.webrtcGateway().seen();
        }

        /** The far end's session for the room's call, once the room's offer was answered. */
        public String awaitSession() {
            fixture.until(() -> !cloud.webrtcFarEnd().sessions().isEmpty(), Duration.ofSeconds(60),
                    "a WebRTC session at the gateway (requests: " + seen() + ")", room);
            return cloud.webrtcFarEnd().sessions().get(0);
        }

        /** What the far end received on {@code session} so far (its getStats and decoded pictures). */
        public io.roomwire.sim.cloud.webrtc.WebRtcFarEnd.Report report(String session) {
            try {
                return cloud.webrtcFarEnd().report(session);
            } catch (Exception e) {
                throw new AssertionError("no far-end report for " + session, e);
            }
        }

        /** Waits until the far end's report on {@code session} satisfies {@code wanted}; returns that report. */
        public io.roomwire.sim.cloud.webrtc.WebRtcFarEnd.Report awaitReport(String session,
                java.util.function.Predicate<io.roomwire.sim.cloud.webrtc.WebRtcFarEnd.Report> wanted, String what) {
            var last = new java.util.concurrent.atomic.AtomicReference<io.roomwire.sim.cloud.webrtc.WebRtcFarEnd.Report>();
            fixture.until(() -> {
                last.set(report(session));
                return wanted.test(last.get());
            }, Duration.ofSeconds(60), () -> "far end: " + what + " (last report: " + last + ")", room);
            return last.get();
        }

        /** Waits until the room has deleted its WHIP session (RFC 9725 §4.2) and the far end closed it. */
        public Room awaitDeleteFromRoom(String session) {
            fixture.until(() -> seen().stream().anyMatch(s -> s.method().equals("DELETE") && s.path().endsWith("/" + session))
                            && cloud.webrtcGateway().openSessions() == 0 && !cloud.webrtcFarEnd().sessions().contains(session),
                    Duration.ofSeconds(30), "WHIP DELETE of session " + session, room);
            return Room.this;
        }
    }

    /** What the room's loudspeaker plays (the simulated codec's speaker), measured over a window of audio. */
    public final class Speaker {
        private final Object lock = new Object();
        private double sumOfSquares;
        private int samples;
        /** Played audio in the window, in seconds times 48000 (a sample of 8 kHz mono counts 6, of 48 kHz stereo 1/2). */
        private long duration;
        private final java.util.Set<Integer> rates = new java.util.TreeSet<>();
        private boolean listening;

        /** Starts a new window: what the speaker plays from now on. */
        public Speaker listen() {
            synchronized (lock) {
                if (!listening) {
                    listening = true;
                    room.codec().onSpeaker((pcm, rate, channels) -> {
                        synchronized (lock) {
                            for (short v : pcm) {
                                sumOfSquares += (double) v * v;
                            }
                            samples += pcm.length;
                            duration += (long) pcm.length / channels * 48000 / rate;
                            rates.add(rate);
                        }
                    });
                }
                sumOfSquares = 0;
                samples = 0;
                duration = 0;
                rates.clear();
            }
            return this;
        }

        /** The sample rates of what the speaker played in the window (8000: a SIP call's G.711; 48000: WebRTC's Opus). */
        public java.util.Set<Integer> sampleRates() {
            synchronized (lock) {
                return java.util.Set.copyOf(rates);
            }
        }

        /** Waits for {@code seconds} of played audio (at whatever rate it plays) in the window and returns its RMS level in dBov. */
        public double levelOver(int seconds) {
            fixture.until(() -> {
                synchronized (lock) {
                    return duration >= seconds * 48000L;
                }
            }, Duration.ofSeconds(60), seconds + " s of audio from the room's speaker", room);
            synchronized (lock) {
                return io.roomwire.hal.Codec.Playout.dbov(sumOfSquares, samples);
            }
        }
    }

    /** The simulated CVI gateway the room dials. */
    public final class Gateway {

        /** The call the room placed, once its INVITE has arrived. */
        public GatewayCall awaitCall() {
            fixture.until(() -> cloud.gateway().lastCall().isPresent(), Duration.ofSeconds(30), "a call at the gateway", room);
            return cloud.gateway().lastCall().orElseThrow();
        }

        /** Waits until the gateway has received {@code digits} (RFC 4733) on the current call. */
        public GatewayCall awaitDigits(String digits) {
            GatewayCall call = awaitCall();
            fixture.until(() -> call.digits().length() >= digits.length(), Duration.ofSeconds(30),
                    "DTMF " + digits + " at the gateway (got '" + call.digits() + "')", room);
            return call;
        }

        /** Waits until the room has sent BYE for the gateway's call. */
        public GatewayCall awaitByeFromRoom() {
            GatewayCall call = awaitCall();
            fixture.until(call::byeFromRoom, Duration.ofSeconds(30), "BYE from the room", room);
            return call;
        }
    }
}
