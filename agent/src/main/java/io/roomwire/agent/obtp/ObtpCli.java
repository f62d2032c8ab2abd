package io.roomwire.agent.obtp;

import io.roomwire.agent.cli.Args;
import io.roomwire.agent.cli.Cli;
import io.roomwire.agent.cli.UsageException;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.config.ConfigException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code roomwire obtp explain --event FILE [--now INSTANT] [--config FILE] [--json]}. Exit codes
 * (documented in docs/obtp.md): 0 a Join button, 1 no button (reasons printed), 2 an unusable
 * file or command line.
 */
public final class ObtpCli implements Cli.Command {

    static final String USAGE = """
            usage: roomwire obtp explain --event FILE [--now INSTANT] [--config FILE] [--json]

            Why a meeting has (or has no) Join button: the invitation's join targets, the chosen one
            and every rule applied (docs/obtp.md). Exit 0 a button, 1 no button, 2 an unusable file.
              --event FILE     one Microsoft Graph event as JSON
              --now INSTANT    the time to judge at, e.g. 2026-03-29T08:55:00Z (default now)
              --config FILE    the configuration (default /etc/roomwire/roomwire.properties when it
                               exists, else the built-in defaults; ROOMWIRE_* overrides apply)
              --json           the decision as one JSON object
            """;

    @Override
    public String usage() {
        return USAGE;
    }

    @Override
    public int run(List<String> words, Cli.Io io) throws UsageException {
        if (words.isEmpty() || !words.get(0).equals("explain")) {
            throw new UsageException(USAGE.strip());
        }
        Args a = Args.parse("obtp explain", words.subList(1, words.size()), Set.of("--event", "--now", "--config"),
                Set.of("--json"));
        a.expectPositional("obtp explain", 0, 0, "--event FILE [--now INSTANT] [--config FILE] [--json]");
        Path event = Path.of(a.option("--event").orElseThrow(
                () -> new UsageException("roomwire obtp explain: --event FILE is required (one Graph event as JSON)")));
        Optional<Instant> now;
        try {
            now = a.option("--now").map(Instant::parse);
        } catch (DateTimeParseException e) {
            throw new UsageException("roomwire obtp explain: --now takes an instant such as 2026-03-29T08:55:00Z");
        }
        Config config;
        try {
            config = Cli.loadConfig(a.option("--config"), io.env());
        } catch (ConfigException e) {
            io.err().println("roomwire obtp explain: " + e.getMessage());
            return Cli.FAILED;
        }
        Cli.configureLogging(config, io);
        return ObtpExplainCommand.run(event, now, a.flag("--json"), config, io.out());
    }
}
