package io.roomwire.agent.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The arguments of one sub-command: positional words and {@code --name value} / {@code --flag}
 * options, checked against what the sub-command accepts.
 */
public final class Args {

    private final List<String> positional = new ArrayList<>();
    private final Map<String, String> options = new HashMap<>();

    private Args() {
    }

    /**
     * @param valued options that take a value ({@code --config FILE})
     * @param flags  options that take none ({@code --json})
     */
    public static Args parse(String command, List<String> words, Set<String> valued, Set<String> flags)
            throws UsageException {
        Args a = new Args();
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (w.startsWith("--")) {
                String name = w;
                String value = null;
                int eq = w.indexOf('=');
                if (eq > 0) {
                    name = w.substring(0, eq);
                    value = w.substring(eq + 1);
                }
                if (flags.contains(name) && value == null) {
                    a.options.put(name, "true");
                } else if (valued.contains(name)) {
                    if (value == null) {
                        if (i + 1 >= words.size()) {
                            throw new UsageException("roomwire " + command + ": option " + name + " needs a value");
                        }
                        value = words.get(++i);
                    }
                    a.options.put(name, value);
                } else {
                    List<String> known = new ArrayList<>(valued);
                    known.addAll(flags);
                    known.sort(null);
                    throw new UsageException("roomwire " + command + ": unknown option " + name
                            + (known.isEmpty() ? " (it takes no options)" : " (known: " + String.join(", ", known) + ")"));
                }
            } else {
                a.positional.add(w);
            }
        }
        return a;
    }

    public List<String> positional() {
        return positional;
    }

    public Optional<String> option(String name) {
        return Optional.ofNullable(options.get(name));
    }

    public boolean flag(String name) {
        return options.containsKey(name);
    }

    public void expectPositional(String command, int min, int max, String usage) throws UsageException {
        if (positional.size() < min || positional.size() > max) {
            throw new UsageException("usage: roomwire " + command + " " + usage);
        }
    }
}
