package io.roomwire.sim.room.e2e;

import static io.roomwire.sim.room.e2e.RoomAssertions.assertThat;
import static io.roomwire.sim.room.e2e.RoomFixture.givenRoom;
import static io.roomwire.sim.room.e2e.RoomFixture.meetingNow;
import static io.roomwire.sim.room.e2e.RoomFixture.webRtcMeetingNow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.hal.sim.SimRawPlayout;
import io.roomwire.sim.cloud.gateway.GatewayCall;
import io.roomwire.sim.cloud.webrtc.WebRtcFarEnd;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A person in the room presses Join on a Teams-only meeting: the real agent joins it over WebRTC through the
 * simulated WHIP gateway, whose webrtc-java far end sends and receives real media. libwebrtc gathers no ICE
 * candidates on loopback interfaces (FIELD-NOTES), so failsafe runs this class in a network namespace with an
 * extra interface carrying 127.0.0.2/32 (webrtc/src/test/netns/bin/java): never on the machine's real addresses.
 */
class WebRtcJoinMeetingIT {

    @TempDir
    Path dir;

    @Test
    void joiningATeamsOnlyMeetingCarriesMediaBothWaysAndTheCallControlsReachTheCall() throws Exception {
        // The connect bound is virtual time, which the fixture moves ~5x faster than real time while it waits.
        try (Room room = givenRoom(dir).withWebRtcMeetingNow().withSetting("webrtc.connect-timeout", "60s").started()) {
            room.panel().pressJoinFor(webRtcMeetingNow());
            String session = room.webrtcGateway().awaitSession();
            assertTrue(room.webrtcGateway().seen().stream().anyMatch(s -> s.method().equals("POST")
                    && s.path().startsWith("/whip/") && s.auth().startsWith("Bearer ")), room.webrtcGateway().seen()::toString);

            // The call screen: connected, DTLS-SRTP, and the getStats figures moving both ways.
            room.panel().awaitScreen("call");
            room.awaitThat(() -> room.panel().media("audio", "received") > 0 && room.panel().media("video", "received") > 0,
                    "the call screen showing received media");
            assertThat(room.panel()).showsCallWith("Connected").showsCallWith(webRtcMeetingNow().videoId());
            long audioIn = room.panel().media("audio", "received");
            long audioOut = room.panel().media("audio", "sent");
            long videoIn = room.panel().media("video", "received");
            long videoOut = room.panel().media("video", "sent");
            room.awaitThat(() -> room.panel().media("audio", "received") > audioIn + 50
                    && room.panel().media("audio", "sent") > audioOut + 50
                    && room.panel().media("video", "received") > videoIn + 10
                    && room.panel().media("video", "sent") > videoOut + 10, "the call screen's figures moving");
            assertTrue(room.panel().media().get("audio").get("secure").getAsBoolean(), room.panel().media()::toString);
            assertTrue(room.panel().media().get("video").get("secure").getAsBoolean(), room.panel().media()::toString);

            // The room decoded the far end's pictures (320x180 test pattern) and its display shows them: rows of luma
            // 16 + row (mean 105.5) under a moving white bar 23 px wide (+9.3); black would be 16, the room's own bars ~83.
            room.awaitThat(() -> room.panel().media("video", "frames") > 10, "the room decoding the far end's video");
            assertEquals("320x180", room.panel().media().get("video").get("resolution").getAsString(), room.view());
            room.awaitThat(() -> room.display().shown().frames() > 10, "the room's display showing the far end's pictures");
            SimRawPlayout.Shown shown = room.display().shown();
            assertEquals(320, shown.width(), shown::toString);
            assertEquals(180, shown.height(), shown::toString);
            assertEquals(114.8, shown.meanLuma(), 8, "the display did not show the far end's pattern: " + shown);
            assertEquals(1, room.display().openSessions(), "one playout, the call's");
            // ... and the far end the room's (the simulated camera's colour bars; black would be Y 16) and its audio.
            WebRtcFarEnd.Report heard = room.webrtcGateway().awaitReport(session, r -> r.framesDecoded() > 10
                    && r.audioPacketsReceived() > 50 && r.meanLuma() > 40, "the room's video decoded and its audio received");
            assertEquals("CONNECTED", heard.iceState(), heard.toString());
            // The room's own (simulated) camera, not the fallback test pattern: bars over 2/3 (mean Y 110) and the dark
            // strip (Y 16, its block ~30) average ~83; TestPatternMedia's ramp and bar average 118-143.
            assertEquals(83, heard.meanLuma(), 15, "the far end did not see the simulated camera: " + heard);

            // Volume: the far end's audio plays on the room's speaker, at 48 kHz as decoded (wideband, not G.711's 8 kHz),
            // at the panel's volume (70 % -> 30 %).
            double at70 = room.speaker().listen().levelOver(2);
            assertEquals(java.util.Set.of(48000), room.speaker().sampleRates(), "the speaker played the far end's audio as decoded");
            assertTrue(at70 > -30 && at70 < -15, "the far end's 660 Hz tone (-17.8 dBov sent) at 70 %: " + at70 + " dBov");
            for (int i = 0; i < 4; i++) {
                room.panel().pressVolumeDown();
            }
            assertEquals("30", room.panel().current().orElseThrow().data().get("volume"), room.view());
            double at30 = room.speaker().listen().levelOver(2);
            assertEquals(20 * Math.log10(30.0 / 70.0), at30 - at70, 1.5,
                    "played-out level at 70 %: " + at70 + " dBov, at 30 %: " + at30 + " dBov");

            // Mute: the room's track is disabled, so it sends Opus silence (a few bytes a packet) instead of its tone.
            double toneBytes = bytesPerAudioPacket(room, session);
            room.panel().pressMute();
            room.awaitThat(() -> room.panel().current().map(s -> s.buttons().stream()
                    .anyMatch(b -> b.label().equals("Unmute"))).orElse(false), "the Unmute button");
            bytesPerAudioPacket(room, session); // packets encoded before the press may still be on their way
            double mutedBytes = bytesPerAudioPacket(room, session);
            assertTrue(mutedBytes < toneBytes / 2, "audio bytes per packet at the far end: " + toneBytes
                    + " before Mute, " + mutedBytes + " after");

            // Camera off: the room's track is disabled and libwebrtc sends no video at all (no black pictures either):
            // over the next 2 s of audio the far end gets no video packet. Camera on: the room's pattern again.
            room.panel().pressCamera();
            room.awaitThat(() -> room.panel().current().map(s -> s.buttons().stream()
                    .anyMatch(b -> b.label().equals("Camera on"))).orElse(false), "the Camera on button");
            WebRtcFarEnd.Report off = afterAudioPackets(room, session, 50); // frames already on their way land first
            WebRtcFarEnd.Report stillOff = afterAudioPackets(room, session, 100);
            assertEquals(off.videoPacketsReceived(), stillOff.videoPacketsReceived(), "video after Camera off: " + stillOff);
            assertEquals(off.framesDecoded(), stillOff.framesDecoded(), "pictures after Camera off: " + stillOff);
            room.panel().pressCamera();
            room.webrtcGateway().awaitReport(session, r -> r.framesDecoded() > stillOff.framesDecoded() + 10 && r.meanLuma() > 40,
                    "the room's pictures again after Camera on");

            // Hang up: the room deletes its WHIP session and the far end's peer closes.
            room.panel().pressHangUp();
            room.webrtcGateway().awaitDeleteFromRoom(session);
            room.panel().awaitScreen("home");
            room.awaitIdle();
            room.awaitThat(() -> room.display().openSessions() == 0, "the display and speaker released with the call");
            assertEquals(1, room.events("call.ended").size(), "one call.ended per call");
            assertEquals("local", room.events("call.ended").get(0).attributes().get("endedBy"));
        }
    }

    @Test
    void aWebRtcGatewayAnswering503FallsBackToTheMeetingsSipAddressAndThePanelSaysSo() throws Exception {
        // A Teams meeting with a CVI section: WebRTC first, then its SIP address.
        try (Room room = givenRoom(dir).withMeetingNow().withSetting("obtp.preference", "webrtc,direct,ivr").started()) {
            room.webrtcGateway().failWith(503);
            room.panel().pressJoinFor(meetingNow());
            GatewayCall call = room.gateway().awaitCall();
            assertTrue(call.requestUri().contains(meetingNow().videoId()), call.requestUri());
            assertTrue(room.webrtcGateway().seen().stream().anyMatch(s -> s.method().equals("POST")
                    && s.path().contains("teams.microsoft.com")), "WebRTC was tried first: " + room.webrtcGateway().seen());
            room.awaitInCall();
            room.panel().awaitScreen("call");
            assertThat(room.panel()).showsCallWith(meetingNow().videoId())
                    .showsCallWith("Joining over SIP instead: The WebRTC gateway is not available");
        }
    }

    /** Bytes of payload per audio packet the far end receives over the next 100 packets (2 s of 20 ms Opus packets). */
    private static double bytesPerAudioPacket(Room room, String session) {
        WebRtcFarEnd.Report from = room.webrtcGateway().report(session);
        WebRtcFarEnd.Report to = afterAudioPackets(room, session, 100);
        return (double) (to.audioBytesReceived() - from.audioBytesReceived())
                / (to.audioPacketsReceived() - from.audioPacketsReceived());
    }

    /** The far end's report once {@code packets} more audio packets arrived: the room's audio (50 a second) as a clock. */
    private static WebRtcFarEnd.Report afterAudioPackets(Room room, String session, int packets) {
        long from = room.webrtcGateway().report(session).audioPacketsReceived();
        return room.webrtcGateway().awaitReport(session, r -> r.audioPacketsReceived() >= from + packets,
                packets + " more audio packets");
    }
}
