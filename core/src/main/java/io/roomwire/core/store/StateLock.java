package io.roomwire.core.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;

/**
 * One process at a time owns a state directory: the running agent, or a command that rewrites what the
 * agent keeps there (enrollment, a new device key). Two writers would each rotate refresh tokens and
 * replace keys the other still uses. The lock is an OS advisory lock on {@code .lock} in the directory,
 * so it is released when its process dies, however it dies; the file names the holder for the message.
 */
public final class StateLock implements AutoCloseable {

    static final String FILE = ".lock";

    private final FileChannel channel;
    private final FileLock lock;

    private StateLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the directory for {@code purpose} (e.g. "roomwire run"), creating it 0700 if needed.
     *
     * @throws StateLockedException naming the holder, when another process (or this one) has it
     * @throws IOException when the directory or lock file cannot be opened
     */
    public static StateLock acquire(Path dir, String purpose) throws IOException {
        FileChannel ch;
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            ch = FileChannel.open(dir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new IOException("cannot use the state directory " + dir + " (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + ")", e);
        }
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this very process
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            String holder = holder(ch);
            ch.close();
            throw new StateLockedException(dir, holder);
        }
        try {
            String who = "pid " + ProcessHandle.current().pid() + ", " + sanitize(purpose) + ", since " + Instant.now();
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(who.getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(false);
        } catch (IOException e) {
            lock.release();
            ch.close();
            throw e;
        }
        return new StateLock(ch, lock);
    }

    private static String holder(FileChannel ch) {
        try {
            ByteBuffer b = ByteBuffer.allocate(256);
            int n = ch.read(b, 0);
            String s = n <= 0 ? "" : sanitize(new String(b.array(), 0, n, StandardCharsets.UTF_8));
            return s.isEmpty() ? "another process" : s;
        } catch (IOException e) {
            return "another process";
        }
    }

    /** One printable line of at most 200 characters: the file is read back into an error message. */
    private static String sanitize(String s) {
        String line = s.replaceAll("[^\\x20-\\x7E]", "?").strip();
        return line.length() > 200 ? line.substring(0, 200) : line;
    }

    public boolean isValid() {
        return lock.isValid();
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel below releases it anyway
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing left to do
        }
    }

    /** The state directory is held by someone else. */
    public static final class StateLockedException extends IOException {
        private static final long serialVersionUID = 1L;

        StateLockedException(Path dir, String holder) {
            super("the state directory " + dir + " is in use (" + holder + "); stop that process first"
                    + " (systemctl stop roomwire when it is the service)");
        }
    }
}
