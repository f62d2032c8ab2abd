package io.roomwire.agent.obtp;

import io.roomwire.sip.JoinTarget;
import java.time.Instant;
import java.util.List;

/**
 * A Join button on the panel.
 *
 * @param id         stable id of the meeting occurrence and target (survives re-renders and restarts)
 * @param meetingKey the meeting occurrence: event id and start
 * @param label      the button's text ("Join")
 * @param detail     the meeting shown under it: title and local times
 * @param target     what a press hands to the join path
 * @param from       when the button appears (start minus obtp.preroll)
 * @param until      when it goes (end plus obtp.grace)
 * @param fallbacks  what a press dials, in order, if joining {@code target} over WebRTC fails before media
 *                   (the meeting's other targets: its SIP address, say); empty for a SIP target
 */
public record JoinButton(String id, String meetingKey, String label, String detail, JoinTarget target,
                         Instant from, Instant until, List<JoinTarget> fallbacks) {

    public JoinButton {
        fallbacks = List.copyOf(fallbacks);
    }

    /** A button without fallbacks. */
    public JoinButton(String id, String meetingKey, String label, String detail, JoinTarget target, Instant from,
                      Instant until) {
        this(id, meetingKey, label, detail, target, from, until, List.of());
    }
}
