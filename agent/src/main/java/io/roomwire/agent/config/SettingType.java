package io.roomwire.agent.config;

import io.roomwire.core.time.Durations;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** How a setting's text becomes a typed value; {@link #parse} throws with a message a person can act on. */
public interface SettingType<T> {

    T parse(String text);

    /** The value back as text, as it is written in the properties file. */
    default String format(T value) {
        return String.valueOf(value);
    }

    /** A short name for the documentation: {@code integer 1..65535}, {@code duration}. */
    String describe();

    SettingType<String> STRING = new SettingType<>() {
        @Override public String parse(String text) { return text; }
        @Override public String describe() { return "text"; }
    };

    SettingType<Boolean> BOOLEAN = new SettingType<>() {
        @Override
        public Boolean parse(String text) {
            return switch (text.toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on" -> true;
                case "false", "no", "off" -> false;
                default -> throw new IllegalArgumentException("expected true or false, got '" + text + "'");
            };
        }
        @Override public String describe() { return "true|false"; }
    };

    SettingType<Duration> DURATION = new SettingType<>() {
        @Override
        public Duration parse(String text) {
            Duration d = Durations.parse(text);
            try {
                d.toNanos(); // a duration too long for the scheduler is refused here, not when it is used
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("a duration of at most about 290 years, got '" + text + "'");
            }
            return d;
        }

        @Override
        public String format(Duration d) {
            long ms = d.toMillis();
            if (ms % 86_400_000 == 0 && ms > 0) return ms / 86_400_000 + "d";
            if (ms % 3_600_000 == 0 && ms > 0) return ms / 3_600_000 + "h";
            if (ms % 60_000 == 0 && ms > 0) return ms / 60_000 + "m";
            if (ms % 1000 == 0) return ms / 1000 + "s";
            return ms + "ms";
        }

        @Override public String describe() { return "duration (30s, 5m, 2h, 1d)"; }
    };

    SettingType<URI> URI_TYPE = new SettingType<>() {
        @Override
        public URI parse(String text) {
            try {
                URI u = new URI(text.trim());
                if (u.getScheme() == null) {
                    throw new IllegalArgumentException("expected an absolute URI with a scheme, got '" + text + "'");
                }
                return u;
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("not a valid URI: " + e.getReason());
            }
        }
        @Override public String describe() { return "URI"; }
    };

    SettingType<Path> PATH = new SettingType<>() {
        @Override
        public Path parse(String text) {
            if (text.isBlank()) {
                throw new IllegalArgumentException("expected a file path");
            }
            return Path.of(text.trim());
        }
        @Override public String describe() { return "path"; }
    };

    SettingType<ZoneId> ZONE = new SettingType<>() {
        @Override
        public ZoneId parse(String text) {
            try {
                return ZoneId.of(text.trim());
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("unknown time zone '" + text + "' (use an IANA name such as Europe/Berlin)");
            }
        }
        @Override public String describe() { return "time zone (IANA)"; }
    };

    SettingType<List<String>> LIST = new SettingType<>() {
        @Override
        public List<String> parse(String text) {
            return text.isBlank() ? List.of()
                    : Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        }
        @Override public String format(List<String> v) { return String.join(",", v); }
        @Override public String describe() { return "comma-separated list"; }
    };

    /**
     * A comma-separated list whose items {@code item} checks (throwing with what it expected) and
     * normalises; {@code nonEmpty}: at least one item.
     */
    static SettingType<List<String>> listOf(java.util.function.UnaryOperator<String> item, boolean nonEmpty,
                                            String what) {
        return new SettingType<>() {
            @Override
            public List<String> parse(String text) {
                List<String> out = LIST.parse(text).stream().map(item).distinct().toList();
                if (nonEmpty && out.isEmpty()) {
                    throw new IllegalArgumentException("expected " + what + ", got nothing");
                }
                return out;
            }
            @Override public String format(List<String> v) { return String.join(",", v); }
            @Override public String describe() { return what; }
        };
    }

    /** A duration from {@code min} to {@code max}, both included. */
    static SettingType<Duration> duration(Duration min, Duration max) {
        return new SettingType<>() {
            @Override
            public Duration parse(String text) {
                Duration d = DURATION.parse(text);
                if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
                    throw new IllegalArgumentException("must be between " + DURATION.format(min) + " and "
                            + DURATION.format(max) + ", got '" + text.trim() + "'");
                }
                return d;
            }
            @Override public String format(Duration d) { return DURATION.format(d); }
            @Override public String describe() { return "duration " + DURATION.format(min) + ".." + DURATION.format(max); }
        };
    }

    static SettingType<Integer> integer(int min, int max) {
        return new SettingType<>() {
            @Override
            public Integer parse(String text) {
                int v;
                try {
                    v = Integer.parseInt(text.trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("expected a whole number, got '" + text + "'");
                }
                if (v < min || v > max) {
                    throw new IllegalArgumentException("must be between " + min + " and " + max + ", got " + v);
                }
                return v;
            }
            @Override public String describe() { return "integer " + min + ".." + max; }
        };
    }

    static SettingType<String> oneOf(String... choices) {
        List<String> all = List.of(choices);
        return new SettingType<>() {
            @Override
            public String parse(String text) {
                String t = text.trim().toLowerCase(Locale.ROOT);
                if (!all.contains(t)) {
                    throw new IllegalArgumentException("expected one of " + String.join(", ", all) + ", got '" + text + "'");
                }
                return t;
            }
            @Override public String describe() { return String.join("|", all); }
        };
    }

    static SettingType<String> matching(String regex, String what) {
        Pattern p = Pattern.compile(regex);
        return new SettingType<>() {
            @Override
            public String parse(String text) {
                if (!p.matcher(text.trim()).matches()) {
                    throw new IllegalArgumentException("expected " + what + ", got '" + text + "'");
                }
                return text.trim();
            }
            @Override public String describe() { return what; }
        };
    }
}
