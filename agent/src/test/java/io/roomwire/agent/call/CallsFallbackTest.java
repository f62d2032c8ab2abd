package io.roomwire.agent.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.agent.config.Config;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.health.Service;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.sim.SimDevice;
import io.roomwire.sip.Call;
import io.roomwire.sip.CallEnd;
import io.roomwire.sip.CallEvent;
import io.roomwire.sip.CallListener;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinPath;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sip.MediaStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A WebRTC join that fails before media moves on to the meeting's SIP address, and the panel hears why. */
class CallsFallbackTest {

    @TempDir
    Path dir;

    private static final JoinTarget TEAMS = new JoinTarget(JoinTarget.Kind.WEBRTC,
            "https://teams.microsoft.com/l/meetup-join/x", "teams", Optional.empty(), "onlineMeeting.joinUrl");
    private static final JoinTarget SIP = JoinTarget.sip("sip:1234567890.contoso@127.0.0.1:9", "teams-cisco", "body");

    /** A WebRTC path whose gateway is down: every call ends at once with the reason. */
    private static final class DownGatewayPath implements JoinPath {
        final List<CallListener> listeners = new CopyOnWriteArrayList<>();
        int dialled;

        @Override public void start() { }
        @Override public void stop() { }
        @Override public boolean supports(JoinTarget t) { return t.kind() == JoinTarget.Kind.WEBRTC; }
        @Override public List<Call> calls() { return List.of(); }
        @Override public void addListener(CallListener l) { listeners.add(l); }
        @Override public void removeListener(CallListener l) { listeners.remove(l); }

        @Override
        public Call dial(JoinTarget target) {
            dialled++;
            CallEnd end = new CallEnd(CallEnd.EndedBy.NETWORK, 503, "The WebRTC gateway is not available",
                    "WHIP offer failed with 503");
            Call c = new Call() {
                @Override public String id() { return "webrtc-1"; }
                @Override public boolean incoming() { return false; }
                @Override public JoinTarget target() { return target; }
                @Override public String remoteName() { return "teams meeting"; }
                @Override public CallState state() { return CallState.ENDED; }
                @Override public Instant startedAt() { return Instant.EPOCH; }
                @Override public Optional<CallEnd> end() { return Optional.of(end); }
                @Override public MediaStats stats() { return MediaStats.none(); }
                @Override public void hangUp() { }
                @Override public void sendDtmf(String digits) { }
                @Override public void answer() { }
                @Override public void decline() { }
            };
            listeners.forEach(l -> l.onEvent(new CallEvent.Ended(c, end)));
            return c;
        }
    }

    @Test
    void aFailedWebRtcJoinDialsTheNextTargetAndSaysWhy() throws Exception {
        VirtualScheduler time = new VirtualScheduler(Instant.parse("2026-12-04T10:00:00Z"));
        Path file = dir.resolve("roomwire.properties");
        Files.writeString(file, "agent.state-dir = " + dir.resolve("state") + "\nsip.transport = udp\nsip.srtp = best-effort\n");
        Config config = Config.load(file, Map.of());
        DownGatewayPath webrtc = new DownGatewayPath();
        io.roomwire.sip.ua.SipJoinPath sip = io.roomwire.sip.ua.SipJoinPath.builder(SipAgentSettings.from(config), time)
                .codec(SimDevice.create(time, SimDevice.defaultInfo()).codec()).build();
        Calls calls = new Calls(sip, List.of(sip), java.util.Optional.of(webrtc), time, EventSink.none());
        List<CallEvent> seen = new CopyOnWriteArrayList<>();
        calls.onCallEvent(seen::add);
        for (Service s : calls.services()) {
            s.start();
        }
        try {
            calls.join(TEAMS, List.of(SIP));
            assertEquals(1, webrtc.dialled);
            Call now = calls.current().orElseThrow(() -> new AssertionError("no fallback call: " + seen));
            assertEquals(SIP, now.target());
            assertTrue(seen.stream().anyMatch(e -> e instanceof CallEvent.StateChanged sc
                    && sc.message().equals("Joining over SIP instead: The WebRTC gateway is not available")), seen.toString());
            now.hangUp();
        } finally {
            for (Service s : calls.services()) {
                s.stop();
            }
        }
    }

    @Test
    void withoutAWebRtcPathAWebRtcTargetIsRefusedNamingTheSetting() throws Exception {
        VirtualScheduler time = new VirtualScheduler(Instant.parse("2026-12-04T10:00:00Z"));
        Calls calls = JoinPaths.sip(SipAgentSettings.from(Config.defaults(Map.of())), time, EventSink.none(),
                SimDevice.create(time, SimDevice.defaultInfo()).codec());
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> calls.join(TEAMS));
        assertTrue(e.getMessage().contains("webrtc.gateway-url"), e.getMessage());
    }
}
