package io.roomwire.agent.mgmt;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.regex.Pattern;

/**
 * The commands a device answers on {@code roomwire/v1/{deviceId}/cmd/{name}}. Features add their
 * own ({@code compliance.checkin}, {@code camera.preset}, {@code update.apply}) with
 * {@link #register}, saying what each one does ({@link Access}).
 */
public final class CommandRegistry {

    /** What a command does, which decides whether it must be signed (docs/mqtt-api.md, "Command classes"). */
    public enum Access {
        /** Only reads what the status already shows (or less): answered unsigned. */
        READ("read"),
        /** Makes the room do work or reveals more than the status (self-test, sync, logs): signed. */
        ACT("act"),
        /** Changes the room's state, configuration or call: signed. */
        CHANGE("change");

        private final String wire;

        Access(String wire) {
            this.wire = wire;
        }

        /** True when the command needs an operator signature (or, without keys, mqtt.allow-unsigned). */
        public boolean needsSignature() {
            return this != READ;
        }

        public String wire() {
            return wire;
        }
    }

    /** @param exclusive a second request while one runs is answered {@code busy} */
    public record Command(String name, String summary, Access access, boolean exclusive, CommandHandler handler) { }

    /** Lower-case dotted words of at most 64 characters; also what a command name from a topic must look like. */
    static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,31}(\\.[a-z][a-z0-9-]{0,31}){0,3}");

    private final Map<String, Command> commands = new ConcurrentSkipListMap<>();

    /** Adds a command; names are lower-case dotted words such as {@code camera.preset}. */
    public CommandRegistry register(String name, String summary, Access access, boolean exclusive, CommandHandler handler) {
        if (!NAME.matcher(name).matches() || name.length() > 64) {
            throw new IllegalArgumentException("bad command name: " + name);
        }
        if (commands.putIfAbsent(name, new Command(name, summary, access, exclusive, handler)) != null) {
            throw new IllegalStateException("command " + name + " registered twice");
        }
        return this;
    }

    public Optional<Command> find(String name) {
        return Optional.ofNullable(commands.get(name));
    }

    public List<Command> all() {
        return List.copyOf(commands.values());
    }
}
