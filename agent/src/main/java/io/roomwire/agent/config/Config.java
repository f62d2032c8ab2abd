package io.roomwire.agent.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A validated configuration: the properties file, then {@code ROOMWIRE_*} environment overrides,
 * then defaults. Every key must be a known {@link Setting}; every value must parse. All problems
 * are collected with their line numbers so that one {@code config check} shows them all.
 */
public final class Config {

    private final Map<String, Setting<?>> settings;
    private final Map<String, Object> values;
    private final Map<String, String> texts;

    private Config(Map<String, Setting<?>> settings, Map<String, Object> values, Map<String, String> texts) {
        this.settings = settings;
        this.values = values;
        this.texts = texts;
    }

    /** Only defaults (and environment overrides when given). */
    public static Config defaults(Map<String, String> env) throws ConfigException {
        return parse("(defaults)", "", env, Settings.all());
    }

    public static Config load(Path file, Map<String, String> env) throws ConfigException {
        return load(file, env, Settings.all());
    }

    public static Config load(Path file, Map<String, String> env, List<Setting<?>> known) throws ConfigException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(List.of(new ConfigProblem(file.toString(), 0, "", "file not found")));
        } catch (IOException e) {
            throw new ConfigException(List.of(new ConfigProblem(file.toString(), 0, "", "cannot read: " + e.getMessage())));
        }
        return parse(file.toString(), text, env, known);
    }

    /** Parses properties text; {@code source} names it in messages. */
    public static Config parse(String source, String text, Map<String, String> env, List<Setting<?>> known)
            throws ConfigException {
        Map<String, Setting<?>> byKey = new LinkedHashMap<>();
        known.forEach(s -> byKey.put(s.key(), s));
        List<ConfigProblem> problems = new ArrayList<>();
        Map<String, String> raw = new HashMap<>();
        Map<String, Integer> lineOf = new HashMap<>();

        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            int lineNo = i + 1;
            if (line.isEmpty() || line.startsWith("#") || line.startsWith("!")) {
                continue;
            }
            int sep = indexOfSeparator(line);
            if (sep < 0) {
                problems.add(new ConfigProblem(source, lineNo, "", "expected 'key = value', got '" + abbreviate(line) + "'"));
                continue;
            }
            String key = line.substring(0, sep).strip();
            String value = line.substring(sep + 1).strip();
            if (!byKey.containsKey(key)) {
                problems.add(new ConfigProblem(source, lineNo, key, "unknown key" + suggestion(key, byKey.keySet())));
                continue;
            }
            if (lineOf.containsKey(key)) {
                problems.add(new ConfigProblem(source, lineNo, key, "given twice (first on line " + lineOf.get(key) + ")"));
                continue;
            }
            raw.put(key, value);
            lineOf.put(key, lineNo);
        }
        for (Setting<?> s : known) {
            String v = env.get(s.envName());
            if (v != null) {
                raw.put(s.key(), v.strip());
                lineOf.put(s.key(), -1);
            }
        }

        Map<String, Object> values = new HashMap<>();
        Map<String, String> texts = new HashMap<>();
        for (Setting<?> s : known) {
            String v = raw.get(s.key());
            int lineNo = lineOf.getOrDefault(s.key(), 0);
            String from = lineNo == -1 ? "environment " + s.envName() : source;
            if (v == null || v.isEmpty()) {
                if (s.defaultText() != null) {
                    values.put(s.key(), s.type().parse(s.defaultText()));
                    texts.put(s.key(), s.defaultText());
                } else if (s.required()) {
                    problems.add(new ConfigProblem(from, Math.max(lineNo, 0), s.key(),
                            "required value missing (" + s.doc() + "; set it in the file or " + s.envName() + ")"));
                }
                continue;
            }
            try {
                values.put(s.key(), s.type().parse(v));
                texts.put(s.key(), v);
            } catch (IllegalArgumentException e) {
                problems.add(new ConfigProblem(from, Math.max(lineNo, 0), s.key(), e.getMessage()));
            }
        }
        if (!problems.isEmpty()) {
            problems.sort((a, b) -> Integer.compare(a.line(), b.line()));
            throw new ConfigException(problems);
        }
        return new Config(byKey, values, texts);
    }

    /** The value of a setting that has a default or is required. */
    @SuppressWarnings("unchecked")
    public <T> T get(Setting<T> s) {
        Object v = values.get(s.key());
        if (v == null) {
            throw new IllegalStateException("Setting " + s.key() + " has no value and no default; use find()");
        }
        return (T) v;
    }

    @SuppressWarnings("unchecked")
    public <T> Optional<T> find(Setting<T> s) {
        return Optional.ofNullable((T) values.get(s.key()));
    }

    /** Every key with its value as text; secrets masked. */
    public Map<String, String> toMaskedMap() {
        Map<String, String> m = new TreeMap<>();
        for (Setting<?> s : settings.values()) {
            String t = texts.get(s.key());
            if (t != null) {
                m.put(s.key(), s.secret() ? "***" : t);
            }
        }
        return Collections.unmodifiableMap(m);
    }

    /** The setting for a key, if known. */
    public Optional<Setting<?>> setting(String key) {
        return Optional.ofNullable(settings.get(key));
    }

    /**
     * This configuration with {@code changes} applied (validated like a file); used by
     * {@code config.set}. Environment overrides are not re-applied.
     */
    public Config with(Map<String, String> changes) throws ConfigException {
        Map<String, String> merged = new TreeMap<>(texts);
        merged.putAll(changes);
        StringBuilder sb = new StringBuilder();
        merged.forEach((k, v) -> sb.append(k).append(" = ").append(v).append('\n'));
        return parse("(change)", sb.toString(), Map.of(), List.copyOf(settings.values()));
    }

    /** The non-default values as properties text (for writing a changed config back). */
    public String toPropertiesText() {
        StringBuilder sb = new StringBuilder("# Written by roomwire; see 'roomwire config sample' for every key.\n");
        new TreeMap<>(texts).forEach((k, v) -> {
            Setting<?> s = settings.get(k);
            if (s != null && !v.equals(s.defaultText())) {
                sb.append(k).append(" = ").append(v).append('\n');
            }
        });
        return sb.toString();
    }

    /** Keys never hold '=' or ':', values may (URIs), so the first '=' wins, else the first ':'. */
    private static int indexOfSeparator(String line) {
        int eq = line.indexOf('=');
        return eq >= 0 ? eq : line.indexOf(':');
    }

    private static String suggestion(String key, java.util.Set<String> known) {
        String best = null;
        int bestD = 4;
        for (String k : known) {
            int d = distance(key, k);
            if (d < bestD) {
                bestD = d;
                best = k;
            }
        }
        return best == null ? "" : " (did you mean " + best + "?)";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1], prev[j]) + 1, prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }
}
