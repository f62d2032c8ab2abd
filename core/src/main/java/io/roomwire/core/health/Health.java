package io.roomwire.core.health;

import java.util.Objects;

/** What a service says of itself: UP, DEGRADED(reason) or DOWN(reason). */
public record Health(State state, String reason) {

    public enum State { UP, DEGRADED, DOWN }

    public Health {
        Objects.requireNonNull(state, "state");
        reason = reason == null ? "" : reason;
    }

    public static Health up() {
        return new Health(State.UP, "");
    }

    public static Health degraded(String reason) {
        return new Health(State.DEGRADED, reason);
    }

    public static Health down(String reason) {
        return new Health(State.DOWN, reason);
    }

    public boolean isUp() {
        return state == State.UP;
    }

    /** The worse of the two. */
    public Health worst(Health other) {
        return other.state.ordinal() > state.ordinal() ? other : this;
    }

    @Override
    public String toString() {
        return reason.isEmpty() ? state.name() : state + "(" + reason + ")";
    }
}
