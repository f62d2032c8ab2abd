package io.roomwire.agent.call;

import io.roomwire.agent.device.DeviceFactory;
import io.roomwire.agent.cli.Args;
import io.roomwire.agent.cli.Cli;
import io.roomwire.agent.cli.UsageException;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.config.ConfigException;
import io.roomwire.core.time.Durations;
import io.roomwire.core.time.SystemScheduler;
import io.roomwire.sip.SipSettings;
import io.roomwire.sip.ua.DialCommand;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** {@code roomwire dial URI [--dtmf DIGITS] [--duration DURATION] [--config FILE] [--json]}: tests a gateway. */
public final class DialCli implements Cli.Command {

    static final String USAGE = """
            usage: roomwire dial URI [--dtmf DIGITS] [--duration DURATION] [--config FILE] [--json]

            Places a test call with the room's SIP settings (sip.*) and prints the outcome: setup time,
            who ended the call and the media counters.
              URI              sip:user@host, sips:user@host, or user@host (scheme from sip.transport)
              --dtmf DIGITS    send these digits once media flows (an IVR join), e.g. 123456789#
              --duration DURATION
                               stay in the call this long after it connects (default 10s)
              --config FILE    the configuration (default /etc/roomwire/roomwire.properties when it
                               exists, else the built-in defaults; ROOMWIRE_* overrides apply)
              --json           the outcome as one JSON object
            """;

    @Override
    public String usage() {
        return USAGE;
    }

    @Override
    public int run(List<String> words, Cli.Io io) throws UsageException {
        Args a = Args.parse("dial", words, Set.of("--dtmf", "--duration", "--config"), Set.of("--json"));
        a.expectPositional("dial", 1, 1, "URI [--dtmf DIGITS] [--duration DURATION] [--config FILE] [--json]");
        Duration duration;
        try {
            duration = Durations.parse(a.option("--duration").orElse("10s"));
        } catch (IllegalArgumentException e) {
            throw new UsageException("roomwire dial: --duration: " + e.getMessage());
        }
        Config config;
        SipSettings settings;
        io.roomwire.sip.dialplan.GatewayProfiles gateways;
        try {
            config = Cli.loadConfig(a.option("--config"), io.env());
            settings = SipAgentSettings.from(config);
            gateways = GatewaySettings.profiles(config);
        } catch (ConfigException e) {
            io.err().println("roomwire dial: " + e.getMessage());
            return Cli.FAILED;
        } catch (IllegalArgumentException e) {
            io.err().println("roomwire dial: " + e.getMessage());
            return Cli.FAILED;
        }
        Cli.configureLogging(config, io);
        try (SystemScheduler scheduler = new SystemScheduler(4)) {
            int code = new DialCommand(settings, scheduler, DeviceFactory.create(config, scheduler).codec())
                    .gatewayProfiles(gateways).run(a.positional().get(0), a.option("--dtmf"), duration, a.flag("--json"), io.out());
            return switch (code) {
                case DialCommand.CONNECTED -> Cli.OK;
                case DialCommand.USAGE -> Cli.USAGE;
                default -> Cli.FAILED;
            };
        }
    }

}
