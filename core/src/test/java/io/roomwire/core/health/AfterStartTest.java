package io.roomwire.core.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AfterStartTest {

    @Test
    void workWaitsForTheOpeningAndThenRunsInTheOrderItCame() {
        AfterStart a = new AfterStart();
        List<String> ran = new ArrayList<>();
        a.run(() -> ran.add("calendar"));
        a.run(() -> ran.add("mdm"));
        assertFalse(a.isOpen());
        assertEquals(List.of(), ran);

        a.openNow();
        assertTrue(a.isOpen());
        assertEquals(List.of("calendar", "mdm"), ran);

        a.openNow();
        assertEquals(List.of("calendar", "mdm"), ran, "opening twice runs nothing twice");
        a.run(() -> ran.add("later"));
        assertEquals(List.of("calendar", "mdm", "later"), ran, "once open, work runs at once");
    }

    @Test
    void anOpenGateRunsWorkAtOnce() {
        List<String> ran = new ArrayList<>();
        AfterStart.open().run(() -> ran.add("now"));
        assertEquals(List.of("now"), ran);
    }

    @Test
    void workThatFailsDoesNotKeepTheRestFromRunning() {
        AfterStart a = new AfterStart();
        List<String> ran = new ArrayList<>();
        a.run(() -> {
            throw new IllegalStateException("broken");
        });
        a.run(() -> ran.add("mdm"));
        a.openNow();
        assertEquals(List.of("mdm"), ran);
    }
}
