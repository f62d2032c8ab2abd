package io.roomwire.agent.obtp.internal;

import java.net.IDN;
import java.text.Normalizer;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Host names as the OBTP parser trusts them: ASCII only after IDN normalisation, compared by
 * exact suffix on label boundaries. A host that merely contains a trusted name
 * ({@code m.webex.com.evil.example}) or spells one with look-alike Unicode is a look-alike.
 */
public final class Hosts {

    /** Names whose look-alikes are rejected (not a list of what may be dialled). */
    public static final List<String> TRUSTED = List.of("m.webex.com", "webex.com", "t.plcm.vc", "plcm.vc",
            "zoomcrc.com", "zoom.us", "zoomgov.com", "teams.microsoft.com", "teams.live.com", "teams.microsoft.us",
            "safelinks.protection.outlook.com", "pexip.me", "microsoft.com", "office.com", "outlook.com");

    private Hosts() {
    }

    /** The outcome of checking one host. */
    public sealed interface Verdict {
        /** A well-formed ASCII host, lower case, without a trailing dot. */
        record Ok(String host) implements Verdict { }

        /** Rejected; {@code why} says why in words an admin understands. */
        record Rejected(String host, String why) implements Verdict { }
    }

    /** Checks {@code raw} (as written in the invitation) against the look-alike rules. */
    public static Verdict check(String raw) {
        String h = raw.strip();
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        if (h.isEmpty() || h.length() > 253) {
            return new Verdict.Rejected(raw, "not a host name");
        }
        boolean ascii = true;
        for (int i = 0; i < h.length() && ascii; i++) {
            ascii = h.charAt(i) < 0x80;
        }
        String lower = ascii ? h.toLowerCase(Locale.ROOT) : h;
        String unicode = lower;
        if (!ascii || lower.contains("xn--")) {
            try {
                unicode = ascii ? IDN.toUnicode(lower, IDN.ALLOW_UNASSIGNED) : h;
            } catch (IllegalArgumentException e) {
                return new Verdict.Rejected(raw, "not a valid international host name");
            }
        }
        if (!ascii || !unicode.equals(lower)) {
            String skeleton = skeleton(unicode);
            for (String t : TRUSTED) {
                if (isUnder(skeleton, t) || containsLabels(skeleton, t)) {
                    return new Verdict.Rejected(raw, "look-alike of " + t + " (non-ASCII characters)");
                }
            }
            return new Verdict.Rejected(raw, "non-ASCII host name (meeting gateways use ASCII names)");
        }
        for (int i = 0; i < lower.length(); i++) {
            char c = lower.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) {
                return new Verdict.Rejected(raw, "character '" + c + "' is not allowed in a host name");
            }
        }
        if (lower.startsWith(".") || lower.contains("..")) {
            return new Verdict.Rejected(raw, "empty label in host name");
        }
        for (String t : TRUSTED) {
            if (!isUnder(lower, t) && containsLabels(lower, t) && !isUnderAnyTrusted(lower)) {
                return new Verdict.Rejected(raw, "look-alike of " + t + " (it only contains the name; "
                        + "a real " + t + " host ends with it)");
            }
        }
        return new Verdict.Ok(lower);
    }

    /** The checked host, or empty when rejected. */
    public static Optional<String> normalise(String raw) {
        return check(raw) instanceof Verdict.Ok ok ? Optional.of(ok.host()) : Optional.empty();
    }

    /** {@code host} is {@code suffix} or a sub-domain of it (label boundary). Both must be normalised. */
    public static boolean isUnder(String host, String suffix) {
        return host.equals(suffix) || (host.endsWith(suffix) && host.length() > suffix.length()
                && host.charAt(host.length() - suffix.length() - 1) == '.');
    }

    private static boolean isUnderAnyTrusted(String host) {
        for (String t : TRUSTED) {
            if (isUnder(host, t)) {
                return true;
            }
        }
        return false;
    }

    /** The labels of {@code name} appear as a run of whole labels inside {@code host}. */
    static boolean containsLabels(String host, String name) {
        for (int i = host.indexOf(name); i >= 0; i = host.indexOf(name, i + 1)) {
            boolean startOk = i == 0 || host.charAt(i - 1) == '.';
            int end = i + name.length();
            if (startOk && (end == host.length() || host.charAt(end) == '.')) {
                return true;
            }
        }
        return false;
    }

    /** A rough confusable skeleton: NFKC, lower case, common Cyrillic/Greek/Latin look-alikes folded. */
    static String skeleton(String s) {
        String n = Normalizer.normalize(s, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
        StringBuilder b = new StringBuilder(n.length());
        for (int i = 0; i < n.length(); i++) {
            char c = n.charAt(i);
            b.append(switch (c) {
                case '\u0430', '\u03b1' -> 'a';
                case '\u0441', '\u03f2' -> 'c';
                case '\u0501' -> 'd';
                case '\u0435', '\u03b5' -> 'e';
                case '\u0261' -> 'g';
                case '\u04bb' -> 'h';
                case '\u0456', '\u03b9', '\u0131' -> 'i';
                case '\u0458' -> 'j';
                case '\u03ba' -> 'k';
                case '\u04cf' -> 'l';
                case '\u043e', '\u03bf', '\u0585' -> 'o';
                case '\u0440', '\u03c1' -> 'p';
                case '\u0455' -> 's';
                case '\u03bd' -> 'v';
                case '\u051d', '\u0461' -> 'w';
                case '\u0445', '\u03c7' -> 'x';
                case '\u0443' -> 'y';
                case '\u3002', '\uff0e', '\uff61' -> '.';
                default -> c;
            });
        }
        return b.toString();
    }
}
