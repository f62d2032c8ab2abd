package io.roomwire.agent.obtp;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;

/**
 * What the panel shows at one instant: today's meetings (room-local day), the Join buttons
 * visible now, and when that changes next (a button appears or goes, a meeting starts or ends,
 * local midnight).
 */
public record Agenda(Instant at, LocalDate day, List<AgendaItem> today, List<JoinButton> buttons,
                     Optional<Instant> nextChange) {

    public Agenda {
        today = List.copyOf(today);
        buttons = List.copyOf(buttons);
    }
}
