package io.roomwire.agent.mgmt;

import java.util.Objects;

/** A command that cannot be done, with the error code the reply carries and a message a person can act on. */
public final class CommandException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The error codes of the topic API (docs/mqtt-api.md). */
    public enum Code {
        UNKNOWN_COMMAND("unknown_command"),
        BAD_REQUEST("bad_request"),
        RATE_LIMITED("rate_limited"),
        FORBIDDEN("forbidden"),
        BUSY("busy"),
        /** An update that was checked and turned down; the message starts with the reason (docs/updates.md). */
        REFUSED("refused"),
        INTERNAL("internal");

        private final String wire;

        Code(String wire) {
            this.wire = wire;
        }

        /** The code as it appears in replies, e.g. {@code bad_request}. */
        public String wire() {
            return wire;
        }
    }

    private final Code code;

    public CommandException(Code code, String message) {
        super(Objects.requireNonNull(message, "message"));
        this.code = Objects.requireNonNull(code, "code");
    }

    public Code code() {
        return code;
    }

    public static CommandException badRequest(String field, String problem) {
        return new CommandException(Code.BAD_REQUEST, field + ": " + problem);
    }

    public static CommandException busy(String message) {
        return new CommandException(Code.BUSY, message);
    }

    public static CommandException forbidden(String message) {
        return new CommandException(Code.FORBIDDEN, message);
    }
}
