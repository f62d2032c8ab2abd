package io.roomwire.webrtc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.time.SystemScheduler;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sim.cloud.webrtc.SimWebRtcGateway;
import io.roomwire.webrtc.internal.WebRtcCall;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DTMF for IVR joins over WebRTC: the call's keypad digits go out through the audio sender's RTCDtmfSender
 * as RFC 4733 telephone-events (RFC 7874 §5), and a far end nobody here wrote receives them.
 *
 * <p>What is observed, and why it proves the digits arrived: headless Chromium answers the room's WHIP offer
 * and, on its audio receiver, runs a receive-side encoded transform (RTCRtpScriptTransform, far-end.html). That
 * transform sees each audio payload after SRTP decryption and before the jitter buffer, so it reads the
 * telephone-event payloads themselves: payload type = the offer's telephone-event, first byte = the event code,
 * end bit in the second (RFC 4733 §2.3). The browser counts each event once and reports the digits in order;
 * nothing else can put event codes there, since the room's microphone audio is Opus. (libwebrtc's own receiver
 * gives the application no event, and its jitter buffer's regenerated tones depend on the box keeping real time,
 * so decoded audio was not a reliable witness on a loaded 2-core machine.) The room side's tone-change callbacks
 * show each tone handed to the send stream, the comma's pause included.
 */
class WebRtcDtmfTest {

    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final JoinTarget MEETING = new JoinTarget(JoinTarget.Kind.WEBRTC,
            "https://teams.microsoft.com/l/meetup-join/19%3ameeting_IVR%40thread.v2/0", "teams", Optional.empty(), "test");

    @TempDir
    Path dir;

    @Test
    void keypadDigitsReachTheFarEndAsTelephoneEvents() throws Exception {
        try (SystemScheduler scheduler = new SystemScheduler(2);
             BrowserFarEnd browser = new BrowserFarEnd(dir);
             SimWebRtcGateway gateway = new SimWebRtcGateway(browser, Optional.of("whip-secret"), Clock.systemUTC(),
                     Duration.ofSeconds(120))) {
            browser.listenForDtmf();
            WebRtcJoinPath path = new WebRtcJoinPath(WebRtcSettings.of(WebRtcSettings.GatewayKind.WHIP, gateway.whipUrl(),
                    Optional.of("whip-secret"), "Room 7"), scheduler, new NativeWebRtc(), new TestPatternMedia(320, 180, 15, 440));
            path.start();
            try {
                WebRtcCall call = (WebRtcCall) path.dial(MEETING);
                // Digits before the call is connected go nowhere (the Call contract), and are not held for later.
                call.sendDtmf("7");
                Await.until(BOUND, () -> call.state() == CallState.CONNECTED || call.state() == CallState.ENDED, call::toString);
                assertEquals(CallState.CONNECTED, call.state(), () -> "ended: " + call.end());
                String session = browser.sessions().get(0);
                Await.until(BOUND, () -> browser.report(session) != null && browser.report(session).audioPacketsReceived() > 100,
                        () -> "browser: " + browser.report(session));
                assertEquals(new BrowserFarEnd.DtmfHeard("", 0), browser.dtmfHeard(session), "no event before a key is pressed");

                // A meeting PIN with a pause, in the lower case a keypad API may pass.
                call.sendDtmf("9,3b#");
                Await.until(BOUND, () -> browser.dtmfHeard(session).digits().length() >= 4,
                        () -> "browser decoded " + browser.dtmfHeard(session) + ", room played " + call.dtmfTonesPlayed());
                assertEquals("93B#", browser.dtmfHeard(session).digits());
                assertEquals("9,3B#", call.dtmfTonesPlayed());
                // Each event arrived in packets of its own (libwebrtc sends one every 50 ms and the end three times).
                assertTrue(browser.dtmfHeard(session).eventPackets() >= 2 * 4, browser.dtmfHeard(session).toString());

                // Anything else is refused with the reason, and nothing of it is sent.
                IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> call.sendDtmf("12x4"));
                assertTrue(bad.getMessage().contains("'x' at position 3 is not a DTMF digit"), bad.getMessage());
                assertThrows(IllegalArgumentException.class, () -> call.sendDtmf(""));
                call.sendDtmf("*0");
                Await.until(BOUND, () -> browser.dtmfHeard(session).digits().length() >= 6,
                        () -> "browser decoded " + browser.dtmfHeard(session));
                assertEquals("93B#*0", browser.dtmfHeard(session).digits(), "the refused digits must not have been sent");
                assertEquals(CallState.CONNECTED, call.state());
            } finally {
                path.stop();
            }
        }
    }
}
