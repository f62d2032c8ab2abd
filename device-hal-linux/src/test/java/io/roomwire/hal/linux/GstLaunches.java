package io.roomwire.hal.linux;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/** The real gst-launch-1.0 processes the tests' pipelines run, and a bounded wait for what those processes do. */
final class GstLaunches {

    private GstLaunches() {
    }

    /** The gst-launch-1.0 processes this JVM runs now. */
    static Set<Long> running() {
        return ProcessHandle.current().descendants().filter(p -> p.info().command().orElse("").endsWith("/" + GstLaunch.LAUNCH))
                .map(ProcessHandle::pid).collect(Collectors.toCollection(HashSet::new));
    }

    /** The gst-launch-1.0 processes this JVM runs now that are not among {@code before}. */
    static Set<Long> runningExcept(Set<Long> before) {
        Set<Long> now = running();
        now.removeAll(before);
        return now;
    }

    /** Waits until the condition holds, failing the test with {@code what} after {@code bound}. */
    static void await(Duration bound, BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("waited " + bound + " for " + what);
            }
            LockSupport.parkNanos(10_000_000);
        }
    }
}
