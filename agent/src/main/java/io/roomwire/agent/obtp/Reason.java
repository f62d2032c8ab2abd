package io.roomwire.agent.obtp;

/**
 * Why a meeting has no Join button (or something an admin should know about it).
 *
 * @param code    stable machine name: {@code cancelled}, {@code declined}, {@code no-join-info} ...
 * @param message what is the case, in words
 * @param hint    what to check or change next; empty when there is nothing to do
 */
public record Reason(String code, String message, String hint) {

    public Reason {
        hint = hint == null ? "" : hint;
    }

    @Override
    public String toString() {
        return hint.isEmpty() ? message : message + " — " + hint;
    }
}
