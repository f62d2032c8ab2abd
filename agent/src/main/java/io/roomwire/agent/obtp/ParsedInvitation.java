package io.roomwire.agent.obtp;

import io.roomwire.sip.JoinTarget;
import java.util.List;
import java.util.Optional;

/**
 * What an invitation offers the room.
 *
 * @param targets   join targets in the order of {@code obtp.preference} (then by source: structured
 *                  fields, location, body); URL-only targets last
 * @param excluded  targets found but left out because their method is not in {@code obtp.preference}
 * @param rejected  addresses and links refused, with the reason (look-alike hosts and the like)
 * @param bodyEmpty the invitation has no body text at all (often Set-CalendarProcessing -DeleteComments)
 * @param truncated the body was longer than {@code obtp.max-body-chars}; only its start was read
 */
public record ParsedInvitation(List<JoinTarget> targets, List<JoinTarget> excluded, List<Rejection> rejected,
                               boolean bodyEmpty, boolean truncated) {

    /** Something that looked like join information and was refused. */
    public record Rejection(String what, String source, String why) { }

    public ParsedInvitation {
        targets = List.copyOf(targets);
        excluded = List.copyOf(excluded);
        rejected = List.copyOf(rejected);
    }

    /** The target a Join button dials: the first one the room can join (SIP, IVR or WebRTC). */
    public Optional<JoinTarget> primary() {
        return targets.stream().filter(t -> t.kind() != JoinTarget.Kind.URL).findFirst();
    }

    /** The room can join from this invitation. */
    public boolean joinable() {
        return primary().isPresent();
    }
}
