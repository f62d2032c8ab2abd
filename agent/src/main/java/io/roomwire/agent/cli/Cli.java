package io.roomwire.agent.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.roomwire.agent.Version;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.config.ConfigException;
import io.roomwire.agent.config.ConfigProblem;
import io.roomwire.agent.config.Setting;
import io.roomwire.agent.config.Settings;
import io.roomwire.agent.config.AgentSettings;
import io.roomwire.core.log.LogSetup;
import io.roomwire.core.time.Durations;
import java.io.PrintStream;
import java.util.ArrayList;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.tinylog.Logger;

/**
 * The {@code roomwire} command line. Exit codes: 0 success, 1 the operation failed (bad config,
 * enrollment refused, call failed), 2 the command line itself is wrong.
 */
public final class Cli {

    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;

    public static final Path DEFAULT_CONFIG = Path.of("/etc/roomwire/roomwire.properties");

    /** What every command's usage ends with: the options and forms all commands share. */
    static final String COMMON = """
            Every command:
              -h, --help               print the command's usage and exit 0
              -v, --verbose            log at debug (-vv: trace) even when agent.log-level is quieter
            Results go to standard output (one JSON document with --json); logs and progress to
            standard error. DURATION is\s""" + Durations.FORMS + """
            .
            Every command reads ROOMWIRE_* environment overrides (see 'roomwire config sample').
            Exit codes: 0 ok, 1 failed, 2 bad command line.
            """;

    static final String HELP = """
            usage: roomwire <command> [options] [-v|-vv]     (roomwire <command> --help for its options)

              run [--config FILE] [--status-every DURATION]
                                       run the agent until SIGTERM
              enroll [--config FILE] [--force] [--max-wait DURATION] [--rekey]
                                       sign the room in to Entra ID (code + QR on the terminal);
                                       --rekey replaces the device key (then sign in again)
              obtp explain --event FILE [--now INSTANT] [--config FILE] [--json]
                                       why a meeting has (or has no) Join button
                                       (exit 0 button, 1 no button, 2 unusable file)
              dial URI [--dtmf DIGITS] [--duration DURATION] [--config FILE] [--json]
                                       place a test call to a gateway; prints the outcome
              ctl --broker URL [--cafile F --cert F --key F --sign-key F] --device ID COMMAND [key=value ...] [--json]
              ctl --broker URL [...] fleet [--health H] [--devices GLOB] [--send COMMAND ...] [--json]
                                       manage rooms over MQTT (docs/mqtt-api.md)
              ctl --broker URL [...] --sign-key F rollout --devices A,B [--canary 10] [--max-failure 0.2]
                  [--commit-timeout 10m] url=URL sha256=HEX
                                       roll an update out to rooms in waves, each judged by its commit (docs/updates.md)
              update status | apply FILE|URL [--sha256 HEX] | rollback [--home DIR]
                                       signed A/B updates at the device (docs/updates.md)
              update keygen | make-root | sign-root | make-bundle | inspect
                                       sign releases and trust roots (operators; docs/updates.md)
              mdm checkin [--config FILE] [--json]
                                       one MDM check-in now: outcome, bytes, compliance
              diagnostics [--config FILE] [--out DIR] [--json]
                                       write a support bundle (zip, 0600): version, masked config,
                                       health, scrubbed logs, peripherals, network
              webrtc check [--json]    load the WebRTC native library as a WebRTC join would
                                       (exit 0 loaded, 1 not: the reason is printed)
              config check FILE [--json]
                                       validate a config file; every problem with its line
              config sample            print a documented sample config
              version [--json]         print the version

            """ + COMMON;

    static final String CONFIG_USAGE = """
            usage: roomwire config check FILE [--json]
                   roomwire config sample

              check FILE   validate FILE (and ROOMWIRE_* overrides): every problem with its line;
                           exit 1 if there is any
                --json     the result as one JSON object (ok, file, keys, problems)
              sample       print a documented sample config with every key and its default
            """;

    static final String VERSION_USAGE = """
            usage: roomwire version [--json]

              --json       the version and the Java version as one JSON object
            """;

    /** A sub-command: its words after the command name. */
    @FunctionalInterface
    public interface Command {
        int run(List<String> words, Io io) throws UsageException;

        /** The command's full usage, printed by {@code --help}. */
        default String usage() {
            return "";
        }
    }

    /** A command whose usage is given beside it. */
    public static Command command(String usage, Command command) {
        return new Command() {
            @Override
            public int run(List<String> words, Io io) throws UsageException {
                return command.run(words, io);
            }

            @Override
            public String usage() {
                return usage;
            }
        };
    }

    /**
     * Streams and environment, injected so that tests can run the CLI in-process; {@code verbosity}
     * counts {@code -v} flags (1 debug, 2 trace).
     */
    public record Io(PrintStream out, PrintStream err, Map<String, String> env, int verbosity) {
        public Io(PrintStream out, PrintStream err, Map<String, String> env) {
            this(out, err, env, 0);
        }
    }

    private final Map<String, Command> commands;

    public Cli(Map<String, Command> extra) {
        Map<String, Command> m = new java.util.LinkedHashMap<>();
        m.put("config", command(CONFIG_USAGE, this::config));
        m.put("version", command(VERSION_USAGE, Cli::version));
        m.putAll(extra);
        this.commands = m;
    }

    public int run(String[] argv, Io io) {
        List<String> words = new ArrayList<>();
        int verbosity = io.verbosity();
        for (String w : argv) {
            switch (w) {
                case "-v", "--verbose" -> verbosity++;
                case "-vv" -> verbosity += 2;
                default -> words.add(w);
            }
        }
        Io cmdIo = new Io(io.out(), io.err(), io.env(), verbosity);
        if (words.isEmpty() || words.get(0).equals("--help") || words.get(0).equals("-h")
                || (words.get(0).equals("help") && words.size() == 1)) {
            (words.isEmpty() ? io.err() : io.out()).print(HELP);
            return words.isEmpty() ? USAGE : OK;
        }
        boolean helpFor = words.get(0).equals("help");
        String name = helpFor ? words.get(1) : words.get(0);
        Command c = commands.get(name);
        try {
            if (c == null) {
                throw new UsageException("roomwire: unknown command '" + name + "' (commands: "
                        + String.join(", ", commands.keySet()) + "; see 'roomwire --help')");
            }
            List<String> rest = words.subList(helpFor ? 2 : 1, words.size());
            if (helpFor || rest.contains("--help") || rest.contains("-h")) {
                io.out().print(c.usage() + "\n" + COMMON);
                return OK;
            }
            // Until a command reads its config file: the level from ROOMWIRE_AGENT_LOG_LEVEL and -v.
            configureLogging(defaultLevel(io.env()), Optional.empty(), verbosity);
            return c.run(rest, cmdIo);
        } catch (UsageException e) {
            io.err().println(e.getMessage());
            return USAGE;
        }
    }

    /**
     * Routes logs to standard error at the config's {@code agent.log-level}, raised by {@code -v}.
     * Every command that reads a config calls this before it does anything that logs.
     */
    public static void configureLogging(Config config, Io io) {
        configureLogging(config.get(AgentSettings.LOG_LEVEL), config.find(AgentSettings.DEVICE_ID), io.verbosity());
    }

    /** As {@link #configureLogging(Config, Io)}, with the device id known (the hardware serial for {@code run}). */
    public static void configureLogging(Config config, String deviceId, Io io) {
        configureLogging(config.get(AgentSettings.LOG_LEVEL), Optional.of(deviceId), io.verbosity());
    }

    private static void configureLogging(String configured, Optional<String> deviceId, int verbosity) {
        if (!LogSetup.configure(deviceId.orElse("-"), level(configured, verbosity)) && deviceId.isPresent()) {
            // another thread logged before the device was known (e.g. the Linux layer while it opened the hardware)
            Logger.info("Logging began before the device id was known: this run's lines say device=- for {}",
                    deviceId.get());
        }
    }

    /** The more verbose of the configured level and the one {@code -v} (debug) or {@code -vv} (trace) asks for. */
    static String level(String configured, int verbosity) {
        int asked = verbosity >= 2 ? 0 : verbosity == 1 ? 1 : LEVELS.size() - 1;
        int set = LEVELS.indexOf(configured);
        return LEVELS.get(Math.min(set < 0 ? LEVELS.indexOf("info") : set, asked));
    }

    private static final List<String> LEVELS = List.of("trace", "debug", "info", "warn", "error");

    /**
     * {@code agent.log-level} from its environment variable or its default, without parsing the whole
     * configuration: the command does that next (a second parse of every setting was ~5-10 ms of each start).
     */
    static String defaultLevel(Map<String, String> env) {
        Setting<String> level = AgentSettings.LOG_LEVEL;
        String v = env.getOrDefault(level.envName(), "").strip();
        try {
            return level.type().parse(v.isEmpty() ? level.defaultText() : v);
        } catch (IllegalArgumentException e) {
            return "info"; // the command reports the bad override when it loads its config
        }
    }

    private int config(List<String> words, Io io) throws UsageException {
        if (words.isEmpty()) {
            throw new UsageException(CONFIG_USAGE.strip());
        }
        String sub = words.get(0);
        List<String> rest = words.subList(1, words.size());
        switch (sub) {
            case "sample" -> {
                Args.parse("config sample", rest, Set.of(), Set.of()).expectPositional("config sample", 0, 0, "");
                io.out().print(Settings.sample());
                return OK;
            }
            case "check" -> {
                Args a = Args.parse("config check", rest, Set.of(), Set.of("--json"));
                a.expectPositional("config check", 1, 1, "FILE [--json]");
                Path file = Path.of(a.positional().get(0));
                try {
                    Config cfg = Config.load(file, io.env());
                    if (a.flag("--json")) {
                        JsonObject o = new JsonObject();
                        o.addProperty("ok", true);
                        o.addProperty("file", file.toString());
                        o.addProperty("keys", cfg.toMaskedMap().size());
                        o.add("problems", new JsonArray());
                        io.out().println(o);
                    } else {
                        io.out().println(file + ": OK (" + Settings.all().size() + " settings known)");
                    }
                    return OK;
                } catch (ConfigException e) {
                    if (a.flag("--json")) {
                        io.out().println(problemsJson(file, e.problems()));
                    } else {
                        io.err().println(e.getMessage());
                    }
                    return FAILED;
                }
            }
            default -> throw new UsageException("roomwire config: unknown sub-command '" + sub + "' (check, sample)");
        }
    }

    static JsonObject problemsJson(Path file, List<ConfigProblem> problems) {
        JsonObject o = new JsonObject();
        o.addProperty("ok", false);
        o.addProperty("file", file.toString());
        JsonArray arr = new JsonArray();
        for (ConfigProblem p : problems) {
            JsonObject j = new JsonObject();
            j.addProperty("source", p.source());
            j.addProperty("line", p.line());
            j.addProperty("key", p.key());
            j.addProperty("message", p.message());
            arr.add(j);
        }
        o.add("problems", arr);
        return o;
    }

    private static int version(List<String> words, Io io) throws UsageException {
        Args a = Args.parse("version", words, Set.of(), Set.of("--json"));
        a.expectPositional("version", 0, 0, "[--json]");
        if (a.flag("--json")) {
            JsonObject o = new JsonObject();
            o.addProperty("version", Version.get());
            o.addProperty("java", System.getProperty("java.version"));
            io.out().println(new GsonBuilder().create().toJson(o));
        } else {
            io.out().println("roomwire " + Version.get() + " (Java " + System.getProperty("java.version") + ")");
        }
        return OK;
    }

    /**
     * Loads the config named by {@code --config}, else the default file when it exists, else
     * defaults; environment overrides apply in every case.
     */
    public static Config loadConfig(Optional<String> configOption, Map<String, String> env) throws ConfigException {
        if (configOption.isPresent()) {
            return Config.load(Path.of(configOption.get()), env);
        }
        if (Files.isRegularFile(DEFAULT_CONFIG)) {
            return Config.load(DEFAULT_CONFIG, env);
        }
        return Config.defaults(env);
    }

    /** What to add to a state-directory failure: the key to fix, unless another process simply holds it. */
    public static String stateDirHint(java.io.IOException e) {
        return e instanceof io.roomwire.core.store.StateLock.StateLockedException ? ""
                : "; set " + io.roomwire.agent.config.AgentSettings.STATE_DIR.key() + " to a folder this user can write";
    }
}
