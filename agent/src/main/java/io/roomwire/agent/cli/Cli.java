package io.roomwire.agent.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.roomwire.agent.Version;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.config.ConfigException;
import io.roomwire.agent.config.ConfigProblem;
import io.roomwire.agent.config.Settings;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code roomwire} command line. Exit codes: 0 success, 1 the operation failed (bad config,
 * enrollment refused, call failed), 2 the command line itself is wrong.
 */
public final class Cli {

    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;

    public static final Path DEFAULT_CONFIG = Path.of("/etc/roomwire/roomwire.properties");

    static final String HELP = """
            usage: roomwire <command> [options]

              run [--config FILE] [--status-every DURATION]
                                       run the agent until SIGTERM
              enroll [--config FILE] [--force] [--max-wait DURATION] [--rekey]
                                       sign the room in to Entra ID (code + QR on the terminal);
                                       --rekey replaces the device key (then sign in again)
              obtp explain --event FILE [--now INSTANT] [--json]
                                       why a meeting has (or has no) Join button
                                       (exit 0 button, 1 no button, 2 unusable file)
              dial URI [--dtmf DIGITS] [--duration SECONDS] [--json]
                                       place a test call to a gateway; prints the outcome
              ctl --broker URL [--cafile F --cert F --key F --sign-key F] --device ID COMMAND [key=value ...] [--json]
              ctl --broker URL [...] fleet
                                       manage rooms over MQTT (docs/mqtt-api.md)
              mdm checkin [--config FILE] [--json]
                                       one MDM check-in now: outcome, bytes, compliance
              config check FILE [--json]
                                       validate a config file; every problem with its line
              config sample            print a documented sample config
              version [--json]         print the version

            Every command reads ROOMWIRE_* environment overrides (see 'roomwire config sample').
            Exit codes: 0 ok, 1 failed, 2 bad command line.
            """;

    /** A sub-command: its words after the command name. */
    @FunctionalInterface
    public interface Command {
        int run(List<String> words, Io io) throws UsageException;
    }

    /** Streams and environment, injected so that tests can run the CLI in-process. */
    public record Io(PrintStream out, PrintStream err, Map<String, String> env) { }

    private final Map<String, Command> commands;

    public Cli(Map<String, Command> extra) {
        Map<String, Command> m = new java.util.LinkedHashMap<>();
        m.put("config", this::config);
        m.put("version", Cli::version);
        m.putAll(extra);
        this.commands = m;
    }

    public int run(String[] argv, Io io) {
        List<String> words = List.of(argv);
        if (words.isEmpty() || words.get(0).equals("--help") || words.get(0).equals("-h") || words.get(0).equals("help")) {
            (words.isEmpty() ? io.err() : io.out()).print(HELP + extraHelp());
            return words.isEmpty() ? USAGE : OK;
        }
        Command c = commands.get(words.get(0));
        try {
            if (c == null) {
                throw new UsageException("roomwire: unknown command '" + words.get(0) + "' (commands: "
                        + String.join(", ", commands.keySet()) + "; see 'roomwire --help')");
            }
            return c.run(words.subList(1, words.size()), io);
        } catch (UsageException e) {
            io.err().println(e.getMessage());
            return USAGE;
        }
    }

    private String extraHelp() {
        return "";
    }

    private int config(List<String> words, Io io) throws UsageException {
        if (words.isEmpty()) {
            throw new UsageException("usage: roomwire config check FILE [--json] | roomwire config sample");
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
