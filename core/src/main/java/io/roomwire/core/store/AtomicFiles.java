package io.roomwire.core.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.function.Consumer;
import org.tinylog.Logger;

/** Whole-file replacement that a crash cannot tear: temp file, fsync, atomic rename, fsync of the folder. */
public final class AtomicFiles {

    private AtomicFiles() {
    }

    /** Replaces {@code target} with {@code text} (UTF-8), created 0640. */
    public static void write(Path target, String text) throws IOException {
        write(target, text.getBytes(StandardCharsets.UTF_8), PosixFilePermissions.fromString("rw-r-----"), p -> { });
    }

    /**
     * Replaces {@code target} with {@code data}; the file has {@code perms} from the moment it exists.
     * {@code beforeRename} sees the fsynced temp file (a fault-injection hook for tests).
     */
    public static void write(Path target, byte[] data, Set<PosixFilePermission> perms, Consumer<Path> beforeRename)
            throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(perms))) {
            ByteBuffer buf = ByteBuffer.wrap(data);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        beforeRename.accept(tmp);
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("Folder " + dir + " does not support atomic rename", e);
        }
        fsyncDir(dir);
    }

    static void fsyncDir(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some filesystems refuse to open a folder for fsync; the rename itself is still atomic.
            Logger.debug("fsync of {} not supported: {}", dir, e.getMessage());
        }
    }
}
