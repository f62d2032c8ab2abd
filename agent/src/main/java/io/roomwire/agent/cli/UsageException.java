package io.roomwire.agent.cli;

/** The command line is wrong: unknown command or option, missing argument. Exit code 2. */
public final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
