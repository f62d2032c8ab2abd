package io.roomwire.agent.config;

import java.util.Objects;
import java.util.Optional;

/**
 * One documented, typed configuration key. Settings are declared as constants in the package
 * that uses them (e.g. {@code CalendarSettings.POLL_INTERVAL}) and collected by
 * {@link Settings#all()}, which both validates files and writes the sample config.
 *
 * @param key       dotted lower-case key, e.g. {@code calendar.poll-interval}
 * @param defaultText default as text, or null when the key is required or optional-without-default
 * @param required  a value must be given (file or environment)
 * @param secret    the value is masked in {@code config.get}, logs and samples
 * @param restart   a change takes effect only after a restart
 * @param family    for a key of a family ({@code gateway.<provider>.domains}: one key per provider the file
 *                  names), the family's pattern key; null for an ordinary key. Such keys are read from the file
 *                  only (no environment variable).
 */
public record Setting<T>(String key, SettingType<T> type, String defaultText, String doc,
                         boolean required, boolean secret, boolean restart, String family) {

    /** A member name in a family key: {@code zoom}, {@code acme-vc}. */
    public static final java.util.regex.Pattern MEMBER = java.util.regex.Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");

    public Setting {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(doc, "doc");
        if (!key.matches("[a-z][a-z0-9-]*(\\.([a-z0-9][a-z0-9-]*|<[a-z]+>))+")) {
            throw new IllegalArgumentException("bad setting key: " + key);
        }
        boolean pattern = key.contains("<");
        if (pattern ? !key.equals(family) || !key.matches("[^<]*\\.<[a-z]+>\\.[^<]+")
                : family != null && !family.contains("<")) {
            throw new IllegalArgumentException("bad family key: " + key + " (of " + family + ")");
        }
        if (defaultText != null) {
            type.parse(defaultText); // a bad default is a programming error: fail at class load
        }
    }

    /** An optional setting with a default. */
    public static <T> Setting<T> of(String key, SettingType<T> type, String defaultText, String doc) {
        return new Setting<>(key, type, defaultText, doc, false, false, true, null);
    }

    /** A setting that must be given. */
    public static <T> Setting<T> required(String key, SettingType<T> type, String doc) {
        return new Setting<>(key, type, null, doc, true, false, true, null);
    }

    /** An optional setting with no default (absent means "not used"). */
    public static <T> Setting<T> optional(String key, SettingType<T> type, String doc) {
        return new Setting<>(key, type, null, doc, false, false, true, null);
    }

    /**
     * A family of optional keys, one per member the file names: {@code pattern} has one {@code <name>}
     * segment, e.g. {@code gateway.<provider>.domains}; {@code gateway.zoom.domains} is a key of it.
     */
    public static <T> Setting<T> family(String pattern, SettingType<T> type, String doc) {
        return new Setting<>(pattern, type, null, doc, false, false, true, pattern);
    }

    public Setting<T> asSecret() {
        return new Setting<>(key, type, defaultText, doc, required, true, restart, family);
    }

    /** A change applies at once (no restart needed). */
    public Setting<T> live() {
        return new Setting<>(key, type, defaultText, doc, required, secret, false, family);
    }

    /** The pattern of a family ({@code gateway.<provider>.domains}), not a key a file can hold. */
    public boolean isPattern() {
        return family != null && family.equals(key);
    }

    /** The prefix every key of this family starts with ({@code gateway.}); empty for an ordinary key. */
    public String familyPrefix() {
        return family == null ? "" : family.substring(0, family.indexOf('<'));
    }

    /** The field after the member name ({@code domains}, {@code dtmf.delay}); empty for an ordinary key. */
    public String familyField() {
        return family == null ? "" : family.substring(family.indexOf('>') + 2);
    }

    /** The member {@code concreteKey} names if it is a key of this family ({@code gateway.zoom.domains}: zoom). */
    public Optional<String> memberOf(String concreteKey) {
        if (!isPattern() || !concreteKey.startsWith(familyPrefix()) || !concreteKey.endsWith("." + familyField())
                || concreteKey.length() <= familyPrefix().length() + familyField().length() + 1) {
            return Optional.empty();
        }
        String member = concreteKey.substring(familyPrefix().length(),
                concreteKey.length() - familyField().length() - 1);
        return MEMBER.matcher(member).matches() ? Optional.of(member) : Optional.empty();
    }

    /** This family's key for {@code member}. */
    public Setting<T> member(String member) {
        if (!isPattern() || !MEMBER.matcher(member).matches()) {
            throw new IllegalArgumentException("no key " + member + " in " + key);
        }
        return new Setting<>(familyPrefix() + member + "." + familyField(), type, defaultText, doc, required, secret,
                restart, family);
    }

    public Optional<T> defaultValue() {
        return Optional.ofNullable(defaultText).map(type::parse);
    }

    /**
     * The environment variable that overrides this key: {@code ROOMWIRE_} + key with [.-] as _ (a family's
     * keys have none: it is not read for them).
     */
    public String envName() {
        return "ROOMWIRE_" + key.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
