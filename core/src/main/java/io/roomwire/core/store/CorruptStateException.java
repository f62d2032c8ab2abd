package io.roomwire.core.store;

import java.nio.file.Path;

/** A stored file failed its checksum or format check; it has been moved aside to {@link #movedTo()}. */
public final class CorruptStateException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String name;
    private final transient Path movedTo;

    public CorruptStateException(String name, Path movedTo, String reason) {
        super("Stored state '" + name + "' is corrupt (" + reason + "); moved aside to " + movedTo
                + " and not used");
        this.name = name;
        this.movedTo = movedTo;
    }

    public String name() {
        return name;
    }

    public Path movedTo() {
        return movedTo;
    }
}
