package io.roomwire.agent.calendar;

import io.roomwire.agent.obtp.MeetingInvite;
import java.util.List;

/** Told when the room's meetings change (after a sync, or when the cache is loaded at start). */
@FunctionalInterface
public interface MeetingsListener {

    /** The complete new list, sorted by start; called on a scheduler thread, must not block. */
    void meetingsChanged(List<MeetingInvite> meetings);
}
