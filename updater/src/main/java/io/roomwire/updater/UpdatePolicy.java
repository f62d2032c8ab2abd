package io.roomwire.updater;

import java.time.Clock;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * When an update may be installed: never during a call, never while a meeting's Join button is on the panel,
 * and, when a maintenance window is set ({@code HH:MM-HH:MM} in the room's time zone, may span midnight),
 * only inside it. {@link #blocker()} names what is in the way. The window and zone follow the configuration
 * ({@link #maintenanceWindow}): each decision reads the ones in force then, so a change needs no restart.
 */
public final class UpdatePolicy {

    /** A window and the zone it is read in, swapped as one so a decision never mixes an old one with a new one. */
    private record Window(Optional<String> hours, ZoneId zone) { }

    private final BooleanSupplier inCall;
    private final BooleanSupplier joinButtonShown;
    private final Clock clock;
    private volatile Window window;

    public UpdatePolicy(BooleanSupplier inCall, BooleanSupplier joinButtonShown, Optional<String> window, Clock clock, ZoneId zone) {
        this.inCall = inCall;
        this.joinButtonShown = joinButtonShown;
        this.clock = clock;
        maintenanceWindow(window, zone);
    }

    /**
     * Uses {@code hours} (empty: no window) in {@code zone} from the next decision on, e.g. after a config reload or a
     * {@code config.set} of {@code mqtt.maintenance-window}. A malformed window is refused and the one in force stays.
     */
    public void maintenanceWindow(Optional<String> hours, ZoneId zone) {
        hours.ifPresent(UpdatePolicy::parse);
        window = new Window(hours, zone);
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
        Window w = window;
        if (w.hours().isPresent()) {
            LocalTime[] h = parse(w.hours().get());
            LocalTime now = LocalTime.now(clock.withZone(w.zone()));
            boolean inside = h[0].isBefore(h[1]) ? !now.isBefore(h[0]) && now.isBefore(h[1]) : !now.isBefore(h[0]) || now.isBefore(h[1]);
            if (!inside) {
                return Optional.of("the maintenance window " + w.hours().get());
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
