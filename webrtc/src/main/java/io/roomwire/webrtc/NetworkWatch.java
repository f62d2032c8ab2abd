package io.roomwire.webrtc;

import io.roomwire.core.time.Scheduler;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.tinylog.Logger;

/**
 * Watches the room's usable local addresses while calls are up and reports a change once it has settled:
 * a cable replugged, Wi-Fi roaming or a DHCP renewal with a new address leave a call's ICE pairs on an
 * address that is gone, and only an ICE restart (RFC 8445 §9) finds new ones. Polled on the scheduler.
 */
public final class NetworkWatch implements AutoCloseable {

    /** The local addresses ICE could use now. */
    @FunctionalInterface
    public interface AddressSource {
        Set<InetAddress> usableAddresses();
    }

    /** How often the addresses are read. */
    public static final Duration POLL = Duration.ofSeconds(2);
    /** How long the set must stay the same before a change counts (an interface coming up changes it several times). */
    public static final Duration DEBOUNCE = Duration.ofSeconds(3);

    private final AddressSource source;
    private final Scheduler scheduler;
    private final Duration poll;
    private final Duration debounce;
    private final BooleanSupplier active;
    private final Runnable onChange;
    private Scheduler.Cancellable timer;
    /** The addresses the calls' ICE last started from (while idle: the addresses now). */
    private Set<InetAddress> baseline;
    private Set<InetAddress> lastSeen;
    /** When the addresses last changed (the scheduler's monotonic nanos: a wall-clock step moves nothing), while unsettled. */
    private Long changedAt;
    private boolean readFailing;

    /**
     * @param active   whether anything is to be watched (a call is up); idle polls only follow the addresses
     * @param onChange run on the scheduler once the addresses changed and then stayed the same for {@code debounce}
     */
    public NetworkWatch(AddressSource source, Scheduler scheduler, Duration poll, Duration debounce, BooleanSupplier active,
                        Runnable onChange) {
        this.source = Objects.requireNonNull(source, "source");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.poll = Objects.requireNonNull(poll, "poll");
        this.debounce = Objects.requireNonNull(debounce, "debounce");
        this.active = Objects.requireNonNull(active, "active");
        this.onChange = Objects.requireNonNull(onChange, "onChange");
    }

    /**
     * The machine's addresses: those of interfaces that are up and not loopback, without link-local ones.
     * Judged by the interface as libwebrtc does (it gathers on none of a loopback interface's addresses, and
     * on any other interface's; a test's veth carrying 127.0.0.2 counts), and a link-local address reaches no gateway.
     */
    public static AddressSource interfaces() {
        return () -> {
            Set<InetAddress> out = new HashSet<>();
            try {
                for (NetworkInterface n : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                    if (!n.isUp() || n.isLoopback()) {
                        continue;
                    }
                    for (InetAddress a : Collections.list(n.getInetAddresses())) {
                        if (!a.isLinkLocalAddress() && !a.isAnyLocalAddress()) {
                            out.add(a);
                        }
                    }
                }
            } catch (SocketException e) {
                throw new IllegalStateException("the network interfaces could not be read: " + e.getMessage(), e);
            }
            return out;
        };
    }

    public synchronized void start() {
        if (timer == null) {
            // The first look at once: a call dialled right after start gathers from the addresses as they are now, and a
            // change before the first period ended would otherwise become the baseline, unseen (WebRtcBehindNatTest).
            timer = scheduler.scheduleAtFixedRate(Duration.ZERO, poll, this::poll);
        }
    }

    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }

    /** One look at the addresses; on the scheduler. */
    synchronized void poll() {
        Set<InetAddress> now;
        try {
            now = Set.copyOf(source.usableAddresses());
        } catch (RuntimeException e) {
            if (!readFailing) {
                readFailing = true; // once per failure streak, not every poll
                Logger.warn("Network watch: {}; ICE is not restarted on address changes until they can be read", e.getMessage());
            }
            return;
        }
        readFailing = false;
        if (!active.getAsBoolean()) {
            // Read while idle too: a call gathers its candidates when it dials, from the addresses as they are then.
            baseline = now;
            lastSeen = now;
            changedAt = null;
            return;
        }
        if (baseline == null) {
            baseline = now;
            lastSeen = now;
            return;
        }
        if (!now.equals(lastSeen)) {
            lastSeen = now;
            changedAt = scheduler.monotonicNanos();
            return;
        }
        if (changedAt != null && scheduler.monotonicNanos() - changedAt >= debounce.toNanos()) {
            changedAt = null;
            if (!now.equals(baseline)) {
                Logger.info("Local addresses changed ({} before, {} now): restarting ICE on the WebRTC calls",
                        baseline.size(), now.size());
                baseline = now;
                onChange.run();
            }
        }
    }
}
