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
 */
public record Setting<T>(String key, SettingType<T> type, String defaultText, String doc,
                         boolean required, boolean secret, boolean restart) {

    public Setting {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(doc, "doc");
        if (!key.matches("[a-z][a-z0-9-]*(\\.[a-z0-9][a-z0-9-]*)+")) {
            throw new IllegalArgumentException("bad setting key: " + key);
        }
        if (defaultText != null) {
            type.parse(defaultText); // a bad default is a programming error: fail at class load
        }
    }

    /** An optional setting with a default. */
    public static <T> Setting<T> of(String key, SettingType<T> type, String defaultText, String doc) {
        return new Setting<>(key, type, defaultText, doc, false, false, true);
    }

    /** A setting that must be given. */
    public static <T> Setting<T> required(String key, SettingType<T> type, String doc) {
        return new Setting<>(key, type, null, doc, true, false, true);
    }

    /** An optional setting with no default (absent means "not used"). */
    public static <T> Setting<T> optional(String key, SettingType<T> type, String doc) {
        return new Setting<>(key, type, null, doc, false, false, true);
    }

    public Setting<T> asSecret() {
        return new Setting<>(key, type, defaultText, doc, required, true, restart);
    }

    /** A change applies at once (no restart needed). */
    public Setting<T> live() {
        return new Setting<>(key, type, defaultText, doc, required, secret, false);
    }

    public Optional<T> defaultValue() {
        return Optional.ofNullable(defaultText).map(type::parse);
    }

    /** The environment variable that overrides this key: {@code ROOMWIRE_} + key with [.-] as _. */
    public String envName() {
        return "ROOMWIRE_" + key.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
