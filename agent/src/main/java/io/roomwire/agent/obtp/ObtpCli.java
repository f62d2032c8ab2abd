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

    @Override
    public int run(List<String> words, Cli.Io io) throws UsageException {
        if (words.isEmpty() || !words.get(0).equals("explain")) {
            throw new UsageException("usage: roomwire obtp explain --event FILE [--now INSTANT] [--config FILE] [--json]");
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
        return ObtpExplainCommand.run(event, now, a.flag("--json"), config, io.out());
    }
}
