package io.roomwire.sim.room.e2e;

import static io.roomwire.sim.room.e2e.RoomAssertions.assertThat;
import static io.roomwire.sim.room.e2e.RoomFixture.givenRoom;
import static io.roomwire.sim.room.e2e.RoomFixture.meetingNow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.sim.cloud.gateway.GatewayCall;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A person in the room joins the meeting that is on now: from the Join button to the gateway and back. */
class JoinMeetingE2ETest {

    @TempDir
    Path dir;

    @Test
    void theJoinButtonAppearsForTheMeetingThatIsOn() throws Exception {
        try (Room room = givenRoom(dir).withMeetingNow().started()) {
            room.panel().awaitJoinButtonFor(meetingNow());
            assertThat(room.panel()).showsJoinButtonFor(meetingNow());
        }
    }

    @Test
    void pressingJoinDialsTheMeetingAtTheGatewayAndShowsTheCall() throws Exception {
        try (Room room = givenRoom(dir).withMeetingNow().started()) {
            room.panel().pressJoinFor(meetingNow());
            GatewayCall call = room.gateway().awaitCall();
            assertTrue(call.requestUri().contains(meetingNow().videoId()), call.requestUri());
            room.awaitInCall();
            room.panel().awaitScreen("call");
            assertThat(room.panel()).showsCallWith(meetingNow().videoId());
        }
    }

    @Test
    void keypadDigitsReachTheGatewayExactlyOnce() throws Exception {
        try (Room room = givenRoom(dir).withMeetingNow().started()) {
            room.panel().pressJoinFor(meetingNow());
            room.awaitInCall();
            room.panel().type("*5#");
            GatewayCall call = room.gateway().awaitDigits("*5#");
            room.pass(Duration.ofSeconds(5)); // long enough for a second copy of three tones to arrive
            assertEquals("*5#", call.digits(), "each keypad press is sent once\n" + room.view());
        }
    }

    @Test
    void hangingUpEndsTheCallAtTheGatewayAndTheMeetingListComesBack() throws Exception {
        try (Room room = givenRoom(dir).withMeetingNow().started()) {
            room.panel().pressJoinFor(meetingNow());
            room.awaitInCall();
            room.panel().awaitScreen("call").pressHangUp();
            room.gateway().awaitByeFromRoom();
            room.panel().awaitScreen("home");
            room.awaitIdle();
            assertThat(room.panel()).shows("home").showsJoinButtonFor(meetingNow());
            assertEquals(1, room.events("call.started").size(), "one call.started per call");
            assertEquals(1, room.events("call.ended").size(), "one call.ended per call");
            var ended = room.events("call.ended").get(0).attributes();
            assertEquals("local", ended.get("endedBy"), ended.toString());
            assertTrue(ended.keySet().containsAll(java.util.Set.of("call", "target", "reason", "status")), ended.toString());
        }
    }
}
