package io.roomwire.updater;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The package's layout (image postinst): slot a is a link to the package's read-only build; updates replace the link,
 * never what it points at.
 */
class PackageSlotTest {

    @TempDir
    Path tmp;

    @Test
    void aSlotThatLinksToThePackageIsReplacedWithoutTouchingThePackage() throws Exception {
        Path pkg = Files.createDirectories(tmp.resolve("usr-lib-roomwire"));
        Files.writeString(pkg.resolve(SlotStore.VERSION), "1.0.0\n");
        Files.createDirectories(pkg.resolve("lib"));
        Files.writeString(pkg.resolve("lib/agent.jar"), "the package's jar");
        UpdateFixture f = new UpdateFixture(tmp);
        // What postinst makes: slots/a -> the package's build, current -> slots/a.
        Path a = f.slots.slot("a");
        try (var s = Files.walk(a)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        Files.createSymbolicLink(a, pkg);
        assertEquals("1.0.0", f.slots.version("a").orElseThrow());

        f.updater(1L << 30).apply(f.bundle("v2", f.target("2.0.0"), List.of(), f.update1), Updater.Progress.NONE);
        assertEquals("b", f.slots.currentSlot());
        f.slots.commit();
        assertEquals("1.0.0", f.slots.version("a").orElseThrow(), "the package stays slot a to roll back to");

        f.updater(1L << 30).apply(f.bundle("v3", f.target("3.0.0"), List.of(), f.update1), Updater.Progress.NONE);
        assertEquals("a", f.slots.currentSlot());
        assertFalse(Files.isSymbolicLink(a), "slot a is a folder of its own now");
        assertTrue(Files.isDirectory(a, LinkOption.NOFOLLOW_LINKS));
        assertEquals("3.0.0", f.slots.version("a").orElseThrow());
        assertEquals("the package's jar", Files.readString(pkg.resolve("lib/agent.jar")), "the package's files are untouched");
        assertEquals("1.0.0\n", Files.readString(pkg.resolve(SlotStore.VERSION)));
    }

    @Test
    void freeSpaceIsTheFoldersOwnFileSystemsWithoutAMountTableLookUp() throws Exception {
        long free = Updater.freeSpaceOf(tmp).getAsLong();
        assertTrue(free > 0 && Math.abs(free - tmp.toFile().getUsableSpace()) < (64L << 20), "free " + free);
    }

    @Test
    void aDanglingPackageLinkIsReplacedToo() throws Exception {
        UpdateFixture f = new UpdateFixture(tmp);
        f.updater(1L << 30).apply(f.bundle("v2", f.target("2.0.0"), List.of(), f.update1), Updater.Progress.NONE);
        f.slots.commit();
        Path a = f.slots.slot("a");
        SlotStore.deleteTree(a);
        Files.createSymbolicLink(a, tmp.resolve("removed-package"));
        f.updater(1L << 30).apply(f.bundle("v3", f.target("3.0.0"), List.of(), f.update1), Updater.Progress.NONE);
        assertEquals("a", f.slots.currentSlot());
        assertEquals("3.0.0", f.slots.version("a").orElseThrow());
    }
}
