package io.roomwire.core.health;

import java.util.ArrayList;
import java.util.List;
import org.tinylog.Logger;

/**
 * Start-up priority: work that no service's UP needs waits here until the lifecycle opens it, once every
 * service is UP or a bound after the start has passed, so that a start's cores go to what UP needs. A
 * calendar started from a fresh cache syncs after that, an enrolled MDM client checks in after that, and Entra's
 * token manager, started from stored tokens, makes its HTTP client after that; a calendar with no cache, an MDM
 * client not enrolled yet or a room with no stored tokens need that work to be UP and do it at once.
 *
 * <p>Work handed over after the opening runs at once, on the caller's thread; work that waited runs on the
 * thread that opens it, in the order it came. Each piece should only hand work to its own scheduler and
 * check that its service still runs: it may come after the service was stopped (and started again).
 */
public final class AfterStart {

    private final Object lock = new Object();
    /** What waits for the opening; null once open. */
    private List<Runnable> waiting = new ArrayList<>();

    /** A gate that is already open: work runs at once (a service used on its own, tools, tests). */
    public static AfterStart open() {
        AfterStart a = new AfterStart();
        a.openNow();
        return a;
    }

    /** Runs {@code work} once the start is over: now if it is, else when the gate opens. */
    public void run(Runnable work) {
        synchronized (lock) {
            if (waiting != null) {
                waiting.add(work);
                return;
            }
        }
        runSafely(work);
    }

    /** Opens the gate: runs what waited, in order, on this thread. Only the first call does anything. */
    public void openNow() {
        List<Runnable> due;
        synchronized (lock) {
            due = waiting;
            waiting = null;
        }
        if (due != null) {
            due.forEach(AfterStart::runSafely);
        }
    }

    public boolean isOpen() {
        synchronized (lock) {
            return waiting == null;
        }
    }

    private static void runSafely(Runnable work) {
        try {
            work.run();
        } catch (RuntimeException e) {
            Logger.warn(e, "Work deferred to after the start failed: {}", e.toString());
        }
    }
}
