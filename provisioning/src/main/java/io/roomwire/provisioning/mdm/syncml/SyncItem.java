package io.roomwire.provisioning.mdm.syncml;

import java.util.Objects;
import java.util.Optional;

/**
 * One {@code Item} of a SyncML command. Absent strings are empty ({@code ""}); data is
 * optional because an empty {@code <Data/>} and no {@code Data} element differ.
 */
public record SyncItem(String target, String source, String format, String type, Optional<String> data) {

    public SyncItem {
        target = Objects.requireNonNullElse(target, "");
        source = Objects.requireNonNullElse(source, "");
        format = Objects.requireNonNullElse(format, "");
        type = Objects.requireNonNullElse(type, "");
        Objects.requireNonNull(data, "data");
    }

    public static SyncItem target(String locUri) {
        return new SyncItem(locUri, "", "", "", Optional.empty());
    }

    public static SyncItem target(String locUri, String format, String data) {
        return new SyncItem(locUri, "", format, "", Optional.of(data));
    }

    public static SyncItem source(String locUri, String format, String data) {
        return new SyncItem("", locUri, format, "", Optional.of(data));
    }
}
