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
