package io.roomwire.agent.signin;

import io.roomwire.agent.cli.Args;
import io.roomwire.agent.cli.Cli;
import io.roomwire.agent.cli.UsageException;
import io.roomwire.agent.config.AgentSettings;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.config.ConfigException;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.store.FileStore;
import io.roomwire.core.store.StateLock;
import io.roomwire.core.time.Durations;
import io.roomwire.provisioning.entra.EntraConfig;
import io.roomwire.provisioning.entra.TerminalEnrollment;
import io.roomwire.provisioning.identity.DeviceIdentity;
import io.roomwire.provisioning.identity.IdentityException;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code roomwire enroll [--config FILE] [--force] [--max-wait DURATION] [--rekey]}: signs the room in
 * interactively (code, URL and QR code on the terminal), or with {@code --rekey} replaces the device key.
 */
public final class EnrollCommand implements Cli.Command {

    static final String USAGE = """
            usage: roomwire enroll [--config FILE] [--force] [--max-wait DURATION] [--rekey]

            Signs the room in to Entra ID: prints a code, its URL and a QR code, and waits for a person
            to sign in (needs entra.tenant and entra.client-id).
              --config FILE    the configuration (default /etc/roomwire/roomwire.properties when it
                               exists, else the built-in defaults; ROOMWIRE_* overrides apply)
              --force          sign in again even when the room is already enrolled
              --max-wait DURATION
                               give up when nobody has signed in after DURATION (default 30m)
              --rekey          replace the device key instead (then sign in and enroll in MDM again)
            """;

    @Override
    public String usage() {
        return USAGE;
    }

    @Override
    public int run(List<String> words, Cli.Io io) throws UsageException {
        Args a = Args.parse("enroll", words, Set.of("--config", "--max-wait"), Set.of("--force", "--rekey"));
        a.expectPositional("enroll", 0, 0, "[--config FILE] [--force] [--max-wait DURATION] [--rekey]");
        Duration maxWait;
        try {
            maxWait = a.option("--max-wait").map(Durations::parse).orElse(TerminalEnrollment.DEFAULT_MAX_WAIT);
        } catch (IllegalArgumentException e) {
            throw new UsageException("roomwire enroll: --max-wait: " + e.getMessage());
        }
        Config config;
        try {
            config = Cli.loadConfig(a.option("--config"), io.env());
        } catch (ConfigException e) {
            io.err().println("roomwire enroll: " + e.getMessage());
            return Cli.FAILED;
        }
        Cli.configureLogging(config, io);
        try (StateLock lock = StateLock.acquire(config.get(AgentSettings.STATE_DIR), "roomwire enroll")) {
            return enroll(a, config, maxWait, io);
        } catch (IOException e) {
            io.err().println("roomwire enroll: " + e.getMessage() + Cli.stateDirHint(e));
            return Cli.FAILED;
        }
    }

    private static int enroll(Args a, Config config, Duration maxWait, Cli.Io io) {
        String name = config.get(AgentSettings.DEVICE_NAME);
        if (a.flag("--rekey")) {
            try {
                DeviceIdentity id = DeviceIdentity.rekey(new FileStore(config.get(AgentSettings.STATE_DIR),
                        Clock.systemUTC()), Clock.systemUTC(), name);
                io.out().println("New device key " + id.fingerprint() + "; the room must sign in and enroll in MDM again.");
                return Cli.OK;
            } catch (IdentityException e) {
                io.err().println("roomwire enroll --rekey: " + e.getMessage());
                return Cli.FAILED;
            }
        }
        Optional<EntraConfig> entra;
        try {
            entra = SignIn.entraConfig(config);
        } catch (IllegalArgumentException e) {
            io.err().println("roomwire enroll: " + e.getMessage());
            return Cli.FAILED;
        }
        if (entra.isEmpty()) {
            io.err().println("roomwire enroll: sign-in is not configured: set " + EntraSettings.TENANT.key()
                    + " and " + EntraSettings.CLIENT_ID.key() + " (or " + EntraSettings.TENANT.envName() + " and "
                    + EntraSettings.CLIENT_ID.envName() + ")");
            return Cli.FAILED;
        }
        int code = TerminalEnrollment.run(entra.get(), config.get(AgentSettings.STATE_DIR), name, EventSink.none(),
                io.out(), io.err(), a.flag("--force"), maxWait);
        // TerminalEnrollment distinguishes its failures (2 setting, 3 declined, 4 timed out, 5 identity);
        // the CLI keeps 2 for a wrong command line, so every failure is 1 here and the reason is printed.
        return code == TerminalEnrollment.OK ? Cli.OK : Cli.FAILED;
    }
}
