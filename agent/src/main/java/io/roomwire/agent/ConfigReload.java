package io.roomwire.agent;

import io.roomwire.agent.config.Config;
import io.roomwire.agent.config.ConfigException;
import io.roomwire.agent.config.ConfigProblem;
import io.roomwire.agent.config.Setting;
import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.time.Scheduler;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.tinylog.Logger;

/**
 * Re-reads the config file on request ({@code systemctl reload roomwire}, i.e. SIGHUP): validated
 * like at start-up, environment overrides still winning. A file with problems changes nothing; a
 * good one goes through the same applier as {@code config.set}. The file is never written back.
 */
final class ConfigReload {

    /** What one reload did: the keys applied now and those that wait for a restart, or the file's problems. */
    record Outcome(List<String> applied, List<String> pendingRestart, List<ConfigProblem> problems) {
        boolean ok() {
            return problems.isEmpty();
        }
    }

    private final Path file;
    private final Map<String, String> env;
    private final Scheduler scheduler;
    private final EventSink events;
    private final Config started;
    private final Supplier<Config> current;
    private final Consumer<Config> applier;
    private final Object lock = new Object();

    /**
     * @param env     the environment the agent started with (its {@code ROOMWIRE_*} values win over the file)
     * @param started the configuration the agent started with (restart-only settings stay as it says)
     * @param current the configuration in force
     * @param applier makes a configuration the one in force ({@link AgentRoomControl#apply})
     */
    ConfigReload(Path file, Map<String, String> env, Scheduler scheduler, EventSink events, Config started,
                 Supplier<Config> current, Consumer<Config> applier) {
        this.file = file;
        this.env = Map.copyOf(env);
        this.scheduler = scheduler;
        this.events = events;
        this.started = started;
        this.current = current;
        this.applier = applier;
    }

    /** Reloads on a scheduler thread: safe to call from a signal handler, which must return at once. */
    void request() {
        scheduler.execute(() -> {
            try {
                reload();
            } catch (RuntimeException e) {
                Logger.error(e, "Reloading {} failed; still running on the previous configuration", file);
            }
        });
    }

    /** Re-reads the file now and applies what changed; with problems, keeps the configuration in force. */
    Outcome reload() {
        synchronized (lock) {
            Config before = current.get();
            Config next;
            try {
                next = Config.load(file, env);
            } catch (ConfigException e) {
                for (ConfigProblem p : e.problems()) {
                    Logger.error("Config reload: {}", p);
                }
                Logger.error("Config reload of {} refused ({} problem{}); still running on the previous configuration: "
                        + "fix the file (roomwire config check {}) and reload again", file, e.problems().size(),
                        e.problems().size() == 1 ? "" : "s", file);
                List<String> texts = e.problems().stream().map(ConfigProblem::toString).toList();
                events.emit(DeviceEvent.of("config.reload_failed", scheduler.now(), "file", file.toString(),
                        "problems", String.join("\n", texts), "count", texts.size()));
                return new Outcome(List.of(), List.of(), e.problems());
            }
            List<String> live = before.changedKeys(next).stream().filter(k -> !restartOnly(next, k)).toList();
            // Against the start, not the last reload: a restart-only change stays pending until a restart.
            List<String> restart = started.changedKeys(next).stream().filter(k -> restartOnly(next, k)).toList();
            if (!before.changedKeys(next).isEmpty()) {
                applier.accept(next);
            }
            Logger.info("Config reloaded from {}: applied {}; pending a restart {}", file, live, restart);
            for (String key : restart) {
                Logger.warn("Config reload: {} changed and takes effect only after a restart (systemctl restart roomwire)",
                        key);
            }
            events.emit(DeviceEvent.of("config.reloaded", scheduler.now(), "file", file.toString(),
                    "applied", String.join(",", live), "pendingRestart", String.join(",", restart)));
            return new Outcome(live, restart, List.of());
        }
    }

    private static boolean restartOnly(Config config, String key) {
        return config.setting(key).map(Setting::restart).orElse(true);
    }
}
