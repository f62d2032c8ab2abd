package io.roomwire.sim.room.e2e;

import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.sim.room.SimCloud;
import io.roomwire.sim.room.SimulatedRoom;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Given: a simulated room (real agent, simulated hardware) against the simulated cloud (Entra,
 * Graph, MDM, the Cisco CVI gateway) on loopback, on a virtual clock. Read as
 * {@code givenRoom(dir).withMeetingNow().started()}; the started {@link Room} gives the panel and the
 * gateway to act on and assert about. Later capabilities add builder steps (a web panel, WebRTC).
 */
public final class RoomFixture {

    private final Path dir;
    private final VirtualScheduler time = new VirtualScheduler();
    private final List<java.util.function.Consumer<SimCloud>> bookings = new ArrayList<>();
    private final java.util.Map<String, String> settings = new java.util.LinkedHashMap<>();

    private RoomFixture(Path dir) {
        this.dir = dir;
    }

    /** A room in {@code dir} (its state, the cloud's files); the simulated admin approves its sign-in. */
    public static RoomFixture givenRoom(Path dir) {
        return new RoomFixture(dir);
    }

    /** A meeting that is on now, booked with a Teams CVI invitation through the simulated Cisco gateway. */
    public RoomFixture withMeetingNow() {
        bookings.add(cloud -> cloud.bookMeetingNow("401", ZoneOffset.UTC));
        return this;
    }

    /**
     * A meeting that is on now whose invitation gives only {@code address} ("Join from a room system:
     * ..."); every call still reaches the simulated gateway (the room's outbound proxy).
     */
    public RoomFixture withMeetingNowAt(Meeting meeting, String address) {
        bookings.add(cloud -> {
            java.time.ZonedDateTime start = time.clock().instant().atZone(ZoneOffset.UTC)
                    .truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
            cloud.graph().book(SimCloud.roomAccount("401"), io.roomwire.sim.cloud.graph.Booking.of(meeting.subject(),
                    start.minusMinutes(1), Duration.ofMinutes(30)).organizer("Megan Bowen", "megan@" + SimCloud.DOMAIN)
                    .body("<p>Join from a room system: " + address + "</p><p>Questions: megan@" + SimCloud.DOMAIN
                            + "</p>").build());
        });
        return this;
    }

    /**
     * A Teams-only meeting that is on now (a Teams join link, no video-conferencing section), booked as
     * {@code bin/simulated-room} books its demo WebRTC meeting: the room joins it over WebRTC through the
     * simulated WHIP gateway and its webrtc-java far end. Needs a non-loopback interface (see WebRtcJoinMeetingIT).
     */
    public RoomFixture withWebRtcMeetingNow() {
        bookings.add(cloud -> cloud.bookWebRtcMeetingNow("401", ZoneOffset.UTC));
        return this;
    }

    /** The meeting {@link #withWebRtcMeetingNow()} booked; its call screen names the Teams join link. */
    public static Meeting webRtcMeetingNow() {
        return new Meeting(SimCloud.WEBRTC_DEMO_SUBJECT, "teams.microsoft.com/l/meetup-join/");
    }

    /** A line of the room's configuration file ({@code gateway.acme.domains = vc.acme.example}). */
    public RoomFixture withSetting(String key, String value) {
        settings.put(key, value);
        return this;
    }

    /** The meeting {@link #withMeetingNow()} booked. */
    public static Meeting meetingNow() {
        return new Meeting(SimCloud.DEMO_SUBJECT, SimCloud.DEMO_VIDEO_ID);
    }

    /** Starts the cloud and the room; returns once the agent has started (sign-in runs on virtual time). */
    public Room started() throws Exception {
        SimCloud cloud = SimCloud.start(dir.resolve("cloud"), time.clock(), Duration.ofSeconds(5));
        try {
            SimulatedRoom.Builder b = SimulatedRoom.builder().scheduler(time).stateDir(dir.resolve("agent")).cloud(cloud);
            settings.forEach(b::set);
            SimulatedRoom room = b.build();
            bookings.forEach(book -> book.accept(cloud));
            room.start();
            return new Room(this, cloud, room);
        } catch (Exception | Error e) {
            cloud.close();
            throw e;
        }
    }

    void until(BooleanSupplier condition, Duration virtualLimit, String what, SimulatedRoom room) {
        until(condition, virtualLimit, () -> what, room);
    }

    /** As above, with {@code what} told when the wait fails (it may name the last thing seen). */
    void until(BooleanSupplier condition, Duration virtualLimit, Supplier<String> what, SimulatedRoom room) {
        until(time, condition, virtualLimit, () -> what.get() + " not within " + virtualLimit + " of virtual time:\n" + room.view());
    }

    /**
     * Moves virtual time a second at a time, letting real sockets answer in between, until the
     * condition holds; fails with {@code failure} after {@code virtualLimit} (or 30 s real time).
     */
    public static void until(VirtualScheduler time, BooleanSupplier condition, Duration virtualLimit,
                             Supplier<String> failure) {
        long realDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        for (long s = 0; s <= virtualLimit.toSeconds(); s++) {
            long settle = System.nanoTime() + Duration.ofMillis(200).toNanos();
            while (!condition.getAsBoolean() && System.nanoTime() < settle) {
                time.runDue();
                LockSupport.parkNanos(1_000_000);
            }
            if (condition.getAsBoolean()) {
                return;
            }
            if (System.nanoTime() > realDeadline) {
                break;
            }
            time.advance(Duration.ofSeconds(1));
        }
        throw new AssertionError(failure.get());
    }

    /** Lets {@code duration} of virtual time pass, a second at a time, with real sockets answering. */
    void pass(Duration duration, SimulatedRoom room) {
        for (long s = 0; s < duration.toSeconds(); s++) {
            long settle = System.nanoTime() + Duration.ofMillis(50).toNanos();
            while (System.nanoTime() < settle) {
                time.runDue();
                LockSupport.parkNanos(1_000_000);
            }
            time.advance(Duration.ofSeconds(1));
        }
    }
}
