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

    /** Longest line a config file may hold; longer ones are reported, not parsed. */
    static final int MAX_LINE = 8192;
    /** Largest config file read: a real one is a few kilobytes. */
    static final long MAX_FILE = 1024 * 1024;

    private final Map<String, Setting<?>> settings;
    private final Map<String, Object> values;
    private final Map<String, String> texts;
    /** The values the file itself gave (no defaults, no environment): what a write-back may contain. */
    private final Map<String, String> fileTexts;
    /** The environment overrides in force, by key: never written back, re-applied by {@link #with}. */
    private final Map<String, String> envTexts;

    private Config(Map<String, Setting<?>> settings, Map<String, Object> values, Map<String, String> texts,
                   Map<String, String> fileTexts, Map<String, String> envTexts) {
        this.settings = settings;
        this.values = values;
        this.texts = texts;
        this.fileTexts = fileTexts;
        this.envTexts = envTexts;
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
            long size = Files.size(file);
            if (size > MAX_FILE) {
                throw new ConfigException(List.of(new ConfigProblem(file.toString(), 0, "", size + " bytes is more than "
                        + MAX_FILE + " for a config file; is it the right file?")));
            }
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
        List<Setting<?>> patterns = known.stream().filter(Setting::isPattern).toList();
        List<ConfigProblem> problems = new ArrayList<>();
        Map<String, String> raw = new HashMap<>();
        Map<String, Integer> lineOf = new HashMap<>();
        Map<String, String> fileTexts = new TreeMap<>();
        Map<String, String> envTexts = new TreeMap<>();

        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            int lineNo = i + 1;
            if (line.isEmpty() || line.startsWith("#") || line.startsWith("!")) {
                continue;
            }
            if (line.length() > MAX_LINE) {
                problems.add(new ConfigProblem(source, lineNo, "", "line of " + line.length() + " characters is longer than "
                        + MAX_LINE + "; a setting is one short line"));
                continue;
            }
            int sep = indexOfSeparator(line);
            if (sep < 0) {
                problems.add(new ConfigProblem(source, lineNo, "", "expected 'key = value', got '" + printable(abbreviate(line)) + "'"));
                continue;
            }
            String key = line.substring(0, sep).strip();
            String value = line.substring(sep + 1).strip();
            Optional<Setting<?>> setting = resolve(key, byKey, patterns);
            if (setting.isEmpty()) {
                problems.add(new ConfigProblem(source, lineNo, printable(abbreviate(key)), unknownKey(key, byKey, patterns)));
                continue;
            }
            byKey.putIfAbsent(key, setting.get());
            Optional<String> bad = controlCharacter(value);
            if (bad.isPresent()) {
                problems.add(new ConfigProblem(source, lineNo, key, "value holds the control character " + bad.get()
                        + "; write it on one line of printable characters"));
                continue;
            }
            if (lineOf.containsKey(key)) {
                problems.add(new ConfigProblem(source, lineNo, key, "given twice (first on line " + lineOf.get(key) + ")"));
                continue;
            }
            raw.put(key, value);
            lineOf.put(key, lineNo);
            fileTexts.put(key, value);
        }
        for (Setting<?> s : known) {
            if (s.family() != null) {
                continue; // a family's keys are read from the file only
            }
            String v = env.get(s.envName());
            if (v != null) {
                Optional<String> bad = controlCharacter(v.strip());
                if (bad.isPresent()) {
                    problems.add(new ConfigProblem("environment " + s.envName(), 0, s.key(), "value holds the control "
                            + "character " + bad.get() + "; give it as one line of printable characters"));
                    continue;
                }
                raw.put(s.key(), v.strip());
                lineOf.put(s.key(), -1);
                envTexts.put(s.key(), v.strip());
            }
        }

        Map<String, Object> values = new HashMap<>();
        Map<String, String> texts = new HashMap<>();
        for (Setting<?> s : byKey.values()) {
            if (s.isPattern()) {
                continue;
            }
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
        Config config = new Config(byKey, values, texts, Collections.unmodifiableMap(fileTexts),
                Collections.unmodifiableMap(envTexts));
        if (problems.isEmpty()) {
            // Rules across keys (a provider added by gateway.<provider>.* needs its domains and a template ...).
            for (Check check : Settings.checks()) {
                check.check(config, (key, message) -> problems.add(new ConfigProblem(lineOf.getOrDefault(key, 0) == -1
                        ? "environment " + byKey.get(key).envName() : source, Math.max(lineOf.getOrDefault(key, 0), 0),
                        key, message)));
            }
        }
        if (!problems.isEmpty()) {
            problems.sort((a, b) -> Integer.compare(a.line(), b.line()));
            throw new ConfigException(problems);
        }
        return config;
    }

    /** A rule across several keys, run on every parsed configuration; reports each problem with its key. */
    public interface Check {
        void check(Config config, java.util.function.BiConsumer<String, String> problem);
    }

    /** The setting of a key: an ordinary one, or a key of a family ({@code gateway.zoom.domains}). */
    private static Optional<Setting<?>> resolve(String key, Map<String, Setting<?>> byKey, List<Setting<?>> patterns) {
        Setting<?> s = byKey.get(key);
        if (s != null) {
            return s.isPattern() ? Optional.empty() : Optional.of(s);
        }
        for (Setting<?> p : patterns) {
            Optional<String> member = p.memberOf(key);
            if (member.isPresent()) {
                return Optional.of(p.member(member.get()));
            }
        }
        return Optional.empty();
    }

    /** Why {@code key} is not known, with the nearest known key or, under a family's prefix, its fields. */
    private static String unknownKey(String key, Map<String, Setting<?>> byKey, List<Setting<?>> patterns) {
        for (Setting<?> p : patterns) {
            String prefix = p.familyPrefix();
            if (!key.startsWith(prefix)) {
                continue;
            }
            String rest = key.substring(prefix.length());
            String member = rest.contains(".") ? rest.substring(0, rest.indexOf('.')) : rest;
            String family = p.key().substring(0, p.key().indexOf('>') + 1);
            if (!Setting.MEMBER.matcher(member).matches()) {
                return "unknown key: '" + printable(abbreviate(member)) + "' is not a name for " + family
                        + " (lower-case letters, digits and '-', at most 32)";
            }
            java.util.Set<String> fields = new java.util.TreeSet<>();
            java.util.Set<String> keys = new java.util.TreeSet<>();
            patterns.stream().filter(q -> q.familyPrefix().equals(prefix)).forEach(q -> {
                fields.add(q.familyField());
                keys.add(q.member(member).key());
            });
            return "unknown key: " + prefix + member + " has no field '" + printable(abbreviate(
                    rest.substring(Math.min(rest.length(), member.length() + 1)))) + "'" + suggestion(key, keys)
                    + " (fields: " + String.join(", ", fields) + ")";
        }
        return "unknown key" + suggestion(key, byKey.keySet());
    }

    /** The members named in this configuration for a family ({@code gateway.<provider>.*}: the providers), sorted. */
    public java.util.SortedSet<String> members(String familyPrefix) {
        java.util.SortedSet<String> out = new java.util.TreeSet<>();
        for (Setting<?> s : settings.values()) {
            if (!s.isPattern() && s.familyPrefix().equals(familyPrefix) && values.containsKey(s.key())) {
                out.add(s.key().substring(familyPrefix.length(), s.key().length() - s.familyField().length() - 1));
            }
        }
        return out;
    }

    /**
     * The first control character in {@code value} (named, e.g. {@code U+000A}), if any: a value
     * with a line break would add keys when written back, and escapes would garble logs.
     */
    public static Optional<String> controlCharacter(String value) {
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            if (Character.isISOControl(ch) || ch == '\u2028' || ch == '\u2029') {
                return Optional.of(String.format("U+%04X", (int) ch));
            }
        }
        return Optional.empty();
    }

    /** {@code text} with control characters shown as {@code \\uXXXX}, for messages and logs. */
    public static String printable(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (Character.isISOControl(ch) || ch == '\u2028' || ch == '\u2029') {
                sb.append(String.format("\\u%04x", (int) ch));
            } else {
                sb.append(ch);
            }
        }
        return sb.toString();
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

    /** The setting for a key, if known (a family's key too, whether or not this configuration sets it). */
    public Optional<Setting<?>> setting(String key) {
        return resolve(key, settings, settings.values().stream().filter(Setting::isPattern).toList());
    }

    /**
     * This configuration with {@code changes} applied to the file's own values (validated like a
     * file, the environment overrides applied again on top); used by {@code config.set}. An empty
     * value removes the key (its default applies). A key set by the environment cannot be changed
     * here, and no value may hold a control character.
     */
    public Config with(Map<String, String> changes) throws ConfigException {
        List<ConfigProblem> problems = new ArrayList<>();
        Map<String, String> merged = new TreeMap<>(fileTexts);
        for (Map.Entry<String, String> c : changes.entrySet()) {
            String key = c.getKey();
            Setting<?> s = setting(key).orElse(null);
            if (s == null) {
                problems.add(new ConfigProblem("(change)", 0, printable(abbreviate(key)), unknownKey(key, settings,
                        settings.values().stream().filter(Setting::isPattern).toList())));
                continue;
            }
            Optional<String> bad = controlCharacter(c.getValue());
            if (bad.isPresent()) {
                problems.add(new ConfigProblem("(change)", 0, key, "value holds the control character " + bad.get()
                        + "; give one line of printable characters"));
                continue;
            }
            if (envTexts.containsKey(key)) {
                problems.add(new ConfigProblem("(change)", 0, key, "set by the environment variable " + s.envName()
                        + ", which overrides the file; change it there"));
                continue;
            }
            if (c.getValue().strip().isEmpty()) {
                merged.remove(key);
            } else {
                merged.put(key, c.getValue().strip());
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        StringBuilder sb = new StringBuilder();
        merged.forEach((k, v) -> sb.append(k).append(" = ").append(v).append('\n'));
        Map<String, String> env = new HashMap<>();
        envTexts.forEach((k, v) -> env.put(settings.get(k).envName(), v));
        return parse("(change)", sb.toString(), env, List.copyOf(settings.values()));
    }

    /**
     * The keys whose value differs between this configuration and {@code other} (set, changed or
     * back to its default), compared as text so that a changed secret counts too; sorted.
     */
    public List<String> changedKeys(Config other) {
        List<String> changed = new ArrayList<>();
        java.util.Set<String> keys = new java.util.TreeSet<>(settings.keySet());
        keys.addAll(other.settings.keySet()); // a family's key may be set in one of them only
        for (String key : keys) {
            if (!java.util.Objects.equals(texts.get(key), other.texts.get(key))) {
                changed.add(key);
            }
        }
        return changed;
    }

    /** The key was given (by the file or the environment), not left at its default. */
    public boolean given(Setting<?> s) {
        return fileTexts.containsKey(s.key()) || envTexts.containsKey(s.key());
    }

    /** The key was given by a {@code ROOMWIRE_*} environment variable (which wins over the file). */
    public boolean fromEnvironment(String key) {
        return envTexts.containsKey(key);
    }

    /**
     * The file's own values as properties text (for writing a changed config back): never a default,
     * never a value that came from a {@code ROOMWIRE_*} environment variable.
     */
    public String toPropertiesText() {
        StringBuilder sb = new StringBuilder("# Written by roomwire; see 'roomwire config sample' for every key.\n");
        fileTexts.forEach((k, v) -> sb.append(k).append(" = ").append(v).append('\n'));
        return sb.toString();
    }

    /**
     * Replaces {@code file} with {@link #toPropertiesText()} atomically, readable by its owner only
     * (0600): the file may hold secrets such as {@code sip.password}.
     */
    public void writeTo(Path file) throws IOException {
        io.roomwire.core.store.AtomicFiles.write(file, toPropertiesText().getBytes(StandardCharsets.UTF_8),
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"), p -> { });
    }

    /** Keys never hold '=' or ':', values may (URIs), so the first '=' wins, else the first ':'. */
    private static int indexOfSeparator(String line) {
        int eq = line.indexOf('=');
        return eq >= 0 ? eq : line.indexOf(':');
    }

    private static String suggestion(String key, java.util.Set<String> known) {
        if (key.length() > 64) {
            return ""; // no key is that long; the edit distance would only cost time
        }
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
