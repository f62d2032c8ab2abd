package io.roomwire.sim.cloud;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What the simulated services keep across a restart, as a real cloud does not forget a device when the room loses
 * power: CA keys, the token-signing key, refresh grants, device registrations, MDM enrollments and addresses. Each
 * entry is a small named blob (names match {@code [A-Za-z0-9][A-Za-z0-9._-]{0,120}}). The simulated room module keeps
 * them in a core {@code FileStore} (each write atomic, checked on read, secrets 0600); {@link #NONE} keeps nothing
 * (a cloud that starts afresh, as every test that builds its own services wants).
 */
public interface CloudState {

    /** The entry's content; empty when it was never written. */
    Optional<byte[]> read(String entry) throws IOException;

    /** Names of the entries that start with {@code prefix}. */
    List<String> entries(String prefix) throws IOException;

    /**
     * Writes {@code entry} with what {@code data} returns (nothing when it returns null: unchanged). {@code data} is
     * called under the entry's lock, so of two concurrent writes of one entry the later one stores the later value.
     */
    void write(String entry, Supplier<byte[]> data, boolean secret) throws IOException;

    /** Keeps nothing: every service starts afresh. */
    CloudState NONE = new CloudState() {
        @Override
        public Optional<byte[]> read(String entry) {
            return Optional.empty();
        }

        @Override
        public List<String> entries(String prefix) {
            return List.of();
        }

        @Override
        public void write(String entry, Supplier<byte[]> data, boolean secret) {
            // nothing is kept
        }
    };
}
