package io.roomwire.updater.hawkbit;

import io.roomwire.updater.SlotStore;
import io.roomwire.updater.UpdatePolicy;
import io.roomwire.updater.UpdateRefused;
import io.roomwire.updater.Updater;
import io.roomwire.core.store.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
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

    /** Under the update prefix: the hawkBit action being installed and its version ({@code <action id> <version>}). */
    public static final String PENDING = "hawkbit-action";

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
            Updater.Installed installed;
            try {
                installed = updater.apply(d.download(), headers, Optional.of(d.sha256()), (phase, done, total) -> {
                    if ("switch".equals(phase)) {
                        // Recorded before the pointer moves, so a device killed at any moment after the switch still knows
                        // this action is its trial's (a cancel is then rejected, and the trial's outcome closes it).
                        try {
                            AtomicFiles.write(slots.home().resolve(PENDING), d.actionId() + " " + d.version() + "\n");
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }
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
            } catch (UncheckedIOException | IOException e) {
                // the record could not be written, or the switch failed: unless the pointer moved, the old slot runs on,
                // the action stays open and the next poll tries again
                if (!Optional.of(d.version()).equals(slots.version(slots.currentSlot()))) {
                    Files.deleteIfExists(slots.home().resolve(PENDING));
                }
                throw e instanceof UncheckedIOException u ? u.getCause() : (IOException) e;
            }
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
        Optional<String> version = pendingVersion();
        if (rolledBack.isEmpty() && version.isPresent() && !version.equals(slots.version(slots.currentSlot()))) {
            // killed after the record, before the pointer moved: the old build runs and nothing is on trial; the
            // action stays open, so the next poll offers the deployment again and installs it
            Logger.warn("hawkBit action {}: the device stopped before switching to {}; installing it again", action.get(),
                    version.get());
            Files.deleteIfExists(slots.home().resolve(PENDING));
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

    /** The action whose build is (or is about to be) on trial: the record's first word. */
    private Optional<String> pendingAction() throws IOException {
        return pendingField(0);
    }

    /** The version that action installs: the record's second word (none in a record from before it had one). */
    private Optional<String> pendingVersion() throws IOException {
        return pendingField(1);
    }

    private Optional<String> pendingField(int i) throws IOException {
        Path p = slots.home().resolve(PENDING);
        if (!Files.exists(p)) {
            return Optional.empty();
        }
        String[] words = Files.readString(p).strip().split("\\s+");
        return i < words.length && !words[i].isEmpty() ? Optional.of(words[i]) : Optional.empty();
    }
}
