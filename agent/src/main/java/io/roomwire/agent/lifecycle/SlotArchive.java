package io.roomwire.agent.lifecycle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.tinylog.Logger;

/**
 * The CDS archive of a build an update installed (docs/updates.md; docs/performance.md, round 12). The package's
 * archive is made at build time for {@code /usr/lib/roomwire}, and a JDK 17 archive is used only with the class path
 * it was made with; an update's build runs from {@code slots/a} or {@code slots/b}, so it makes its own where it runs.
 * The launcher names the slot's archive in {@value #PROPERTY}. While there is none, it starts the JVM with
 * {@code -XX:ArchiveClassesAtExit}: the JVM writes the classes that run loaded, all linked, when it exits (the next
 * stop or restart); every later start maps it ({@code -XX:SharedArchiveFile}). (JDK 17's {@code VM.cds dynamic_dump}
 * could write it as soon as all is UP, but it leaves out every class loaded and not yet linked: measured, that archive
 * saved a third of what this one saves.)
 *
 * <p>Once every service is UP this settles the launcher's state:
 * <ul>
 * <li>A recording start removes the launcher's marker ({@code slot.jsa.tried}). The launcher records at one start
 *     until one gets this far, since a JVM that records refuses to start with a folder on its class path: a start
 *     that fails so must not be repeated, while one cut off later (a power cut, before the archive was written) may.</li>
 * <li>A start with the archive checks that it was really mapped: a JVM that cannot use its archive (written by a
 *     JVM killed as it wrote, for one) says nothing at the launcher's log level and runs without any class data
 *     sharing, even the runtime's own, so an unusable archive is worse than none. It is removed with the reason,
 *     and the next start records again.</li>
 * </ul>
 */
public final class SlotArchive {

    /** The system property the launcher sets to the slot's archive path. */
    public static final String PROPERTY = "roomwire.slot-archive";

    private final Path archive;

    SlotArchive(Path archive) {
        this.archive = archive;
    }

    /** The slot's archive when the launcher named one (a build an update installed), else empty. */
    public static Optional<SlotArchive> configured() {
        String path = System.getProperty(PROPERTY, "");
        return path.isBlank() ? Optional.empty() : Optional.of(new SlotArchive(Path.of(path)));
    }

    /** Once every service is UP: what this start tells the launcher. Logs what it did and never throws. */
    public void afterAllUp() {
        try {
            if (Files.exists(archive)) {
                check();
            } else {
                recording();
            }
        } catch (RuntimeException e) {
            Logger.warn("The slot's CDS archive {}: {}", archive, e.toString());
        }
    }

    /** This JVM records: it reached UP, so the launcher may record again should this run end before it wrote. */
    void recording() {
        try {
            Files.deleteIfExists(marker());
            Logger.info("This slot's CDS archive {} is written when the agent stops; later starts of this build map it",
                    archive);
        } catch (IOException e) {
            Logger.warn("This slot's CDS archive {}: {}", archive, e.toString());
        }
    }

    /** Removes the archive if this JVM did not map it, so that the next start makes a new one. */
    void check() {
        try {
            if (mapped(Files.readString(Path.of("/proc/self/maps")), archive.toRealPath())) {
                Logger.info("This slot's CDS archive {} is in use", archive);
                return;
            }
            Files.deleteIfExists(archive);
            Files.deleteIfExists(marker());
            Logger.warn("This slot's CDS archive {} could not be used (the JVM started without class data sharing); removed, "
                    + "the next start makes a new one", archive);
        } catch (IOException e) {
            Logger.warn("This slot's CDS archive {} could not be checked: {}", archive, e.toString());
        }
    }

    private Path marker() {
        return archive.resolveSibling(archive.getFileName() + ".tried");
    }

    /** Whether a process's memory map (the text of /proc/PID/maps) has {@code file} (a real path) mapped. */
    static boolean mapped(String maps, Path file) {
        String name = file.toString();
        return maps.lines().anyMatch(l -> l.endsWith(" " + name));
    }
}
