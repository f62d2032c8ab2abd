package io.roomwire.agent.mdm;

import io.roomwire.agent.cli.Args;
import io.roomwire.agent.cli.Cli;
import io.roomwire.agent.cli.UsageException;
import io.roomwire.agent.config.AgentSettings;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.config.ConfigException;
import io.roomwire.agent.device.DeviceFactory;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.store.FileStore;
import io.roomwire.core.store.StateLock;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.DeviceInfo;
import io.roomwire.provisioning.identity.DeviceIdentity;
import io.roomwire.provisioning.identity.IdentityException;
import io.roomwire.provisioning.mdm.CheckInResult;
import io.roomwire.provisioning.mdm.MdmConfig;
import io.roomwire.provisioning.mdm.MdmService;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code roomwire mdm checkin [--config FILE] [--json]}: one OMA-DM session now with the stored
 * enrollment, printing its outcome, its cost on the wire and the compliance reported.
 */
public final class MdmCommand implements Cli.Command {

    static final String USAGE = """
            usage: roomwire mdm checkin [--config FILE] [--json]

            One OMA-DM session with the MDM service now, with the stored enrollment (needs
            mdm.enabled, mdm.discovery-url and mdm.upn): its outcome, its cost on the wire and the
            compliance reported.
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
        if (words.isEmpty() || !words.get(0).equals("checkin")) {
            throw new UsageException(USAGE.strip());
        }
        Args a = Args.parse("mdm checkin", words.subList(1, words.size()), Set.of("--config"), Set.of("--json"));
        a.expectPositional("mdm checkin", 0, 0, "[--config FILE] [--json]");
        Config config;
        Optional<MdmConfig> mdm;
        try {
            config = Cli.loadConfig(a.option("--config"), io.env());
            mdm = DeviceManagement.mdmConfig(config);
        } catch (ConfigException e) {
            io.err().println("roomwire mdm checkin: " + e.getMessage());
            return Cli.FAILED;
        }
        Cli.configureLogging(config, io);
        if (mdm.isEmpty()) {
            io.err().println("roomwire mdm checkin: MDM is off; set mdm.enabled = true, mdm.discovery-url and mdm.upn");
            return Cli.FAILED;
        }
        try (StateLock lock = StateLock.acquire(config.get(AgentSettings.STATE_DIR), "roomwire mdm checkin")) {
            return checkIn(a, config, mdm.get(), io);
        } catch (IOException e) {
            io.err().println("roomwire mdm checkin: " + e.getMessage() + Cli.stateDirHint(e));
            return Cli.FAILED;
        }
    }

    private static int checkIn(Args a, Config config, MdmConfig mdmConfig, Cli.Io io) {
        // A scheduler that never moves: start() only loads the enrollment; the one session runs here.
        VirtualScheduler scheduler = new VirtualScheduler(Clock.systemUTC().instant());
        FileStore store = new FileStore(config.get(AgentSettings.STATE_DIR), scheduler.clock());
        DeviceIdentity identity;
        try {
            identity = DeviceIdentity.loadOrCreate(store, scheduler.clock(), config.get(AgentSettings.DEVICE_NAME));
        } catch (IdentityException e) {
            io.err().println("roomwire mdm checkin: " + e.getMessage());
            return Cli.FAILED;
        }
        DeviceInfo info = DeviceFactory.create(config, scheduler).info();
        // No banner from the command line: compliance is printed below.
        MdmService service = MdmService.builder().config(mdmConfig).scheduler(scheduler).store(store).identity(identity)
                .device(info).token(Optional::empty).banner(text -> { }).events(EventSink.none())
                .calendarStaleness(Optional::empty).build();
        service.start();
        CheckInResult r;
        try {
            r = service.checkInNow();
        } finally {
            service.stop();
        }
        if (a.flag("--json")) {
            io.out().println(DeviceManagement.toJson(r));
        } else {
            io.out().printf("%s: %s (%d round trips, %d B sent, %d B received, %d commands)%n",
                    r.outcome(), r.message(), r.roundTrips(), r.bytesSent(), r.bytesReceived(), r.commands());
            r.compliance().ifPresent(c -> io.out().println(c.compliant() ? "Compliant" : "Not compliant: " + c.reasons()));
        }
        return r.ok() ? Cli.OK : Cli.FAILED;
    }
}
