package io.roomwire.webrtc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.time.SystemScheduler;
import io.roomwire.hal.MediaKind;
import io.roomwire.sip.CallEvent;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sim.cloud.webrtc.SimWebRtcGateway;
import io.roomwire.sim.cloud.webrtc.WebRtcFarEnd;
import io.roomwire.webrtc.internal.WebRtcCall;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Real calls: the room's WebRtcJoinPath against the simulated gateway's webrtc-java far end. */
class WebRtcJoinPathTest {

    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final JoinTarget MEETING = new JoinTarget(JoinTarget.Kind.WEBRTC,
            "https://teams.microsoft.com/l/meetup-join/19%3ameeting_X%40thread.v2/0", "teams", Optional.empty(), "test");

    private static SystemScheduler scheduler;
    private static WebRtcFarEnd farEnd;
    private static SimWebRtcGateway gateway;

    @BeforeAll
    static void up() throws Exception {
        scheduler = new SystemScheduler(2);
        farEnd = new WebRtcFarEnd();
        gateway = new SimWebRtcGateway(farEnd, Optional.of("whip-secret"), Clock.systemUTC(), Duration.ofSeconds(120));
    }

    @AfterAll
    static void down() {
        gateway.close();
        farEnd.close();
        scheduler.close();
    }

    private WebRtcJoinPath path(WebRtcSettings.GatewayKind kind, Optional<String> token) {
        WebRtcSettings s = WebRtcSettings.of(kind, kind == WebRtcSettings.GatewayKind.WHIP ? gateway.whipUrl() : gateway.pexipNode(),
                token, "Room 7");
        return new WebRtcJoinPath(s, scheduler, new NativeWebRtc(), new TestPatternMedia(320, 180, 15, 440));
    }

    @Test
    void joinsOverWhipAndBothSidesDecodeTheOthersMedia() throws Exception {
        WebRtcJoinPath path = path(WebRtcSettings.GatewayKind.WHIP, Optional.of("whip-secret"));
        List<CallEvent> events = new CopyOnWriteArrayList<>();
        path.addListener(events::add);
        path.start();
        assertFalse(path.nativeLoaded(), "the native library loads with the first call, not at start");
        try {
            WebRtcCall call = (WebRtcCall) path.dial(MEETING);
            Await.until(BOUND, () -> call.state() == CallState.CONNECTED || call.state() == CallState.ENDED, call::toString);
            assertEquals(CallState.CONNECTED, call.state(), () -> "ended: " + call.end());
            Await.until(BOUND, () -> call.framesDecoded() > 10, () -> "room decoded " + call.framesDecoded() + " frames");
            String session = farEnd.sessions().get(0);
            Await.until(BOUND, () -> report(session).framesDecoded() > 10 && report(session).audioPacketsReceived() > 50,
                    () -> "far end: " + report(session));
            Await.until(BOUND, () -> events.stream().anyMatch(e -> e instanceof CallEvent.Media m
                    && m.stats().of(MediaKind.VIDEO).map(v -> v.packetsReceived() > 0).orElse(false)
                    && m.stats().of(MediaKind.AUDIO).map(a -> a.packetsReceived() > 0 && a.secure()).orElse(false)),
                    () -> "figures: " + call.stats());
            assertTrue(gateway.seen().stream().anyMatch(s -> s.method().equals("POST") && s.auth().equals("Bearer whip-secret")));
            call.hangUp();
            Await.until(BOUND, () -> gateway.openSessions() == 0, () -> "WHIP DELETE did not reach the gateway");
            Await.until(BOUND, () -> events.stream().anyMatch(e -> e instanceof CallEvent.Ended), () -> "no Ended event");
        } finally {
            path.stop();
        }
    }

    private static WebRtcFarEnd.Report report(String session) {
        try {
            return farEnd.report(session);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
