package io.roomwire.updater;

import java.time.Clock;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * When an update may be installed: never during a call, never while a meeting's Join button is on the panel,
 * and, when a maintenance window is set ({@code HH:MM-HH:MM} in the room's time zone, may span midnight),
 * only inside it. {@link #blocker()} names what is in the way.
 */
public final class UpdatePolicy {

    private final BooleanSupplier inCall;
    private final BooleanSupplier joinButtonShown;
    private final Optional<String> window;
    private final Clock clock;
    private final ZoneId zone;

    public UpdatePolicy(BooleanSupplier inCall, BooleanSupplier joinButtonShown, Optional<String> window, Clock clock, ZoneId zone) {
        this.inCall = inCall;
        this.joinButtonShown = joinButtonShown;
        this.window = window;
        this.clock = clock;
        this.zone = zone;
        window.ifPresent(UpdatePolicy::parse);
    }

    public static UpdatePolicy always(Clock clock) {
        return new UpdatePolicy(() -> false, () -> false, Optional.empty(), clock, ZoneId.of("UTC"));
    }

    /** Empty when an update may go ahead now; otherwise what it waits for. */
    public Optional<String> blocker() {
        if (inCall.getAsBoolean()) {
            return Optional.of("the call to end");
        }
        if (joinButtonShown.getAsBoolean()) {
            return Optional.of("the meeting with a Join button to pass");
        }
        if (window.isPresent()) {
            LocalTime[] w = parse(window.get());
            LocalTime now = LocalTime.now(clock.withZone(zone));
            boolean inside = w[0].isBefore(w[1]) ? !now.isBefore(w[0]) && now.isBefore(w[1]) : !now.isBefore(w[0]) || now.isBefore(w[1]);
            if (!inside) {
                return Optional.of("the maintenance window " + window.get());
            }
        }
        return Optional.empty();
    }

    private static LocalTime[] parse(String w) {
        String[] p = w.split("-");
        if (p.length != 2) {
            throw new IllegalArgumentException("maintenance window " + w + " is not HH:MM-HH:MM");
        }
        return new LocalTime[] {LocalTime.parse(p[0]), LocalTime.parse(p[1])};
    }
}
