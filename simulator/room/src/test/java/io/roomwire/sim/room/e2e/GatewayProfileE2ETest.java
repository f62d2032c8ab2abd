package io.roomwire.sim.room.e2e;

import static io.roomwire.sim.room.e2e.RoomFixture.givenRoom;
import static io.roomwire.sim.room.e2e.RoomFixture.meetingNow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.sim.cloud.gateway.GatewayCall;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Interop providers from the room's configuration file only (gateway.<provider>.*): the button, then the call. */
class GatewayProfileE2ETest {

    @TempDir
    Path dir;

    @Test
    void aProviderAddedInTheConfigGetsAJoinButtonAndItsCallFollowsItsProfile() throws Exception {
        Meeting acme = new Meeting("Acme board review", "4412345678");
        try (Room room = givenRoom(dir)
                .withSetting("gateway.acme.name", "Acme VC")
                .withSetting("gateway.acme.domains", "vc.acme.example")
                .withSetting("gateway.acme.direct-template", "sips:{id}@{domain}")
                .withSetting("gateway.acme.transport", "tls")
                .withSetting("gateway.acme.audio-codecs", "PCMU,opus")
                .withSetting("gateway.acme.video", "false")
                .withMeetingNowAt(acme, "4412345678.contoso@vc.acme.example").started()) {
            room.panel().pressJoinFor(acme);
            GatewayCall call = room.gateway().awaitCall();
            assertEquals("sips:4412345678.contoso@vc.acme.example", call.requestUri());
            assertTrue(call.offer().lines().anyMatch(l -> l.matches("m=audio \\d+ RTP/SAVP 0 111 101")), call.offer());
            assertFalse(call.offer().contains("m=video"), "acme's profile offers no video:\n" + call.offer());
            room.awaitInCall();
            assertEquals("acme", room.events("call.started").get(0).attributes().get("provider"),
                    room.events("call.started").toString());
        }
    }

    @Test
    void aBuiltInProvidersIvrTimingIsOverriddenFromTheConfig() throws Exception {
        try (Room room = givenRoom(dir)
                .withSetting("obtp.preference", "ivr,direct")
                .withSetting("gateway.teams-cisco.dtmf.delay", "25s")
                .withMeetingNow().started()) {
            room.panel().pressJoinFor(meetingNow());
            room.awaitInCall();
            room.pass(Duration.ofSeconds(10)); // sip.dtmf-delay (2 s) would have keyed the digits in by now
            GatewayCall call = room.gateway().awaitCall();
            assertEquals(GatewayCall.Mode.IVR, call.mode());
            assertEquals("", call.digits(), "the Cisco profile's 25 s delay holds the digits back");
            room.gateway().awaitDigits(meetingNow().videoId() + "#");
            assertEquals(meetingNow().videoId() + "#", call.digits());
        }
    }
}
