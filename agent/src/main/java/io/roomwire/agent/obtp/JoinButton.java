package io.roomwire.agent.obtp;

import io.roomwire.sip.JoinTarget;
import java.time.Instant;

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
 */
public record JoinButton(String id, String meetingKey, String label, String detail, JoinTarget target,
                         Instant from, Instant until) { }
