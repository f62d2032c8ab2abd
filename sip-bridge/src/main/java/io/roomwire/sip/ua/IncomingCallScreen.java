package io.roomwire.sip.ua;

import io.roomwire.hal.PanelButton;
import io.roomwire.hal.Screen;
import io.roomwire.hal.TouchPanel;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code incoming-call} screen: who is calling, Answer and Decline. The screen that was up
 * before comes back when the call is answered, declined or missed.
 */
public final class IncomingCallScreen {

    public static final String KIND = "incoming-call";
    private static final Map<String, Screen> PREVIOUS = new ConcurrentHashMap<>();

    private IncomingCallScreen() {
    }

    public static String answerId(String callId) {
        return "call.answer." + callId;
    }

    public static String declineId(String callId) {
        return "call.decline." + callId;
    }

    static Screen screen(SipCallImpl call) {
        return new Screen(KIND, "Incoming call", List.of(call.remoteName()),
                List.of(new PanelButton(answerId(call.id()), "Answer", call.remoteName()),
                        new PanelButton(declineId(call.id()), "Decline", "")),
                Map.of("call", call.id(), "from", call.target().uri()));
    }

    static void show(SipJoinPath path, SipCallImpl call) {
        path.panel.ifPresent(p -> {
            p.current().ifPresent(s -> PREVIOUS.put(call.id(), s));
            p.show(screen(call));
        });
    }

    static void clear(SipJoinPath path, SipCallImpl call) {
        Optional<Screen> before = Optional.ofNullable(PREVIOUS.remove(call.id()));
        path.panel.ifPresent(p -> {
            TouchPanel panel = p;
            boolean ours = panel.current().map(s -> KIND.equals(s.kind()) && call.id().equals(s.data().get("call")))
                    .orElse(false);
            if (ours) {
                before.ifPresent(panel::show);
            }
        });
    }
}
