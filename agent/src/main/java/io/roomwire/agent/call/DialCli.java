package io.roomwire.agent.call;

import io.roomwire.agent.device.DeviceFactory;
import io.roomwire.agent.cli.Args;
import io.roomwire.agent.cli.Cli;
import io.roomwire.agent.cli.UsageException;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.config.ConfigException;
import io.roomwire.core.time.SystemScheduler;
import io.roomwire.sip.SipSettings;
import io.roomwire.sip.ua.DialCommand;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** {@code roomwire dial URI [--dtmf DIGITS] [--duration SECONDS] [--config FILE] [--json]}: tests a gateway. */
public final class DialCli implements Cli.Command {

    @Override
    public int run(List<String> words, Cli.Io io) throws UsageException {
        Args a = Args.parse("dial", words, Set.of("--dtmf", "--duration", "--config"), Set.of("--json"));
        a.expectPositional("dial", 1, 1, "URI [--dtmf DIGITS] [--duration SECONDS] [--config FILE] [--json]");
        Duration duration;
        try {
            duration = Duration.ofSeconds(Long.parseLong(a.option("--duration").orElse("10")));
        } catch (NumberFormatException e) {
            throw new UsageException("roomwire dial: --duration takes whole seconds");
        }
        Config config;
        SipSettings settings;
        try {
            config = Cli.loadConfig(a.option("--config"), io.env());
            settings = SipAgentSettings.from(config);
        } catch (ConfigException e) {
            io.err().println("roomwire dial: " + e.getMessage());
            return Cli.FAILED;
        } catch (IllegalArgumentException e) {
            io.err().println("roomwire dial: " + e.getMessage());
            return Cli.FAILED;
        }
        try (SystemScheduler scheduler = new SystemScheduler(4)) {
            int code = new DialCommand(settings, scheduler, DeviceFactory.create(config, scheduler).codec())
                    .run(a.positional().get(0), a.option("--dtmf"), duration, a.flag("--json"), io.out());
            return switch (code) {
                case DialCommand.CONNECTED -> Cli.OK;
                case DialCommand.USAGE -> Cli.USAGE;
                default -> Cli.FAILED;
            };
        }
    }

}
