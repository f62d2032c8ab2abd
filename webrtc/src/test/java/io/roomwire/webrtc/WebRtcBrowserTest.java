package io.roomwire.webrtc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.time.SystemScheduler;
import io.roomwire.hal.MediaKind;
import io.roomwire.sim.cloud.webrtc.SimWebRtcGateway;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinTarget;
import io.roomwire.webrtc.internal.WebRtcCall;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The room's WebRTC path against a far end nobody here wrote: Debian's headless Chromium answers the
 * room's WHIP offer through the simulated gateway. Both sides' getStats must show the other's media decoded.
 */
class WebRtcBrowserTest {

    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final JoinTarget MEETING = new JoinTarget(JoinTarget.Kind.WEBRTC,
            "https://teams.microsoft.com/l/meetup-join/19%3ameeting_B%40thread.v2/0", "teams", Optional.empty(), "test");

    @TempDir
    Path dir;

    @Test
    void chromiumAnswersTheRoomsOfferAndEachSideDecodesTheOther() throws Exception {
        try (SystemScheduler scheduler = new SystemScheduler(2);
             BrowserFarEnd browser = new BrowserFarEnd(dir);
             SimWebRtcGateway gateway = new SimWebRtcGateway(browser, Optional.of("whip-secret"), Clock.systemUTC(),
                     Duration.ofSeconds(120))) {
            WebRtcJoinPath path = new WebRtcJoinPath(WebRtcSettings.of(WebRtcSettings.GatewayKind.WHIP, gateway.whipUrl(),
                    Optional.of("whip-secret"), "Room 7"), scheduler, new NativeWebRtc(), new TestPatternMedia(320, 180, 15, 440));
            path.start();
            try {
                WebRtcCall call = (WebRtcCall) path.dial(MEETING);
                Await.until(BOUND, () -> call.state() == CallState.CONNECTED || call.state() == CallState.ENDED, call::toString);
                assertEquals(CallState.CONNECTED, call.state(), () -> "ended: " + call.end());
                String session = browser.sessions().get(0);
                AtomicReference<BrowserFarEnd.Report> seen = new AtomicReference<>();
                // The browser decoded the room's test pattern and heard its 440 Hz tone.
                Await.until(BOUND, () -> {
                    BrowserFarEnd.Report r = browser.report(session);
                    seen.set(r);
                    return r != null && r.framesDecoded() > 30 && r.totalAudioEnergy() > 0 && r.audioLevel() > 0;
                }, () -> "browser's getStats: " + seen.get());
                // The room decoded the browser's fake camera and its fake microphone (the headless module's playout
                // thread pulls decoded audio through the room's audio sink), over SRTP.
                Await.until(BOUND, () -> call.framesDecoded() > 30 && call.audioChunksReceived() > 100,
                        () -> "room decoded " + call.framesDecoded() + " frames, " + call.audioChunksReceived() + " audio chunks");
                Await.until(BOUND, () -> call.stats().of(MediaKind.AUDIO).map(a -> a.packetsReceived() > 50 && a.secure()).orElse(false)
                        && call.stats().of(MediaKind.VIDEO).map(v -> v.packetsReceived() > 30).orElse(false),
                        () -> "room's figures: " + call.stats());
                // The panel's Mute reaches the call: the browser hears silence, then the tone again.
                call.setMediaControls(true, false);
                Await.until(BOUND, () -> {
                    BrowserFarEnd.Report r = browser.report(session);
                    seen.set(r);
                    return r != null && r.audioLevel() < 0.001;
                }, () -> "the browser still heard the muted room: " + seen.get());
                call.setMediaControls(false, false);
                Await.until(BOUND, () -> {
                    BrowserFarEnd.Report r = browser.report(session);
                    seen.set(r);
                    return r != null && r.audioLevel() > 0.01;
                }, () -> "the browser did not hear the room after unmute: " + seen.get());
                call.hangUp();
                Await.until(BOUND, () -> gateway.openSessions() == 0 && browser.sessions().isEmpty(),
                        () -> "hang-up did not reach the browser: " + browser.sessions());
                assertTrue(seen.get().videoCodec().startsWith("video/"), seen.get().toString());
            } finally {
                path.stop();
            }
        }
    }
}
