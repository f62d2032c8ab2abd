package io.roomwire.sim.room;

import io.roomwire.core.store.CorruptStateException;
import io.roomwire.core.store.FileStore;
import io.roomwire.sim.cloud.CloudState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The simulated cloud's {@link CloudState} in a folder: one core {@link FileStore} entry per name, so each write is
 * atomic (a {@code kill -9} of the cloud leaves the old or the new value, whole), checked on read, and secrets are
 * 0600 in a 0700 folder.
 */
final class CloudStateFolder implements CloudState {

    private final FileStore store;
    private final ConcurrentHashMap<String, Object> locks = new ConcurrentHashMap<>();

    CloudStateFolder(Path dir, Clock clock) {
        this.store = new FileStore(dir, clock);
    }

    Path dir() {
        return store.dir();
    }

    @Override
    public Optional<byte[]> read(String entry) throws IOException {
        try {
            return store.read(entry);
        } catch (CorruptStateException e) {
            // only a failing disk tears an atomic write: say what is lost and where the file went
            throw new IOException("the simulated cloud's " + entry + " failed its check and was moved aside to "
                    + e.movedTo() + ": delete " + store.dir() + " to start the cloud afresh (its rooms sign in again)", e);
        }
    }

    @Override
    public List<String> entries(String prefix) throws IOException {
        try (Stream<Path> files = Files.list(store.dir())) {
            // not the temp files of a write, nor files a store moved aside as corrupt
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(prefix) && !n.startsWith(".") && !n.contains(".corrupt-"))
                    .sorted().toList();
        }
    }

    @Override
    public void write(String entry, Supplier<byte[]> data, boolean secret) throws IOException {
        // the store's temp file is per entry: one writer per entry at a time
        synchronized (locks.computeIfAbsent(entry, e -> new Object())) {
            byte[] b = data.get();
            if (b != null) {
                store.write(entry, b, secret ? FileStore.Sensitivity.SECRET : FileStore.Sensitivity.PLAIN);
            }
        }
    }
}
