package io.roomwire.hal.linux;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** os-release(5): KEY=value lines, values optionally quoted with shell escapes. */
final class OsRelease {

    private final Map<String, String> fields;

    private OsRelease(Map<String, String> fields) {
        this.fields = fields;
    }

    static OsRelease parse(String text) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            int eq = line.indexOf('=');
            if (line.isEmpty() || line.startsWith("#") || eq <= 0) {
                continue;
            }
            String key = line.substring(0, eq);
            if (!key.matches("[A-Z][A-Z0-9_]*")) {
                continue;
            }
            m.put(key, unquote(line.substring(eq + 1)));
        }
        return new OsRelease(m);
    }

    Optional<String> get(String key) {
        String v = fields.get(key);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v);
    }

    boolean isEmpty() {
        return fields.isEmpty();
    }

    private static String unquote(String v) {
        if (v.length() >= 2 && (v.charAt(0) == '"' || v.charAt(0) == '\'') && v.charAt(v.length() - 1) == v.charAt(0)) {
            String inner = v.substring(1, v.length() - 1);
            // os-release(5): within double quotes, \ escapes $ " \ and `
            return v.charAt(0) == '"' ? inner.replaceAll("\\\\([$\"\\\\`])", "$1") : inner;
        }
        return v;
    }
}
