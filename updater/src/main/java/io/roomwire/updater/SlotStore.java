package io.roomwire.updater;

import io.roomwire.core.store.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Two slots under the install prefix ({@code slots/a}, {@code slots/b}) and the {@code current} symlink that
 * the launcher follows. The pointer moves by rename(2) of a new symlink over the old one, so a crash leaves
 * either the old or the new target, never neither. While {@code trial} exists the launcher gives the new slot a
 * bounded number of starts and a deadline, and switches back itself (image/src/main/resources/roomwire.sh);
 * it leaves {@code rolled-back} for the agent to report.
 */
public final class SlotStore {

    public static final String CURRENT = "current";
    public static final String TRIAL = "trial";
    public static final String ROLLED_BACK = "rolled-back";
    public static final String VERSION = "VERSION";
    /**
     * In a slot an update installed, until that slot commits: {@code update rollback} never boots such a build without a
     * trial. The package's build (slot a as a link) never has one; slots installed before this marker existed have none.
     */
    public static final String UNCOMMITTED = "UNCOMMITTED";
    /**
     * Each service's health state in the build an update replaces, taken as that build restarts into the update
     * ({@code version=} names the update): the trial commits once no service is worse than it was.
     */
    public static final String HEALTH_BEFORE = "health-before";

    private final Path home;

    public SlotStore(Path home) {
        this.home = home;
    }

    public Path home() {
        return home;
    }

    /** True when the install prefix uses slots (the package installs a flat layout until the first update). */
    public boolean isSlotted() {
        return Files.isSymbolicLink(home.resolve(CURRENT));
    }

    /** Makes {@code slots/a} current; for a fresh device image (the factory install). */
    public void initialize(String slot) throws IOException {
        Files.createDirectories(home.resolve("slots"));
        point(slot);
    }

    public String currentSlot() {
        try {
            return Path.of(Files.readSymbolicLink(home.resolve(CURRENT)).toString()).getFileName().toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + home.resolve(CURRENT) + ": is this an A/B install?", e);
        }
    }

    public String inactiveSlot() {
        return "a".equals(currentSlot()) ? "b" : "a";
    }

    public Path slot(String name) {
        return home.resolve("slots").resolve(name);
    }

    public Optional<String> version(String slot) {
        Path v = slot(slot).resolve(VERSION);
        try {
            return Files.exists(v) ? Optional.of(Files.readString(v).strip()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** An empty staging folder for the inactive slot; what a killed earlier attempt left there is removed. */
    public Path freshStaging() throws IOException {
        Path staging = home.resolve("slots").resolve(inactiveSlot() + ".new");
        deleteTree(staging);
        Files.createDirectories(staging);
        return staging;
    }

    /** Replaces the inactive slot by the verified staging folder (one rename once the old copy is gone). */
    public String install(Path staging, String version) throws IOException {
        AtomicFiles.write(staging.resolve(VERSION), version + "\n");
        AtomicFiles.write(staging.resolve(UNCOMMITTED), "version=" + version + "\n");
        String target = inactiveSlot();
        Path old = slot(target);
        Path doomed = home.resolve("slots").resolve(target + ".old");
        deleteTree(doomed);
        // Slot a may be a link to the package's build (/usr/lib/roomwire): the link goes, never what it points at.
        if (Files.exists(old, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Files.move(old, doomed, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(staging, old, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(doomed);
        return target;
    }

    /**
     * Starts a trial of {@code slot}: the trial record first, then the pointer, so a crash between the two leaves a
     * record the launcher discards (the pointer did not move) rather than an untested slot booted as committed.
     */
    public void switchOnTrial(String slot, int tries, Duration timeout) throws IOException {
        String from = currentSlot();
        Map<String, String> trial = new LinkedHashMap<>();
        trial.put("from", from);
        trial.put("to", slot);
        trial.put("version", version(slot).orElse("unknown"));
        trial.put("tries", Integer.toString(tries));
        trial.put("timeout", Long.toString(timeout.toSeconds()));
        trial.put("deadline", "");
        writeRecord(home.resolve(TRIAL), trial);
        point(slot);
    }

    /** The trial in progress for the slot now current, if any. */
    public Optional<Map<String, String>> trial() throws IOException {
        Path t = home.resolve(TRIAL);
        if (!Files.exists(t)) {
            return Optional.empty();
        }
        Map<String, String> r = readRecord(t);
        return currentSlot().equals(r.get("to")) ? Optional.of(r) : Optional.empty();
    }

    /** Records {@code states} (service name to UP, DEGRADED or DOWN) as the health before the update to {@code version}. */
    public void recordHealthBefore(String version, Map<String, String> states) throws IOException {
        Map<String, String> r = new LinkedHashMap<>();
        r.put("version", version);
        states.forEach((k, v) -> {
            if (!k.equals("version")) {
                r.put(k, v);
            }
        });
        writeRecord(home.resolve(HEALTH_BEFORE), r);
    }

    /** The health recorded before the update to {@code version} (service to state), if that build recorded it. */
    public Optional<Map<String, String>> healthBefore(String version) throws IOException {
        Path f = home.resolve(HEALTH_BEFORE);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        Map<String, String> r = readRecord(f);
        if (!version.equals(r.remove("version"))) {
            return Optional.empty(); // left from an earlier update
        }
        return Optional.of(r);
    }

    /** The running slot proved healthy: it stays, and is a build {@code update rollback} may return to. */
    public void commit() throws IOException {
        Files.deleteIfExists(home.resolve(HEALTH_BEFORE));
        Files.deleteIfExists(home.resolve(TRIAL));
        fsyncDir(home);
        // After the trial record: a crash in between leaves a committed slot marked uncommitted (a refused rollback), never
        // the reverse. Checked first because the package's read-only build (slot a as a link) refuses even an unlink that finds nothing.
        Path marker = slot(currentSlot()).resolve(UNCOMMITTED);
        if (Files.exists(marker, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Files.delete(marker);
        }
    }

    /** What the slot's {@link #UNCOMMITTED} marker says (its version, and {@code failed} once a trial failed), if it has one. */
    public Optional<Map<String, String>> uncommitted(String slot) throws IOException {
        Path marker = slot(slot).resolve(UNCOMMITTED);
        return Files.exists(marker, java.nio.file.LinkOption.NOFOLLOW_LINKS) ? Optional.of(readRecord(marker)) : Optional.empty();
    }

    /** The running trial failed a health check: the launcher rolls back at the next start with this reason. */
    public void failTrial(String reason) throws IOException {
        Map<String, String> r = trial().orElseThrow(() -> new IOException("no trial in progress to fail"));
        r.put("failed", reason.replaceAll("[\\r\\n]", " "));
        writeRecord(home.resolve(TRIAL), r);
    }

    /** What the launcher left after rolling back, removed once read so it is reported once. */
    public Optional<Map<String, String>> takeRolledBack() throws IOException {
        Path f = home.resolve(ROLLED_BACK);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        Map<String, String> r = readRecord(f);
        markFailed(r);
        Files.deleteIfExists(home.resolve(HEALTH_BEFORE));
        Files.delete(f);
        return Optional.of(r);
    }

    /** Keeps the launcher's reason with the failed slot ({@code from} in its record), for a later {@code update rollback} to name. */
    private void markFailed(Map<String, String> rolledBack) throws IOException {
        String failed = rolledBack.getOrDefault("from", "");
        if (!failed.equals("a") && !failed.equals("b")) {
            return;
        }
        Optional<Map<String, String>> marker = uncommitted(failed);
        if (marker.isPresent()) {
            marker.get().put("failed", rolledBack.getOrDefault("reason", "rolled back").replaceAll("[\\r\\n]", " "));
            writeRecord(slot(failed).resolve(UNCOMMITTED), marker.get());
        }
    }

    /**
     * Goes back to the other slot by hand ({@code roomwire update rollback}), only to a build that ran committed there: a
     * build that failed its trial, or was installed and never committed, is refused (its next boot would have no trial).
     */
    public String rollbackNow() throws IOException {
        String other = inactiveSlot();
        Optional<String> version = version(other);
        if (version.isEmpty()) {
            throw new IOException("slot " + other + " holds no installed version: there is nothing to roll back to");
        }
        Optional<Map<String, String>> marker = uncommitted(other);
        if (marker.isPresent()) {
            Optional<String> reason = Optional.ofNullable(marker.get().get("failed"));
            Path record = home.resolve(ROLLED_BACK);
            if (reason.isEmpty() && Files.exists(record)) {
                Map<String, String> r = readRecord(record); // the launcher rolled back, the agent has not started since
                reason = other.equals(r.get("from")) ? Optional.ofNullable(r.get("reason")) : Optional.empty();
            }
            throw new IOException("slot " + other + " holds " + version.get() + ", which never committed: "
                    + reason.map(r -> "its trial failed (" + r + ")").orElse("it was installed but never ran committed")
                    + "; rollback only returns to a build that ran committed. To try it again, apply its bundle: it starts on trial");
        }
        Files.deleteIfExists(home.resolve(TRIAL));
        point(other);
        return other;
    }

    private void point(String slot) throws IOException {
        Path link = home.resolve(CURRENT);
        Path next = home.resolve(CURRENT + ".next");
        Files.deleteIfExists(next);
        Files.createSymbolicLink(next, Path.of("slots", slot));
        // rename(2) replaces the old link in one step (POSIX), so readers see the old or the new slot.
        Files.move(next, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDir(home);
    }

    private static void fsyncDir(Path dir) {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(dir, java.nio.file.StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some file systems refuse to fsync a folder; the rename itself is still atomic.
        }
    }

    static Map<String, String> readRecord(Path file) throws IOException {
        Map<String, String> r = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                r.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return r;
    }

    static void writeRecord(Path file, Map<String, String> record) throws IOException {
        StringBuilder b = new StringBuilder();
        record.forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
        AtomicFiles.write(file, b.toString());
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
