package io.roomwire.agent.update;

import io.roomwire.agent.Version;
import io.roomwire.agent.cli.Args;
import io.roomwire.agent.cli.Cli;
import io.roomwire.agent.cli.UsageException;
import io.roomwire.agent.config.ConfigException;
import io.roomwire.updater.SlotStore;
import io.roomwire.updater.UpdateRefused;
import io.roomwire.updater.Updater;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@code roomwire update status | apply FILE|URL | rollback}: updates by hand at the device (docs/updates.md). */
public final class UpdateCli implements Cli.Command {

    static final String USAGE = """
            roomwire update status [--home DIR]           slots, versions, trial and last rollback
            roomwire update apply FILE|URL [--sha256 HEX] [--home DIR] [--config FILE]
                                                          verify and install a bundle into the other slot, on trial
                                                          (update.trial-timeout of the configuration: --config, else
                                                          /etc/roomwire/roomwire.properties when it exists, ROOMWIRE_*
                                                          overrides apply); then restart the service (systemctl restart roomwire)
            roomwire update rollback [--home DIR]         switch back to the other slot's committed build (refused when it
                                                          failed its trial or never committed); then restart the service
            Exit: 0 done, 1 refused or failed (the reason is printed), 2 usage.

            For operators, off the device (docs/updates.md, "Signing releases"):
            """ + ReleaseCli.USAGE;

    @Override
    public String usage() {
        return USAGE;
    }

    /**
     * Slots are written by the service's user (roomwire): files another user (root) left there could not be replaced by
     * the agent's next update, so a person runs the writing commands as that user.
     */
    private static boolean ownsPrefix(Path home, Cli.Io io) {
        try {
            String owner = java.nio.file.Files.getOwner(home).getName();
            String me = System.getProperty("user.name");
            if (!owner.equals(me)) {
                io.err().println("roomwire: " + home + " belongs to " + owner + ", not " + me + ": run it as that user (sudo -u "
                        + owner + " roomwire update ...) so the agent can replace the slot later");
                return false;
            }
            return true;
        } catch (java.io.IOException e) {
            io.err().println("roomwire: cannot read the owner of " + home + ": " + e.getMessage());
            return false;
        }
    }

    @Override
    public int run(List<String> words, Cli.Io io) throws UsageException {
        if (words.isEmpty()) {
            throw new UsageException(USAGE.strip());
        }
        if (ReleaseCli.COMMANDS.contains(words.get(0))) {
            return ReleaseCli.run(words, io);
        }
        Args a = Args.parse("update " + words.get(0), words.subList(1, words.size()), Set.of("--home", "--sha256", "--config"), Set.of());
        Path home = a.option("--home").map(Path::of).orElse(Optional.ofNullable(io.env().get("ROOMWIRE_HOME")).map(Path::of)
                .orElse(AgentUpdates.home()));
        SlotStore slots = new SlotStore(home);
        if (!slots.isSlotted()) {
            io.err().println("roomwire: " + home + " has no A/B slots (no 'current' link): updates need the slotted layout, see docs/updates.md");
            return 1;
        }
        try {
            switch (words.get(0)) {
                case "status" -> {
                    a.expectPositional("update status", 0, 0, "");
                    String cur = slots.currentSlot();
                    io.out().println("current: slot " + cur + " " + slots.version(cur).orElse("(no version stamp)"));
                    String other = slots.inactiveSlot();
                    io.out().println("other:   slot " + other + " " + slots.version(other).orElse("(empty)"));
                    Optional<Map<String, String>> trial = slots.trial();
                    io.out().println("trial:   " + trial.map(t -> "version " + t.get("version") + ", " + t.get("tries") + " start(s) left, "
                            + t.get("timeout") + " s to commit").orElse("none (committed)"));
                    String trust;
                    try {
                        io.roomwire.updater.TrustRoot root = new io.roomwire.updater.TrustStore(home.resolve("root.json")).root();
                        trust = "root v" + root.version() + (Clock.systemUTC().instant().isBefore(root.expires())
                                ? ", expires " + root.expires()
                                : ", EXPIRED " + root.expires() + ": bundles are refused (root_expired) until one carries a newer root it signed");
                    } catch (Exception e) {
                        trust = "none: " + e.getMessage() + " (updates are off until it is there)";
                    }
                    io.out().println("trust:   " + trust);
                    return Cli.OK;
                }
                case "apply" -> {
                    a.expectPositional("update apply", 1, 1, "FILE|URL [--sha256 HEX]");
                    if (!ownsPrefix(home, io)) {
                        return 1;
                    }
                    String src = a.positional().get(0);
                    // The trial's deadline goes into the trial record the launcher enforces: the agent's own setting, not a default.
                    Duration trialTimeout;
                    try {
                        trialTimeout = Cli.loadConfig(a.option("--config"), io.env()).get(UpdateSettings.TRIAL_TIMEOUT);
                    } catch (ConfigException e) {
                        io.err().println("roomwire: update apply needs the configuration for update.trial-timeout: " + e.getMessage()
                                + "\nfix it (roomwire config check) or name another with --config FILE; nothing was installed");
                        return 1;
                    }
                    Updater updater = AgentUpdates.updater(home, Version.get(), Clock.systemUTC(), trialTimeout);
                    Updater.Progress progress = (phase, done, total) -> { };
                    Updater.Installed i = src.startsWith("https://") || src.startsWith("http://")
                            ? updater.apply(URI.create(src), a.option("--sha256"), progress)
                            : updater.apply(Path.of(src), progress);
                    io.out().println("installed " + i.manifest().version() + " in slot " + i.slot() + " on trial ("
                            + trialTimeout.toSeconds() + " s to commit); restart the service to boot it (systemctl restart roomwire)");
                    return Cli.OK;
                }
                case "rollback" -> {
                    a.expectPositional("update rollback", 0, 0, "");
                    if (!ownsPrefix(home, io)) {
                        return 1;
                    }
                    String to;
                    try {
                        to = slots.rollbackNow();
                    } catch (java.io.IOException e) {
                        io.err().println("roomwire: rollback refused: " + e.getMessage());
                        return 1;
                    }
                    io.out().println("switched to slot " + to + " " + slots.version(to).orElse("")
                            + "; restart the service to run it (systemctl restart roomwire)");
                    return Cli.OK;
                }
                default -> throw new UsageException(USAGE.strip());
            }
        } catch (UpdateRefused e) {
            io.err().println("roomwire: update refused (" + e.reason().wire() + "): " + e.getMessage());
            return 1;
        } catch (UsageException e) {
            throw e;
        } catch (Exception e) {
            io.err().println("roomwire: update failed: " + e.getMessage());
            return 1;
        }
    }
}
