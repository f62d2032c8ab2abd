package io.roomwire.updater;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code roomwire update rollback} ({@link SlotStore#rollbackNow()}) returns only to a build that ran committed. */
class ManualRollbackTest {

    @TempDir
    Path tmp;
    UpdateFixture f;

    @BeforeEach
    void setUp() throws Exception {
        f = new UpdateFixture(tmp);
    }

    /** What the launcher (roomwire.sh) does when a trial fails: the record, then the pointer back, then no trial. */
    private void launcherRollsBack(String reason) throws IOException {
        Path home = f.slots.home();
        Files.writeString(home.resolve(SlotStore.ROLLED_BACK), "version=1.1.0\nfrom=b\nto=a\nreason=" + reason + "\n");
        Files.createSymbolicLink(home.resolve("current.next"), Path.of("slots", "a"));
        Files.move(home.resolve("current.next"), home.resolve(SlotStore.CURRENT), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        Files.delete(home.resolve(SlotStore.TRIAL));
    }

    @Test
    void refusesToBootABuildThatFailedItsTrialAndNamesTheReason() throws Exception {
        f.updater(Long.MAX_VALUE).apply(f.bundle("v11", f.target("1.1.0"), List.of(), f.update1), Updater.Progress.NONE);
        launcherRollsBack("crash loop: slot b started without committing until no starts were left");
        IOException before = assertThrows(IOException.class, f.slots::rollbackNow);
        assertTrue(before.getMessage().contains("1.1.0, which never committed") && before.getMessage().contains("crash loop"),
                before.getMessage());
        // Once the agent of the old slot reported the rollback, the reason stays with the failed slot.
        assertEquals("b", f.slots.takeRolledBack().orElseThrow().get("from"));
        IOException after = assertThrows(IOException.class, f.slots::rollbackNow);
        assertTrue(after.getMessage().contains("crash loop"), after.getMessage());
        assertEquals("a", f.slots.currentSlot());
        assertTrue(f.slots.trial().isEmpty(), "no trial started either");
    }

    @Test
    void refusesABuildThatWasInstalledButNeverSwitchedTo() throws Exception {
        Path staging = f.slots.freshStaging();
        Files.writeString(staging.resolve("marker"), "a verified build, the pointer never moved (killed before the switch)");
        f.slots.install(staging, "1.1.0");
        IOException e = assertThrows(IOException.class, f.slots::rollbackNow);
        assertTrue(e.getMessage().contains("never ran committed"), e.getMessage());
        assertEquals("a", f.slots.currentSlot());
    }

    @Test
    void goesBackAndForthBetweenCommittedBuilds() throws Exception {
        f.updater(Long.MAX_VALUE).apply(f.bundle("v11", f.target("1.1.0"), List.of(), f.update1), Updater.Progress.NONE);
        assertEquals("a", f.slots.rollbackNow(), "from a trial back to the committed build");
        f.updater(Long.MAX_VALUE).apply(f.bundle("v12", f.target("1.2.0"), List.of(), f.update1), Updater.Progress.NONE);
        f.slots.commit();
        assertEquals("a", f.slots.rollbackNow());
        assertEquals("b", f.slots.rollbackNow(), "1.2.0 committed: it may be returned to");
        assertTrue(f.slots.trial().isEmpty());
    }
}
