package io.roomwire.agent.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.sip.Call;
import io.roomwire.sip.CallEnd;
import io.roomwire.sip.CallEvent;
import io.roomwire.sip.CallListener;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinPath;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sip.MediaStats;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Calls needs only the JoinPath interface: a second implementation (the WebRTC path) plugs in the same way. */
class CallsOverAnyJoinPathTest {

    private final VirtualScheduler clock = new VirtualScheduler();
    private final List<DeviceEvent> events = new CopyOnWriteArrayList<>();
    private final WebOnlyPath path = new WebOnlyPath();
    private final Calls calls = new Calls(path, List.of(), clock, events::add);

    @Test
    void joinsThroughThePathItIsGivenAndEmitsCallStartedOnce() {
        JoinTarget target = new JoinTarget(JoinTarget.Kind.URL, "https://meet.example/abc", "webrtc", Optional.empty(), "test");
        Call call = calls.join(target);
        assertEquals(List.of(target), path.dialled);
        assertTrue(calls.inCall());
        path.fire(new CallEvent.StateChanged(call, CallState.CONNECTED, "Connected"));
        path.fire(new CallEvent.StateChanged(call, CallState.CONNECTED, "Resumed"));
        assertEquals(1, events.stream().filter(e -> e.type().equals("call.started")).count(), events.toString());
        assertThrows(IllegalStateException.class, () -> calls.join(target), "one call at a time");
        path.fire(new CallEvent.Ended(call, new CallEnd(CallEnd.EndedBy.LOCAL, 0, "Call ended", "test")));
        assertFalse(calls.inCall());
        assertEquals(Optional.of("Call ended"), calls.lastEnd());
    }

    @Test
    void refusesTargetsThePathDoesNotSupportWithoutDialling() {
        JoinTarget sip = JoinTarget.sip("sip:123@gw.example", "sip", "test");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> calls.join(sip));
        assertTrue(e.getMessage().contains("sip:123@gw.example"), e.getMessage());
        assertTrue(path.dialled.isEmpty());
    }

    /** A join path that takes URL targets only, as the WebRTC path will. */
    private final class WebOnlyPath implements JoinPath {
        final List<JoinTarget> dialled = new ArrayList<>();
        final List<CallListener> listeners = new CopyOnWriteArrayList<>();

        @Override
        public void start() {
        }

        @Override
        public void stop() {
        }

        @Override
        public boolean supports(JoinTarget target) {
            return target.kind() == JoinTarget.Kind.URL;
        }

        @Override
        public Call dial(JoinTarget target) {
            dialled.add(target);
            return new FakeCall(target, clock.now());
        }

        @Override
        public List<Call> calls() {
            return List.of();
        }

        @Override
        public void addListener(CallListener l) {
            listeners.add(l);
        }

        @Override
        public void removeListener(CallListener l) {
            listeners.remove(l);
        }

        void fire(CallEvent e) {
            listeners.forEach(l -> l.onEvent(e));
        }
    }

    private record FakeCall(JoinTarget target, Instant startedAt) implements Call {
        @Override public String id() { return "call-web-1"; }
        @Override public boolean incoming() { return false; }
        @Override public String remoteName() { return target.uri(); }
        @Override public CallState state() { return CallState.DIALING; }
        @Override public Optional<CallEnd> end() { return Optional.empty(); }
        @Override public MediaStats stats() { return MediaStats.none(); }
        @Override public void hangUp() { }
        @Override public void sendDtmf(String digits) { }
        @Override public void answer() { }
        @Override public void decline() { }
    }
}
