package io.roomwire.webrtc;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition on real sockets and native threads, with a generous bound (loaded CI machines). */
final class Await {

    private Await() {
    }

    static void until(Duration bound, BooleanSupplier condition, Supplier<String> describe) {
        long end = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + bound.toSeconds() + " s: " + describe.get());
            }
            Thread.onSpinWait();
            try {
                Thread.sleep(20); // polling a real condition, not waiting for time to pass
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }
}
