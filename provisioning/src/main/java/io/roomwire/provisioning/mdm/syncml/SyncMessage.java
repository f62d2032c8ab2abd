package io.roomwire.provisioning.mdm.syncml;

import java.util.List;
import java.util.Objects;

/** One SyncML message; {@code fin} is the {@code <Final/>} that closes a package. */
public record SyncMessage(SyncHeader header, List<SyncCommand> commands, boolean fin) {

    public SyncMessage {
        Objects.requireNonNull(header, "header");
        commands = List.copyOf(commands);
    }

    /** True when the message carries a command that asks for an answer (not only Status/Results). */
    public boolean hasOperations() {
        return commands.stream().anyMatch(SyncCommand::needsStatus);
    }
}
