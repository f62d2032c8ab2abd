package io.roomwire.provisioning.mdm.syncml;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One SyncML command ({@code Alert}, {@code Status}, {@code Results}, {@code Get}, {@code Replace},
 * {@code Add}, {@code Delete}, {@code Exec}, {@code Atomic}, {@code Sequence}, or anything else a
 * server sends, kept by name so that it can be answered with 406).
 *
 * <p>{@code data} is the command-level {@code Data} (the alert code, the status code);
 * {@code msgRef}/{@code cmdRef}/{@code refCmd}/{@code targetRef} are set on {@code Status} and
 * {@code Results} only ({@code -1}/empty otherwise); {@code nested} holds the commands of an
 * {@code Atomic} or {@code Sequence}.
 */
public record SyncCommand(String name, int cmdId, Optional<String> data, List<SyncItem> items,
                          int msgRef, int cmdRef, String refCmd, String targetRef, List<SyncCommand> nested) {

    public static final String ALERT = "Alert";
    public static final String STATUS = "Status";
    public static final String RESULTS = "Results";
    public static final String GET = "Get";
    public static final String REPLACE = "Replace";
    public static final String ADD = "Add";
    public static final String DELETE = "Delete";
    public static final String EXEC = "Exec";
    public static final String ATOMIC = "Atomic";
    public static final String SEQUENCE = "Sequence";

    public SyncCommand {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(data, "data");
        items = List.copyOf(items);
        refCmd = Objects.requireNonNullElse(refCmd, "");
        targetRef = Objects.requireNonNullElse(targetRef, "");
        nested = List.copyOf(nested);
    }

    /** A plain command ({@code Get}, {@code Replace}, ...) with items. */
    public static SyncCommand of(String name, int cmdId, List<SyncItem> items) {
        return new SyncCommand(name, cmdId, Optional.empty(), items, -1, -1, "", "", List.of());
    }

    public static SyncCommand alert(int cmdId, String code, List<SyncItem> items) {
        return new SyncCommand(ALERT, cmdId, Optional.of(code), items, -1, -1, "", "", List.of());
    }

    public static SyncCommand container(String name, int cmdId, List<SyncCommand> nested) {
        return new SyncCommand(name, cmdId, Optional.empty(), List.of(), -1, -1, "", "", nested);
    }

    public static SyncCommand status(int cmdId, int msgRef, int cmdRef, String refCmd, String targetRef, int code) {
        return new SyncCommand(STATUS, cmdId, Optional.of(Integer.toString(code)), List.of(), msgRef, cmdRef, refCmd,
                targetRef, List.of());
    }

    public static SyncCommand results(int cmdId, int msgRef, int cmdRef, List<SyncItem> items) {
        return new SyncCommand(RESULTS, cmdId, Optional.empty(), items, msgRef, cmdRef, "", "", List.of());
    }

    public boolean isStatus() {
        return STATUS.equals(name);
    }

    /** The status code of a {@code Status}, or -1 when absent or not a number. */
    public int statusCode() {
        try {
            return Integer.parseInt(data.orElse("-1").trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** True for what a client must answer: anything but {@code Status} and {@code Results}. */
    public boolean needsStatus() {
        return !STATUS.equals(name) && !RESULTS.equals(name);
    }
}
