package io.roomwire.agent.obtp.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * An http(s) link split the way a browser would split it (a backslash ends the authority, the
 * host follows the last '@'), with SafeLinks wrappers removed. Never fetched.
 *
 * @param url     the link after unwrapping
 * @param rawHost the host as written (not yet checked; see {@link Hosts#check})
 * @param path    the path, still percent-encoded
 * @param query   the query without '?', still percent-encoded; empty when none
 * @param wrapped it was wrapped by Defender SafeLinks
 */
public record WebLink(String url, String scheme, String rawHost, String path, String query, boolean wrapped) {

    private static final int MAX_UNWRAP = 4;

    /** Parses an http or https link and unwraps SafeLinks; empty for anything else. */
    public static Optional<WebLink> parse(String link) {
        Optional<WebLink> w = split(link, false);
        for (int i = 0; i < MAX_UNWRAP && w.isPresent() && isSafeLinks(w.get()); i++) {
            Optional<String> inner = param(w.get().query, "url");
            if (inner.isEmpty()) {
                return w;
            }
            w = split(inner.get(), true);
        }
        return w;
    }

    private static boolean isSafeLinks(WebLink w) {
        return Hosts.normalise(w.rawHost).map(h -> Hosts.isUnder(h, "safelinks.protection.outlook.com"))
                .orElse(false);
    }

    private static Optional<WebLink> split(String link, boolean wrapped) {
        String s = link.strip();
        int colon = s.indexOf(':');
        if (colon <= 0 || colon > 6) {
            return Optional.empty();
        }
        String scheme = s.substring(0, colon).toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return Optional.empty();
        }
        int p = colon + 1;
        while (p < s.length() && (s.charAt(p) == '/' || s.charAt(p) == '\\')) {
            p++;
        }
        if (p - colon - 1 < 2) {
            return Optional.empty();
        }
        int end = p;
        while (end < s.length() && "/\\?#".indexOf(s.charAt(end)) < 0) {
            end++;
        }
        String authority = s.substring(p, end);
        String host = authority.substring(authority.lastIndexOf('@') + 1);
        if (host.startsWith("[")) {
            return Optional.empty(); // IPv6 literals are never meeting links
        }
        int port = host.lastIndexOf(':');
        if (port >= 0) {
            host = host.substring(0, port);
        }
        if (host.isEmpty()) {
            return Optional.empty();
        }
        int q = s.indexOf('?', end);
        int hash = s.indexOf('#', end);
        int pathEnd = q >= 0 ? q : hash >= 0 ? hash : s.length();
        String path = s.substring(end, Math.max(end, pathEnd)).replace('\\', '/');
        String query = q < 0 ? "" : s.substring(q + 1, hash > q ? hash : s.length());
        return Optional.of(new WebLink(s, scheme, host, path, query, wrapped));
    }

    /** The first value of a query parameter, percent-decoded. */
    public static Optional<String> param(String query, String name) {
        int i = 0;
        while (i <= query.length()) {
            int amp = query.indexOf('&', i);
            int end = amp < 0 ? query.length() : amp;
            int eq = query.indexOf('=', i);
            if (eq > i && eq < end && query.substring(i, eq).equalsIgnoreCase(name)) {
                return Optional.of(percentDecode(query.substring(eq + 1, end)));
            }
            if (amp < 0) {
                break;
            }
            i = amp + 1;
        }
        return Optional.empty();
    }

    /** Percent-decoding as UTF-8; a malformed escape stays as it is; '+' is a space. */
    public static String percentDecode(String s) {
        if (s.indexOf('%') < 0 && s.indexOf('+') < 0) {
            return s;
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream(s.length());
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()
                    && Character.digit(s.charAt(i + 1), 16) >= 0 && Character.digit(s.charAt(i + 2), 16) >= 0) {
                b.write(Character.digit(s.charAt(i + 1), 16) * 16 + Character.digit(s.charAt(i + 2), 16));
                i += 3;
            } else if (c == '+') {
                b.write(' ');
                i++;
            } else {
                int cp = s.codePointAt(i);
                byte[] u = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
                b.write(u, 0, u.length);
                i += Character.charCount(cp);
            }
        }
        return b.toString(StandardCharsets.UTF_8);
    }
}
