package io.roomwire.agent.lifecycle;

import io.roomwire.core.health.Health;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import org.tinylog.Logger;

/**
 * Tells systemd how the agent is doing, in the sd_notify protocol (sd_notify(3)): {@code READY=1}
 * once every configured service is UP, {@code STATUS=} whenever the summary changes, and
 * {@code WATCHDOG=1} at half the unit's {@code WatchdogSec} for as long as the health loop runs.
 *
 * <p>A room whose network is down at boot would never become ready, and systemd would kill and
 * restart it though the lifecycle already retries every service: so the agent reports ready at
 * the latest after {@link #READY_TIMEOUT}, with the services still down in {@code STATUS=}.
 */
public final class ServiceManagerNotifier {

    /**
     * Exit status of a requested restart (EX_TEMPFAIL, sysexits.h): the unit restarts on it
     * ({@code RestartForceExitStatus=}) though it restarts only on failure otherwise.
     */
    public static final int RESTART_EXIT_STATUS = 75;

    /** At most this long from start to READY=1; the unit's TimeoutStartSec must be longer. */
    public static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    /** Where a notification goes: newline-free {@code KEY=VALUE} assignments, sent as one datagram. */
    @FunctionalInterface
    public interface Channel {
        void send(List<String> assignments) throws IOException;
    }

    private final Channel channel;
    private final Clock clock;
    private final Optional<Duration> pingEvery;
    private final Instant readyDeadline;
    private boolean ready;
    private String status = "";
    private Instant nextPing;
    private String lastFailure = "";

    /**
     * @param watchdog the unit's watchdog timeout ({@code WATCHDOG_USEC}); empty when it has none
     */
    public ServiceManagerNotifier(Channel channel, Clock clock, Optional<Duration> watchdog) {
        this.channel = Objects.requireNonNull(channel, "channel");
        this.clock = clock;
        // Half the timeout, as sd_watchdog_enabled(3) advises: one late ping does not kill the agent.
        this.pingEvery = watchdog.map(w -> w.dividedBy(2));
        Instant now = clock.instant();
        this.readyDeadline = now.plus(READY_TIMEOUT);
        this.nextPing = now;
    }

    /**
     * The notifier for this process when systemd started it as a notify service ({@code NOTIFY_SOCKET}
     * set), sending through {@code systemd-notify}; empty otherwise (a shell, a test, another init).
     *
     * @throws IllegalStateException when NOTIFY_SOCKET is set but systemd-notify is not on PATH
     */
    public static Optional<ServiceManagerNotifier> fromEnvironment(Map<String, String> env, Clock clock) {
        if (env.getOrDefault("NOTIFY_SOCKET", "").isEmpty()) {
            return Optional.empty();
        }
        Channel channel = SystemdNotifyCommand.onPath(env);
        return Optional.of(new ServiceManagerNotifier(channel, clock, watchdogTimeout(env, ProcessHandle.current().pid())));
    }

    /** {@code WATCHDOG_USEC} when it is meant for this process ({@code WATCHDOG_PID} absent or ours). */
    static Optional<Duration> watchdogTimeout(Map<String, String> env, long pid) {
        String usec = env.getOrDefault("WATCHDOG_USEC", "");
        String forPid = env.getOrDefault("WATCHDOG_PID", "");
        if (usec.isEmpty() || (!forPid.isEmpty() && !forPid.equals(Long.toString(pid)))) {
            return Optional.empty();
        }
        try {
            long micros = Long.parseLong(usec);
            return micros > 0 ? Optional.of(Duration.ofNanos(micros * 1000)) : Optional.empty();
        } catch (NumberFormatException e) {
            Logger.warn("Ignoring WATCHDOG_USEC={}: not a number of microseconds", usec);
            return Optional.empty();
        }
    }

    /** Called by the health loop with every service's health; sends what changed and the due watchdog ping. */
    public synchronized void onHealth(Map<String, Health> health) {
        Instant now = clock.instant();
        List<String> down = health.entrySet().stream().filter(e -> !e.getValue().isUp())
                .map(e -> e.getKey() + " " + e.getValue()).toList();
        String summary = down.isEmpty() ? "all services UP" : "waiting for " + String.join(", ", down);
        List<String> message = new ArrayList<>();
        if (!ready && (down.isEmpty() || !now.isBefore(readyDeadline))) {
            message.add("READY=1");
        }
        if (!summary.equals(status)) {
            message.add("STATUS=" + summary.replace('\n', ' '));
        }
        boolean ping = pingEvery.isPresent() && !now.isBefore(nextPing);
        if (ping) {
            message.add("WATCHDOG=1");
        }
        if (message.isEmpty()) {
            return;
        }
        if (send(message)) {
            ready |= message.contains("READY=1");
            status = summary;
            if (ping) {
                nextPing = now.plus(pingEvery.orElseThrow());
            }
        }
    }

    /** Tells systemd the agent is stopping (a SIGTERM is being handled, not a crash). */
    public synchronized void stopping() {
        send(List.of("STOPPING=1", "STATUS=stopping"));
    }

    public synchronized boolean ready() {
        return ready;
    }

    private boolean send(List<String> message) {
        try {
            channel.send(message);
            lastFailure = "";
            return true;
        } catch (IOException e) {
            // Once per kind of failure: the health loop tries again on its next tick.
            if (!e.getMessage().equals(lastFailure)) {
                lastFailure = e.getMessage();
                Logger.warn("Could not notify systemd ({}): {}", message.stream().collect(Collectors.joining(" ")), e.getMessage());
            }
            return false;
        }
    }
}
