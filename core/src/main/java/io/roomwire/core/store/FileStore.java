package io.roomwire.core.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.tinylog.Logger;

/**
 * State that must survive a reboot: each entry is one file written atomically (temp file, fsync,
 * rename, fsync of the folder) with a SHA-256 of its content in a small header, checked on read.
 * A file that fails the check is moved aside and reported, never used. Secret entries are 0600
 * from the moment they exist; the folder is 0700.
 *
 * <p>File layout: {@code RWS1} magic, 32-byte SHA-256 of the payload, payload.
 */
public final class FileStore {

    private static final byte[] MAGIC = "RWS1".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER = MAGIC.length + 32;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,120}");
    private static final Set<PosixFilePermission> SECRET = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> PLAIN = PosixFilePermissions.fromString("rw-r-----");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    /** Whether an entry holds a secret (keys, tokens): secrets are created 0600. */
    public enum Sensitivity { PLAIN, SECRET }

    private final Path dir;
    private final Clock clock;
    private final Consumer<Path> beforeRename;

    public FileStore(Path dir, Clock clock) {
        this(dir, clock, p -> { });
    }

    /** {@code beforeRename} is a fault-injection hook for tests: it sees the fsynced temp file. */
    public FileStore(Path dir, Clock clock, Consumer<Path> beforeRename) {
        this.dir = dir;
        this.clock = clock;
        this.beforeRename = beforeRename;
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            }
            removeLeftoverTempFiles();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot open state folder " + dir + ": " + e.getMessage(), e);
        }
    }

    public Path dir() {
        return dir;
    }

    /** Writes {@code data} under {@code name} atomically: readers see the old or the new value, whole. */
    public void write(String name, byte[] data, Sensitivity sensitivity) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(HEADER + data.length);
        buf.put(MAGIC).put(sha256(data)).put(data);
        AtomicFiles.write(pathOf(name), buf.array(), sensitivity == Sensitivity.SECRET ? SECRET : PLAIN, beforeRename);
    }

    public void writeString(String name, String text, Sensitivity sensitivity) throws IOException {
        write(name, text.getBytes(StandardCharsets.UTF_8), sensitivity);
    }

    /**
     * Reads {@code name}; empty when it was never written. A file that fails its check is moved
     * aside (to {@code name.corrupt-<UTC time>}), logged, and reported by the exception.
     */
    public Optional<byte[]> read(String name) throws CorruptStateException, IOException {
        Path p = pathOf(name);
        byte[] all;
        try {
            all = Files.readAllBytes(p);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        String problem = check(all);
        if (problem != null) {
            Path aside = moveAside(name, p);
            Logger.error("Stored state '{}' failed its check ({}); moved aside to {}", name, problem, aside);
            throw new CorruptStateException(name, aside, problem);
        }
        return Optional.of(Arrays.copyOfRange(all, HEADER, all.length));
    }

    public Optional<String> readString(String name) throws CorruptStateException, IOException {
        return read(name).map(b -> new String(b, StandardCharsets.UTF_8));
    }

    public boolean exists(String name) {
        return Files.exists(pathOf(name));
    }

    public void delete(String name) throws IOException {
        Files.deleteIfExists(pathOf(name));
        AtomicFiles.fsyncDir(dir);
    }

    /**
     * Makes a secret entry (and the state folder) owner-only again if group or others can read it,
     * e.g. after a restore from backup or a careless {@code chmod}. Returns what was wrong, for the
     * caller's warning; empty when the modes were already right or the entry does not exist.
     */
    public Optional<String> restrictToOwner(String name) throws IOException {
        StringBuilder fixed = new StringBuilder();
        Set<PosixFilePermission> dirModes = Files.getPosixFilePermissions(dir);
        if (!Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE)
                .containsAll(dirModes)) {
            fixed.append("folder ").append(dir).append(" was ").append(PosixFilePermissions.toString(dirModes)).append("; ");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
        Path p = pathOf(name);
        if (Files.exists(p)) {
            Set<PosixFilePermission> modes = Files.getPosixFilePermissions(p);
            if (!SECRET.containsAll(modes)) {
                fixed.append(p).append(" was ").append(PosixFilePermissions.toString(modes)).append("; ");
                Files.setPosixFilePermissions(p, SECRET);
            }
        }
        return fixed.length() == 0 ? Optional.empty() : Optional.of(fixed.substring(0, fixed.length() - 2));
    }

    /** The file behind an entry (for permission checks and diagnostics). */
    public Path pathOf(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("Invalid store entry name: " + name);
        }
        return dir.resolve(name);
    }

    /**
     * What is wrong with a file written by a store ({@code RWS1} header and checksum), read without moving it:
     * empty when it passes. For tools that audit state directories (the fleet's chaos suite after a kill -9).
     */
    public static Optional<String> problem(Path file) throws IOException {
        return Optional.ofNullable(check(Files.readAllBytes(file)));
    }

    /** Whether {@code file} starts as a store's file does. */
    public static boolean looksLikeStoreFile(Path file) throws IOException {
        try (java.io.InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(MAGIC.length);
            return Arrays.equals(head, MAGIC);
        }
    }

    private static String check(byte[] all) {
        if (all.length < HEADER) {
            return "truncated: " + all.length + " bytes";
        }
        if (!Arrays.equals(all, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            return "unknown format";
        }
        byte[] want = Arrays.copyOfRange(all, MAGIC.length, HEADER);
        MessageDigest md = digest();
        md.update(all, HEADER, all.length - HEADER);
        return MessageDigest.isEqual(want, md.digest()) ? null : "checksum mismatch";
    }

    private Path moveAside(String name, Path p) throws IOException {
        String base = name + ".corrupt-" + STAMP.format(clock.instant());
        Path aside = dir.resolve(base);
        for (int i = 1; ; i++) {
            try {
                Files.move(p, aside, StandardCopyOption.ATOMIC_MOVE);
                return aside;
            } catch (FileAlreadyExistsException e) {
                aside = dir.resolve(base + "." + i);
            }
        }
    }

    private void removeLeftoverTempFiles() throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, ".*.tmp")) {
            for (Path p : ds) {
                Logger.warn("Removing unfinished write {} left by an interrupted run", p.getFileName());
                Files.deleteIfExists(p);
            }
        }
    }

    private static byte[] sha256(byte[] data) {
        return digest().digest(data);
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
