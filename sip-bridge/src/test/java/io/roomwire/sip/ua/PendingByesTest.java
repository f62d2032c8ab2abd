package io.roomwire.sip.ua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import javax.sip.ClientTransaction;
import org.junit.jupiter.api.Test;

class PendingByesTest {

    private static ClientTransaction tx() {
        return (ClientTransaction) Proxy.newProxyInstance(PendingByesTest.class.getClassLoader(),
                new Class<?>[] {ClientTransaction.class}, (p, m, a) -> switch (m.getName()) {
                    case "hashCode" -> System.identityHashCode(p);
                    case "equals" -> p == a[0];
                    default -> null;
                });
    }

    @Test
    void awaitReturnsOnceEveryByeIsAnswered() throws Exception {
        PendingByes byes = new PendingByes();
        ClientTransaction a = tx();
        ClientTransaction b = tx();
        byes.sent(a);
        byes.sent(b);
        byes.ended(a);
        assertEquals(1, byes.size());
        CompletableFuture<Boolean> waiter = CompletableFuture.supplyAsync(() -> {
            try {
                return byes.await(Duration.ofSeconds(20));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        byes.ended(b);
        assertTrue(waiter.get());
        assertTrue(byes.await(Duration.ZERO), "nothing pending: no wait at all");
    }

    @Test
    void anUnansweredByeIsGivenUpAfterTheBound() throws Exception {
        PendingByes byes = new PendingByes();
        byes.sent(tx());
        byes.ended(null);
        byes.ended(tx()); // never sent: ignored
        assertFalse(byes.await(Duration.ofMillis(30)));
        assertEquals(1, byes.size());
        byes.clear();
        assertTrue(byes.await(Duration.ZERO));
    }
}
