package io.roomwire.agent;

import io.roomwire.agent.cli.Args;
import io.roomwire.agent.cli.Cli;
import io.roomwire.agent.cli.UsageException;
import io.roomwire.agent.config.AgentSettings;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.config.ConfigException;
import io.roomwire.agent.device.DeviceFactory;
import io.roomwire.agent.lifecycle.ServiceManagerNotifier;
import io.roomwire.agent.lifecycle.SlotArchive;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.health.Health;
import io.roomwire.core.store.StateLock;
import io.roomwire.core.time.Durations;
import io.roomwire.core.time.SystemScheduler;
import io.roomwire.hal.Device;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.tinylog.Logger;

/**
 * {@code roomwire run}: starts the agent and runs it until SIGTERM, printing its live state on
 * standard output; progress and logs go to standard error.
 */
final class RunCommand implements Cli.Command {

    static final String USAGE = """
            usage: roomwire run [--config FILE] [--status-every DURATION]

            Runs the agent until SIGTERM (Ctrl-C), printing the services' health whenever it changes.
              --config FILE    the configuration (default /etc/roomwire/roomwire.properties when it
                               exists, else the built-in defaults; ROOMWIRE_* overrides apply)
              --status-every DURATION
                               also print the whole status every DURATION
            SIGHUP (systemctl reload roomwire) re-reads the config file: live settings apply at once,
            restart-only ones are logged as pending, a file with problems is refused and changes nothing.
            """;

    @Override
    public String usage() {
        return USAGE;
    }

    @Override
    public int run(List<String> words, Cli.Io io) throws UsageException {
        Args a = Args.parse("run", words, Set.of("--config", "--status-every"), Set.of());
        a.expectPositional("run", 0, 0, "[--config FILE] [--status-every DURATION]");
        Duration every;
        try {
            every = Durations.parse(a.option("--status-every").orElse("0s"));
        } catch (IllegalArgumentException e) {
            throw new UsageException("roomwire run: --status-every: " + e.getMessage());
        }
        Config config;
        try {
            config = Cli.loadConfig(a.option("--config"), io.env());
        } catch (ConfigException e) {
            io.err().println("roomwire run: refusing to start. " + e.getMessage());
            return Cli.FAILED;
        }
        Cli.configureLogging(config, io);
        // Held for the life of the process: enroll/mdm commands and a second agent refuse meanwhile.
        StateLock lock;
        try {
            lock = StateLock.acquire(config.get(AgentSettings.STATE_DIR), "roomwire run");
        } catch (IOException e) {
            io.err().println("roomwire run: refusing to start: " + e.getMessage() + Cli.stateDirHint(e));
            return Cli.FAILED;
        }
        SystemScheduler scheduler = new SystemScheduler(4);
        EventSink.Hub events = new EventSink.Hub();
        Device device;
        try {
            device = DeviceFactory.create(config, scheduler, events);
        } catch (IllegalArgumentException e) {
            io.err().println("roomwire run: refusing to start. " + e.getMessage());
            scheduler.close();
            lock.close();
            return Cli.FAILED;
        }
        String deviceId = Agent.deviceId(config, device);
        Cli.configureLogging(config, deviceId, io);
        long t0 = System.nanoTime();
        Agent agent;
        try {
            java.util.Optional<java.nio.file.Path> file = a.option("--config").map(java.nio.file.Path::of)
                    .or(() -> java.nio.file.Files.isRegularFile(Cli.DEFAULT_CONFIG) ? java.util.Optional.of(Cli.DEFAULT_CONFIG)
                            : java.util.Optional.empty());
            // A reboot request ends the process cleanly with the status the unit's RestartForceExitStatus= restarts on.
            agent = StandardAgent.build(config, device, scheduler, events, file, io.env(), reason -> {
                Logger.warn("Restarting: {}", reason);
                Thread exit = new Thread(() -> System.exit(ServiceManagerNotifier.RESTART_EXIT_STATUS), "roomwire-reboot");
                exit.start();
            });
        } catch (IllegalArgumentException e) {
            io.err().println("roomwire run: refusing to start. " + e.getMessage());
            scheduler.close();
            lock.close();
            return Cli.FAILED;
        }
        Logger.info("Starting Roomwire {} as device {} (services: {})", Version.get(), deviceId,
                String.join(", ", agent.startOrder()));
        Optional<ServiceManagerNotifier> systemd;
        try {
            systemd = ServiceManagerNotifier.fromEnvironment(io.env(), scheduler.clock());
        } catch (IllegalStateException e) {
            io.err().println("roomwire run: refusing to start. " + e.getMessage());
            scheduler.close();
            lock.close();
            return Cli.FAILED;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Logger.info("Stopping (signal received)");
            systemd.ifPresent(ServiceManagerNotifier::stopping);
            List<String> abandoned = agent.stop();
            io.err().println(abandoned.isEmpty() ? "roomwire: stopped cleanly"
                    : "roomwire: stopped; abandoned " + abandoned);
            io.err().flush();
            lock.close();
            stopped.countDown();
        }, "roomwire-shutdown"));
        long lifecycleNanos = System.nanoTime();
        agent.start(startPool());
        reloadOnHangup(agent);
        watch(agent, scheduler, io, t0, lifecycleNanos, every, systemd);
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Cli.OK;
    }

    /**
     * Where the wall time to "all services UP" went, in ms: the JVM's own start (process start to
     * {@code main}, from the kernel's start time: 10 ms resolution), the agent's set-up (config, logging,
     * device, building the services) and the lifecycle. The first two are absent when {@code run} was not
     * called through {@link Main#main} (tests).
     */
    static String startPhases(long lifecycleNanos, long upNanos) {
        StringBuilder sb = new StringBuilder("start phases (ms):");
        long mainNanos = Main.mainNanos;
        if (mainNanos > 0) {
            long age = processAgeMillis();
            if (age >= 0) {
                sb.append(" process to main ").append(age - (System.nanoTime() - mainNanos) / 1_000_000).append(',');
            }
            sb.append(" main to lifecycle ").append((lifecycleNanos - mainNanos) / 1_000_000).append(',');
        }
        return sb.append(" lifecycle to all UP ").append((upNanos - lifecycleNanos) / 1_000_000).toString();
    }

    /**
     * How long this process has run, from /proc (uptime minus the start time in 100 Hz ticks, 10 ms
     * resolution; ProcessHandle's start instant rests on the boot time in whole seconds); -1 elsewhere.
     */
    private static long processAgeMillis() {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/stat"));
            long startTicks = Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19]);
            String uptime = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/uptime"));
            long upMillis = Math.round(Double.parseDouble(uptime.substring(0, uptime.indexOf(' '))) * 1000);
            return upMillis - startTicks * 10;
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Threads for starting independent services at the same time (class loading and key parsing of one
     * overlap another's); idle threads end after a second, so none is left once the agent runs.
     */
    private static java.util.concurrent.Executor startPool() {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.ThreadPoolExecutor pool = new java.util.concurrent.ThreadPoolExecutor(4, 4, 1,
                java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "roomwire-start-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /**
     * SIGHUP ({@code systemctl reload roomwire}) re-reads the config file instead of stopping the JVM
     * (its default for HUP). The handler only hands the work to the agent's scheduler.
     */
    private static void reloadOnHangup(Agent agent) {
        try {
            sun.misc.SignalHandler before = sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> {
                if (!agent.reloadConfig()) {
                    Logger.warn("SIGHUP ignored: the agent runs on the built-in defaults, with no config file to "
                            + "re-read; start it with --config FILE");
                }
            });
            // The JVM installs no handler for a signal the process inherited as ignored (nohup, env
            // --ignore-signal): HUP would then vanish without a word.
            if (before == sun.misc.SignalHandler.SIG_IGN) {
                Logger.warn("Config reload on SIGHUP unavailable: this process was started with SIGHUP ignored "
                        + "(nohup?); restart the agent to apply config file changes");
            }
        } catch (IllegalArgumentException e) {
            // The JVM was started with -Xrs, or the platform has no SIGHUP: reloading needs a restart there.
            Logger.warn("Config reload on SIGHUP unavailable ({}); restart the agent to apply config changes",
                    e.getMessage());
        }
    }

    /** How long health is read every 10 ms at start (to report UP when it happens) before every 200 ms. */
    private static final Duration FAST_HEALTH_POLL = Duration.ofSeconds(30);

    /**
     * Prints the state whenever a service's health changes, and periodically if asked; tells systemd
     * (when it started the agent) readiness, status and that this loop still runs (watchdog). Health is
     * read every 10 ms until all services are UP (so "UP" is reported when it happens, not up to a
     * period later) or {@link #FAST_HEALTH_POLL} has passed, then every 200 ms. The panel's address is
     * printed as soon as it is served.
     */
    private static void watch(Agent agent, SystemScheduler scheduler, Cli.Io io, long t0, long lifecycleNanos, Duration every,
                              Optional<ServiceManagerNotifier> systemd) {
        AtomicReference<Map<String, Health>> last = new AtomicReference<>(Map.of());
        AtomicReference<Boolean> announced = new AtomicReference<>(false);
        java.util.concurrent.atomic.AtomicBoolean panelShown = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong ticks = new java.util.concurrent.atomic.AtomicLong();
        Runnable check = () -> {
            Map<String, Health> now = agent.health();
            boolean allUp = now.values().stream().allMatch(Health::isUp);
            // systemd hears every 200 ms (and READY at once): each message is a systemd-notify process to spawn.
            if (announced.get() || allUp || ticks.getAndIncrement() % 20 == 0) {
                systemd.ifPresent(n -> n.onHealth(now));
            }
            if (!now.equals(last.get())) {
                last.set(now);
                io.out().print(agent.status().render(now));
                io.out().flush();
            }
            if (!announced.get() && allUp) {
                announced.set(true);
                // Progress, not state: standard error, beside the logs (bench/run reads both streams).
                io.err().printf("roomwire: all services UP in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
                io.err().println("roomwire: " + startTimes(agent.startTimes()));
                io.err().println("roomwire: " + startPhases(lifecycleNanos, System.nanoTime()));
                io.err().flush();
                // An update's slot and its own CDS archive: a recording start tells the launcher it got this far, a
                // start with the archive checks it was mapped (after UP: never on the start's path).
                SlotArchive.configured().ifPresent(SlotArchive::afterAllUp);
            }
            // As soon as it is served, not once all is UP: the panel is where a person sees what is wrong.
            if (!panelShown.get() && agent.device().panel() instanceof io.roomwire.hal.web.WebTouchPanel web && web.running()) {
                panelShown.set(true);
                io.err().println("roomwire: touch panel at " + web.url() + " (open it in the room's kiosk browser)");
                io.err().flush();
            }
        };
        AtomicReference<io.roomwire.core.time.Scheduler.Cancellable> fast = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean fastDone = new java.util.concurrent.atomic.AtomicBoolean();
        fast.set(scheduler.scheduleAtFixedRate(Duration.ZERO, Duration.ofMillis(10), () -> {
            synchronized (announced) {
                if (fastDone.get()) {
                    return;
                }
                check.run();
                // Until all are UP, but a service that stays down (no camera: DEGRADED for good) must not
                // keep this at 100 Hz: after FAST_HEALTH_POLL the period is 200 ms either way.
                if (announced.get() || System.nanoTime() - t0 > FAST_HEALTH_POLL.toNanos()) {
                    fastDone.set(true);
                    io.roomwire.core.time.Scheduler.Cancellable f = fast.get();
                    if (f != null) {
                        f.cancel();
                    }
                    scheduler.scheduleAtFixedRate(Duration.ofMillis(200), Duration.ofMillis(200), () -> {
                        synchronized (announced) {
                            check.run();
                        }
                    });
                }
            }
        }));
        if (!every.isZero()) {
            scheduler.scheduleAtFixedRate(every, every, () -> {
                io.out().print(agent.status().render(agent.health()));
                io.out().flush();
            });
        }
    }

    /**
     * The per-service start-up line bench/run reads: {@code service start-up (ms after start: began+took, UP at):
     * device 0+2 UP 3, ...}.
     */
    static String startTimes(Map<String, io.roomwire.agent.lifecycle.Lifecycle.StartTime> times) {
        StringBuilder b = new StringBuilder("service start-up (ms after start: began+took, UP at):");
        String sep = " ";
        for (Map.Entry<String, io.roomwire.agent.lifecycle.Lifecycle.StartTime> e : times.entrySet()) {
            io.roomwire.agent.lifecycle.Lifecycle.StartTime t = e.getValue();
            b.append(sep).append(e.getKey()).append(' ').append(t.began().toMillis()).append('+').append(t.took().toMillis())
                    .append(" UP ").append(t.up().map(u -> String.valueOf(u.toMillis())).orElse("-"));
            sep = ", ";
        }
        return b.toString();
    }

}
