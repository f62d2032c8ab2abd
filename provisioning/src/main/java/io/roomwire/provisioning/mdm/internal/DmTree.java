package io.roomwire.provisioning.mdm.internal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The OMA-DM management tree: leaves backed by suppliers (read-only), leaves with a validating
 * setter (read-write), and executable nodes; interior nodes follow from the leaves' paths. Every
 * operation returns an OMA-DM status code (200, 404, 405, 418, 500).
 */
public final class DmTree {

    public static final int OK = 200;
    public static final int NOT_FOUND = 404;
    public static final int NOT_ALLOWED = 405;
    public static final int NOT_SUPPORTED = 406;
    public static final int ALREADY_EXISTS = 418;
    public static final int FAILED = 500;

    /** The value of a Get: status, meta format and data. */
    public record Value(int status, String format, String data) {
    }

    /**
     * A leaf. {@code setter} (may be null: read-only) returns a status for a new value; the empty
     * string means "unset", which makes the node deletable and addable.
     */
    private record Leaf(String format, Supplier<String> getter, Function<String, Integer> setter,
                        Function<Optional<String>, Integer> exec) {
    }

    private final Map<String, Leaf> leaves = new TreeMap<>();

    public DmTree leaf(String path, String format, Supplier<String> getter) {
        leaves.put(norm(path), new Leaf(format, getter, null, null));
        return this;
    }

    public DmTree writable(String path, String format, Supplier<String> getter, Function<String, Integer> setter) {
        leaves.put(norm(path), new Leaf(format, getter, setter, null));
        return this;
    }

    public DmTree exec(String path, Function<Optional<String>, Integer> action) {
        leaves.put(norm(path), new Leaf("null", () -> "", null, action));
        return this;
    }

    /** Normalises {@code ./A/B/}, {@code A/B} and {@code ./A//B} to {@code ./A/B}; empty for a bad path. */
    static Optional<String> normalise(String uri) {
        String p = uri.trim();
        if (p.startsWith("./")) {
            p = p.substring(2);
        } else if (p.equals(".")) {
            p = "";
        }
        List<String> parts = new ArrayList<>();
        for (String s : p.split("/")) {
            if (s.isEmpty()) {
                continue;
            }
            if (s.equals(".") || s.equals("..") || s.length() > 128) {
                return Optional.empty();
            }
            parts.add(s);
        }
        return Optional.of(parts.isEmpty() ? "." : "./" + String.join("/", parts));
    }

    private static String norm(String path) {
        return normalise(path).orElseThrow(() -> new IllegalArgumentException("bad node path " + path));
    }

    public Value get(String uri) {
        Optional<String> p = normalise(uri);
        if (p.isEmpty()) {
            return new Value(NOT_FOUND, "", "");
        }
        Leaf l = leaves.get(p.get());
        if (l != null) {
            if (l.exec != null) {
                return new Value(NOT_ALLOWED, "", "");
            }
            return new Value(OK, l.format, l.getter.get());
        }
        Set<String> kids = children(p.get());
        if (kids.isEmpty()) {
            return new Value(NOT_FOUND, "", "");
        }
        return new Value(OK, "node", String.join("/", kids));
    }

    public int replace(String uri, String data) {
        Optional<Leaf> l = find(uri);
        if (l.isEmpty()) {
            return isInterior(uri) ? NOT_ALLOWED : NOT_FOUND;
        }
        return l.get().setter == null ? NOT_ALLOWED : l.get().setter.apply(data);
    }

    public int add(String uri, String data) {
        Optional<Leaf> l = find(uri);
        if (l.isEmpty()) {
            return isInterior(uri) ? ALREADY_EXISTS : NOT_FOUND;
        }
        if (l.get().setter == null) {
            return NOT_ALLOWED;
        }
        return l.get().getter.get().isEmpty() ? l.get().setter.apply(data) : ALREADY_EXISTS;
    }

    public int delete(String uri) {
        Optional<Leaf> l = find(uri);
        if (l.isEmpty()) {
            return isInterior(uri) ? NOT_ALLOWED : NOT_FOUND;
        }
        if (l.get().setter == null) {
            return NOT_ALLOWED;
        }
        return l.get().getter.get().isEmpty() ? NOT_FOUND : l.get().setter.apply("");
    }

    public int exec(String uri, Optional<String> data) {
        Optional<Leaf> l = find(uri);
        if (l.isEmpty()) {
            return isInterior(uri) ? NOT_ALLOWED : NOT_FOUND;
        }
        return l.get().exec == null ? NOT_ALLOWED : l.get().exec.apply(data);
    }

    private Optional<Leaf> find(String uri) {
        return normalise(uri).map(leaves::get);
    }

    private boolean isInterior(String uri) {
        return normalise(uri).map(p -> !children(p).isEmpty()).orElse(false);
    }

    private Set<String> children(String interior) {
        String prefix = interior.equals(".") ? "./" : interior + "/";
        Set<String> out = new LinkedHashSet<>();
        for (String k : ((TreeMap<String, Leaf>) leaves).tailMap(prefix, true).keySet()) {
            if (!k.startsWith(prefix)) {
                break;
            }
            String rest = k.substring(prefix.length());
            int slash = rest.indexOf('/');
            out.add(slash < 0 ? rest : rest.substring(0, slash));
        }
        return out;
    }
}
