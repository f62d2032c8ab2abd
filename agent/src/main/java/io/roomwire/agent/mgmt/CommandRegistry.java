package io.roomwire.agent.mgmt;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The commands a device answers on {@code roomwire/v1/{deviceId}/cmd/{name}}. Features add their
 * own ({@code compliance.checkin}, {@code camera.preset}, {@code update.apply}) with
 * {@link #register}.
 */
public final class CommandRegistry {

    /**
     * @param changesState needs an operator signature when operator keys are configured
     * @param exclusive    a second request while one runs is answered {@code busy}
     */
    public record Command(String name, String summary, boolean changesState, boolean exclusive, CommandHandler handler) { }

    private final Map<String, Command> commands = new ConcurrentSkipListMap<>();

    /** Adds a command; names are lower-case dotted words such as {@code camera.preset}. */
    public CommandRegistry register(String name, String summary, boolean changesState, boolean exclusive,
                                    CommandHandler handler) {
        if (!name.matches("[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)*")) {
            throw new IllegalArgumentException("bad command name: " + name);
        }
        if (commands.putIfAbsent(name, new Command(name, summary, changesState, exclusive, handler)) != null) {
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
