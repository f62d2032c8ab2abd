package io.roomwire.provisioning.mdm.internal;

import io.roomwire.core.net.JsonNestingLimit;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import io.roomwire.provisioning.mdm.CompliancePolicy;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.tinylog.Logger;

/**
 * The policy node values the server wrote ({@code ./Vendor/Roomwire/Policy/*}), validated on
 * write, with snapshots for {@code Atomic} roll-back. Thread-safe.
 */
public final class PolicyState {

    public static final List<String> NODES = List.of(CompliancePolicy.MINIMUM_FIRMWARE, CompliancePolicy.REQUIRE_ENCRYPTION,
            CompliancePolicy.BLOCK_DEBUG_MODE, CompliancePolicy.MAX_CALENDAR_STALENESS);

    private final Map<String, String> values = new LinkedHashMap<>();
    private boolean dirty;

    public PolicyState() {
        NODES.forEach(n -> values.put(n, ""));
    }

    public synchronized String get(String node) {
        return values.getOrDefault(node, "");
    }

    /** Sets a node; "" unsets it. Returns 200, or 500 for a value the node cannot take. */
    public synchronized int set(String node, String raw) {
        String v = raw == null ? "" : raw.trim();
        Optional<String> problem = v.isEmpty() ? Optional.empty() : validate(node, v);
        if (problem.isPresent()) {
            Logger.warn("MDM wrote an invalid value to policy {}: {}", node, problem.get());
            return DmTree.FAILED;
        }
        String n = v.isEmpty() ? "" : normalise(node, v);
        if (!n.equals(values.put(node, n))) {
            dirty = true;
        }
        return DmTree.OK;
    }

    private static Optional<String> validate(String node, String v) {
        return switch (node) {
            case CompliancePolicy.MINIMUM_FIRMWARE -> v.matches("[0-9A-Za-z.+_-]{1,40}") ? Optional.empty()
                    : Optional.of("not a firmware version");
            case CompliancePolicy.REQUIRE_ENCRYPTION, CompliancePolicy.BLOCK_DEBUG_MODE ->
                    v.matches("(?i)true|false|1|0") ? Optional.empty() : Optional.of("not a boolean");
            case CompliancePolicy.MAX_CALENDAR_STALENESS -> v.matches("\\d{1,6}") && Integer.parseInt(v) > 0
                    ? Optional.empty() : Optional.of("not a number of minutes (1..999999)");
            default -> Optional.of("unknown policy");
        };
    }

    private static String normalise(String node, String v) {
        if (node.equals(CompliancePolicy.REQUIRE_ENCRYPTION) || node.equals(CompliancePolicy.BLOCK_DEBUG_MODE)) {
            return Boolean.toString(v.equals("1") || v.equalsIgnoreCase("true"));
        }
        return v;
    }

    public synchronized Map<String, String> snapshot() {
        return new LinkedHashMap<>(values);
    }

    public synchronized void restore(Map<String, String> snapshot) {
        if (!values.equals(snapshot)) {
            values.clear();
            values.putAll(snapshot);
            dirty = true;
        }
    }

    /** True once after a change (the caller then persists it). */
    public synchronized boolean takeDirty() {
        boolean d = dirty;
        dirty = false;
        return d;
    }

    public synchronized CompliancePolicy policy() {
        String fw = values.get(CompliancePolicy.MINIMUM_FIRMWARE);
        String max = values.get(CompliancePolicy.MAX_CALENDAR_STALENESS);
        return new CompliancePolicy(fw.isEmpty() ? Optional.empty() : Optional.of(fw),
                "true".equals(values.get(CompliancePolicy.REQUIRE_ENCRYPTION)),
                "true".equals(values.get(CompliancePolicy.BLOCK_DEBUG_MODE)),
                max.isEmpty() ? Optional.empty() : Optional.of(Duration.ofMinutes(Long.parseLong(max))));
    }

    public synchronized String toJson() {
        return new Gson().toJson(values);
    }

    /** Loads stored values; unknown or invalid entries are dropped with a warning. */
    public synchronized void loadJson(String json) {
        JsonObject o = JsonNestingLimit.parseObject(json);
        for (String k : o.keySet()) {
            if (!NODES.contains(k) || set(k, o.get(k).getAsString()) != DmTree.OK) {
                Logger.warn("Ignoring stored MDM policy entry '{}'", k.toLowerCase(Locale.ROOT));
            }
        }
        dirty = false;
    }
}
