package io.roomwire.sim.cloud;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Supplier;

/** A {@link CloudState} in memory, for restarting services in one test (the room module keeps one in files). */
public final class MapCloudState implements CloudState {

    private final Map<String, byte[]> entries = new ConcurrentSkipListMap<>();
    private final Map<String, Boolean> secret = new ConcurrentSkipListMap<>();

    @Override
    public Optional<byte[]> read(String entry) {
        return Optional.ofNullable(entries.get(entry)).map(byte[]::clone);
    }

    @Override
    public List<String> entries(String prefix) {
        return entries.keySet().stream().filter(e -> e.startsWith(prefix)).toList();
    }

    @Override
    public synchronized void write(String entry, Supplier<byte[]> data, boolean isSecret) {
        byte[] b = data.get();
        if (b != null) {
            entries.put(entry, b.clone());
            secret.put(entry, isSecret);
        }
    }

    /** Whether the entry was written as a secret. */
    public boolean secret(String entry) {
        return secret.getOrDefault(entry, false);
    }

    /** Every entry's content as text (for checking what a kept file does not hold). */
    public String allText() {
        StringBuilder b = new StringBuilder();
        entries.values().forEach(v -> b.append(new String(v, java.nio.charset.StandardCharsets.UTF_8)).append('\n'));
        return b.toString();
    }
}
