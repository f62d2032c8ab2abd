package io.roomwire.agent.obtp;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One of today's meetings as the panel lists it.
 *
 * @param meetingKey event id and start (an occurrence of a series has its own)
 * @param title      the subject, or "Private meeting"
 * @param organizer  the organizer's name; empty for private meetings
 * @param state      where the meeting is in time at the agenda's instant
 * @param button     its Join button when one is visible now
 * @param reasons    why it has no button (empty when it has one or will have one)
 */
public record AgendaItem(String meetingKey, String title, String organizer, Instant start, Instant end,
                         boolean allDay, State state, Optional<JoinButton> button, List<Reason> reasons) {

    public enum State { UPCOMING, IN_PROGRESS, ENDED }

    public AgendaItem {
        reasons = List.copyOf(reasons);
    }
}
