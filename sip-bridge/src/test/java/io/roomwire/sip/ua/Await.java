package io.roomwire.sip.ua;

import io.roomwire.core.time.VirtualScheduler;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Bounded waits for conditions that depend on real sockets; virtual time moves 20 ms a step. */
public final class Await {

    private Await() {
    }

    public static void until(String what, BooleanSupplier condition) {
        until(what, null, Duration.ofSeconds(20), condition);
    }

    public static void until(String what, VirtualScheduler clock, BooleanSupplier condition, Supplier<String> state) {
        until(what, clock, Duration.ofSeconds(20), condition, state);
    }

    public static void until(String what, VirtualScheduler clock, BooleanSupplier condition) {
        until(what, clock, Duration.ofSeconds(20), condition);
    }

    public static void until(String what, VirtualScheduler clock, Duration bound, BooleanSupplier condition) {
        until(what, clock, bound, condition, () -> "");
    }

    public static void until(String what, VirtualScheduler clock, Duration bound, BooleanSupplier condition,
                             Supplier<String> state) {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + bound.toSeconds() + " s waiting for " + what + " " + state.get());
            }
            if (clock != null) {
                clock.advance(Duration.ofMillis(20));
            }
            LockSupport.parkNanos(2_000_000);
        }
    }
}
