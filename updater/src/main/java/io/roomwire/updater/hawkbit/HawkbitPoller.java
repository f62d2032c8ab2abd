package io.roomwire.updater.hawkbit;

import io.roomwire.updater.SlotStore;
import io.roomwire.updater.UpdatePolicy;
import io.roomwire.updater.UpdateRefused;
import io.roomwire.updater.Updater;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tinylog.Logger;

/**
 * One hawkBit controller on the device: each {@link #pollOnce()} reads the controller base and acts on it.
 * A deployment is installed (feedback proceeding with progress, then closed/failure on a refusal); after the
 * restart into the new slot, {@link #reportAfterBoot()} closes the action with success once the slot committed,
 * or failure with the launcher's rollback reason. A cancellation is confirmed unless the slot already switched; then
 * it is rejected (DDI: cannot be fulfilled at this point), the server runs the action on and the trial closes it.
 */
public final class HawkbitPoller {

    /** What to do once a new slot is on trial: the agent exits for systemd to restart it into the slot. */
    @FunctionalInterface
    public interface Restart {
        void restartIntoNewSlot(String version);
    }

    static final String PENDING = "hawkbit-action";

    private final DdiClient ddi;
    private final Updater updater;
    private final UpdatePolicy policy;
    private final SlotStore slots;
    private final Restart restart;

    public HawkbitPoller(DdiClient ddi, Updater updater, UpdatePolicy policy, SlotStore slots, Restart restart) {
        this.ddi = ddi;
        this.updater = updater;
        this.policy = policy;
        this.slots = slots;
        this.restart = restart;
    }

    /** Polls once; returns how long to wait before the next poll (the server's sleep). */
    public Duration pollOnce() throws IOException, InterruptedException {
        DdiClient.Poll poll = ddi.poll();
        if (poll.cancelAction().isPresent()) {
            DdiClient.Cancel c = ddi.cancel(poll.cancelAction().get());
            if (pendingAction().filter(c.stopId()::equals).isPresent()) {
                // The slot already switched: past the point of no return, so DDI "rejected" (cannot be fulfilled at this
                // point); hawkBit runs the action on, and reportAfterBoot closes it by the trial's outcome.
                ddi.cancelFeedback(c.cancelId(), "rejected", "none", List.of("already installed; the trial boot decides"));
            } else {
                ddi.cancelFeedback(c.cancelId(), "closed", "success", List.of("cancelled before installation"));
                Logger.info("hawkBit action {} cancelled by the server before installation", c.stopId());
            }
            return poll.sleep();
        }
        if (poll.deploymentBase().isEmpty()) {
            return poll.sleep();
        }
        DdiClient.Deployment d = ddi.deployment(poll.deploymentBase().get());
        if (pendingAction().filter(d.actionId()::equals).isPresent()) {
            return poll.sleep(); // installed already; waiting for the trial's outcome
        }
        Optional<String> blocker = policy.blocker();
        if (blocker.isPresent()) {
            ddi.feedback(d.actionId(), "proceeding", "none", 0, 0, List.of("waiting for " + blocker.get()));
            return poll.sleep();
        }
        ddi.feedback(d.actionId(), "proceeding", "none", 0, 4, List.of("downloading " + d.version()));
        try {
            int[] lastStep = {0};
            try {
                ddi.checkArtifactLink(d.download());
            } catch (IOException e) {
                throw new UpdateRefused(UpdateRefused.Reason.DOWNLOAD_FAILED, e.getMessage(), e);
            }
            Map<String, String> headers = ddi.downloadHeaders(d.download()); // the token only for the server's own links
            Updater.Installed installed = updater.apply(d.download(), headers, Optional.of(d.sha256()), (phase, done, total) -> {
                int step = switch (phase) {
                    case "download" -> 1;
                    case "verify", "unpack" -> 2;
                    case "switch" -> 3;
                    default -> lastStep[0];
                };
                if (step > lastStep[0]) {
                    lastStep[0] = step;
                    try {
                        ddi.feedback(d.actionId(), "proceeding", "none", step, 4, List.of(phase));
                    } catch (IOException e) {
                        Logger.info("hawkBit progress feedback failed: {}", e.getMessage());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            Files.writeString(slots.home().resolve(PENDING), d.actionId() + "\n");
            ddi.feedback(d.actionId(), "proceeding", "none", 4, 4, List.of("installed in slot " + installed.slot() + ", restarting on trial"));
            restart.restartIntoNewSlot(installed.manifest().version());
        } catch (UpdateRefused e) {
            ddi.feedback(d.actionId(), "closed", "failure", 0, 0, List.of(e.reason().wire() + ": " + e.getMessage()));
            Logger.warn("hawkBit action {} refused: {}", d.actionId(), e.getMessage());
        }
        return poll.sleep();
    }

    /**
     * After a start: closes a pending action with success when the slot it installed committed, or with failure and
     * the reason when the launcher rolled back. {@code rolledBack} is what {@link SlotStore#takeRolledBack()} gave.
     */
    public void reportAfterBoot(Optional<Map<String, String>> rolledBack) throws IOException, InterruptedException {
        Optional<String> action = pendingAction();
        if (action.isEmpty()) {
            return;
        }
        if (rolledBack.isPresent()) {
            ddi.feedback(action.get(), "closed", "failure", 0, 0, List.of("rolled back: " + rolledBack.get().get("reason")));
        } else if (slots.trial().isEmpty()) {
            ddi.feedback(action.get(), "closed", "success", 0, 0, List.of("running " + updater.identity().version() + ", committed"));
        } else {
            return; // still on trial
        }
        Files.deleteIfExists(slots.home().resolve(PENDING));
    }

    private Optional<String> pendingAction() throws IOException {
        Path p = slots.home().resolve(PENDING);
        return Files.exists(p) ? Optional.of(Files.readString(p).strip()) : Optional.empty();
    }
}
