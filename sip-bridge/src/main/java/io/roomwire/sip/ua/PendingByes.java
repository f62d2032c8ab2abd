package io.roomwire.sip.ua;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import javax.sip.ClientTransaction;

/**
 * The BYEs this user agent sent that the far end has not answered yet. Stopping the agent waits a bounded
 * time for them, so a call ended by shutdown really ends at the gateway: closing a TCP/TLS connection with
 * unread data sends a reset, and the far end then discards a BYE it had received but not yet read.
 */
final class PendingByes {

    private final Set<ClientTransaction> open = new HashSet<>();

    synchronized void sent(ClientTransaction bye) {
        open.add(bye);
    }

    /** The BYE got a final response, timed out or failed. */
    synchronized void ended(ClientTransaction tx) {
        if (tx != null && open.remove(tx) && open.isEmpty()) {
            notifyAll();
        }
    }

    synchronized int size() {
        return open.size();
    }

    /** Waits until every BYE is answered or {@code bound} passes; true when none is left. */
    synchronized boolean await(Duration bound) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!open.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    synchronized void clear() {
        open.clear();
        notifyAll();
    }
}
