package io.roomwire.webrtc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.roomwire.core.time.VirtualScheduler;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** When a change of the room's addresses restarts ICE: once, after it settled, and only while calls are up. */
class NetworkWatchTest {

    private final VirtualScheduler scheduler = new VirtualScheduler();
    private final AtomicReference<Set<InetAddress>> addresses = new AtomicReference<>(Set.of(address("192.0.2.10")));
    private final AtomicInteger reads = new AtomicInteger();
    private final AtomicBoolean callUp = new AtomicBoolean(true);
    private final AtomicInteger restarts = new AtomicInteger();
    private final NetworkWatch watch = new NetworkWatch(() -> {
        reads.incrementAndGet();
        Set<InetAddress> a = addresses.get();
        if (a == null) {
            throw new IllegalStateException("the network interfaces could not be read: test");
        }
        return a;
    }, scheduler, Duration.ofSeconds(2), Duration.ofSeconds(3), callUp::get, restarts::incrementAndGet);

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aSettledChangeRestartsOnceAfterTheDebounce() {
        watch.start();
        scheduler.advance(Duration.ofSeconds(2)); // first look: the call's baseline
        addresses.set(Set.of(address("192.0.2.10"), address("198.51.100.7"))); // a second link came up
        scheduler.advance(Duration.ofSeconds(2)); // seen
        scheduler.advance(Duration.ofSeconds(2)); // 2 s stable: not yet
        assertEquals(0, restarts.get());
        scheduler.advance(Duration.ofSeconds(2)); // 4 s stable
        assertEquals(1, restarts.get());
        scheduler.advance(Duration.ofSeconds(20));
        assertEquals(1, restarts.get(), "one change, one restart");
    }

    @Test
    void anInterfaceThatFlapsBackWithinTheDebounceRestartsNothing() {
        watch.start();
        scheduler.advance(Duration.ofSeconds(2));
        addresses.set(Set.of());
        scheduler.advance(Duration.ofSeconds(2));
        addresses.set(Set.of(address("192.0.2.10")));
        scheduler.advance(Duration.ofSeconds(20));
        assertEquals(0, restarts.get());
    }

    @Test
    void aChangeThatKeepsChangingWaitsUntilItSettles() {
        watch.start();
        scheduler.advance(Duration.ofSeconds(2));
        for (int i = 1; i <= 4; i++) { // DHCP and IPv6 addresses arriving one after the other
            addresses.set(Set.of(address("198.51.100." + i)));
            scheduler.advance(Duration.ofSeconds(2));
            assertEquals(0, restarts.get(), "after change " + i);
        }
        scheduler.advance(Duration.ofSeconds(4));
        assertEquals(1, restarts.get());
    }

    @Test
    void changesWithoutACallRestartNothingAndTheNextCallStartsFromTheAddressesThen() {
        callUp.set(false);
        watch.start();
        scheduler.advance(Duration.ofSeconds(2));
        addresses.set(Set.of(address("198.51.100.7")));
        scheduler.advance(Duration.ofSeconds(10));
        callUp.set(true);
        scheduler.advance(Duration.ofSeconds(20));
        assertEquals(0, restarts.get(), "the addresses changed before the call, not during it");
        addresses.set(Set.of(address("198.51.100.8")));
        scheduler.advance(Duration.ofSeconds(6));
        assertEquals(1, restarts.get(), "a change during the call");
    }

    @Test
    void aChangeWithinTheFirstPollPeriodOfACallDialledRightAfterStartIsSeen() {
        callUp.set(false);
        watch.start();
        scheduler.advance(Duration.ZERO); // the first look, at once: the addresses the call will gather from
        callUp.set(true); // dialled at once and connected within a second
        addresses.set(Set.of(address("198.51.100.7"))); // then the address moved, before the watch looked again
        scheduler.advance(Duration.ofSeconds(6));
        assertEquals(1, restarts.get(), "the moved address must not become the call's baseline unseen");
    }

    @Test
    void anUnreadableSourceIsLoggedAndChangesNothing() {
        watch.start();
        scheduler.advance(Duration.ofSeconds(2));
        addresses.set(null);
        scheduler.advance(Duration.ofSeconds(10));
        addresses.set(Set.of(address("192.0.2.10")));
        scheduler.advance(Duration.ofSeconds(10));
        assertEquals(0, restarts.get());
    }

    @Test
    void closedItReadsNoMore() {
        watch.start();
        scheduler.advance(Duration.ofSeconds(4));
        watch.close();
        int before = reads.get();
        scheduler.advance(Duration.ofSeconds(10));
        assertEquals(before, reads.get());
        assertFalse(before == 0);
    }

    @Test
    void theMachinesInterfacesAreReadWithoutLoopback() {
        // The test JVM's network namespace: lo and the veth carrying 127.0.0.2/32 (a loopback-range address
        // on a non-loopback interface, which is what libwebrtc gathers on here).
        Set<InetAddress> real = NetworkWatch.interfaces().usableAddresses();
        assertFalse(real.contains(address("::1")), real.toString());
        assertEquals(Set.of(address("127.0.0.2")), real);
    }
}
