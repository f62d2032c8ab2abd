package io.roomwire.agent.obtp.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Text and links of an invitation body, read by a small single-pass tokenizer: no DOM, nothing
 * fetched or executed. Each input character is looked at a bounded number of times, so the work
 * is linear in the input (which is cut at {@code maxChars}) and the output is never larger than
 * the input. Script, style and other raw-text elements are dropped; comments, doctypes and
 * processing instructions are skipped, unterminated ones to the end of the input.
 */
public final class HtmlText {

    /** At most this many hrefs are kept (an invitation has a few dozen). */
    public static final int MAX_LINKS = 2000;
    /** Longer hrefs are dropped: no join link is this long. */
    public static final int MAX_HREF = 8192;

    private static final int MAX_ENTITY = 32;
    private static final List<String> LEGACY = List.of("amp", "lt", "gt", "quot", "nbsp");

    private static final Set<String> RAW_TEXT = Set.of("script", "style", "template", "noscript", "title",
            "textarea", "xmp", "iframe", "object", "noembed", "noframes", "svg", "math");
    private static final Set<String> BLOCK = Set.of("br", "p", "div", "tr", "li", "ul", "ol", "table", "h1", "h2",
            "h3", "h4", "h5", "h6", "hr", "blockquote", "section", "header", "footer", "pre", "dt", "dd", "tbody",
            "thead", "center", "address", "article", "main", "nav", "form", "fieldset");

    static final Map<String, String> ENTITIES = Map.ofEntries(
            Map.entry("amp", "&"), Map.entry("lt", "<"), Map.entry("gt", ">"), Map.entry("quot", "\""),
            Map.entry("apos", "'"), Map.entry("nbsp", "\u00a0"), Map.entry("ensp", "\u2002"),
            Map.entry("emsp", "\u2003"), Map.entry("thinsp", "\u2009"), Map.entry("zwnj", "\u200c"),
            Map.entry("zwj", "\u200d"), Map.entry("lrm", "\u200e"), Map.entry("rlm", "\u200f"),
            Map.entry("shy", "\u00ad"), Map.entry("ndash", "\u2013"), Map.entry("mdash", "\u2014"),
            Map.entry("hellip", "\u2026"), Map.entry("copy", "\u00a9"), Map.entry("reg", "\u00ae"),
            Map.entry("trade", "\u2122"), Map.entry("middot", "\u00b7"), Map.entry("bull", "\u2022"),
            Map.entry("laquo", "\u00ab"), Map.entry("raquo", "\u00bb"), Map.entry("lsquo", "\u2018"),
            Map.entry("rsquo", "\u2019"), Map.entry("ldquo", "\u201c"), Map.entry("rdquo", "\u201d"),
            Map.entry("sbquo", "\u201a"), Map.entry("bdquo", "\u201e"), Map.entry("euro", "\u20ac"),
            Map.entry("pound", "\u00a3"), Map.entry("yen", "\u00a5"), Map.entry("cent", "\u00a2"),
            Map.entry("sect", "\u00a7"), Map.entry("para", "\u00b6"), Map.entry("deg", "\u00b0"),
            Map.entry("plusmn", "\u00b1"), Map.entry("times", "\u00d7"), Map.entry("divide", "\u00f7"),
            Map.entry("iexcl", "\u00a1"), Map.entry("iquest", "\u00bf"), Map.entry("colon", ":"),
            Map.entry("sol", "/"), Map.entry("commat", "@"), Map.entry("period", "."), Map.entry("num", "#"),
            Map.entry("quest", "?"), Map.entry("equals", "="), Map.entry("percnt", "%"), Map.entry("lowbar", "_"),
            Map.entry("hyphen", "\u2010"), Map.entry("minus", "\u2212"), Map.entry("auml", "\u00e4"),
            Map.entry("ouml", "\u00f6"), Map.entry("uuml", "\u00fc"), Map.entry("Auml", "\u00c4"),
            Map.entry("Ouml", "\u00d6"), Map.entry("Uuml", "\u00dc"), Map.entry("szlig", "\u00df"),
            Map.entry("eacute", "\u00e9"), Map.entry("egrave", "\u00e8"), Map.entry("agrave", "\u00e0"),
            Map.entry("ccedil", "\u00e7"), Map.entry("ntilde", "\u00f1"), Map.entry("oslash", "\u00f8"),
            Map.entry("aring", "\u00e5"), Map.entry("aelig", "\u00e6"));

    /**
     * What a body says.
     *
     * @param text      decoded text; whitespace collapsed, block elements end lines, invisible characters removed
     * @param links     decoded {@code href}s of {@code <a>} and {@code <area>}, in document order
     * @param truncated the input was longer than the limit and only its start was read
     */
    public record Result(String text, List<String> links, boolean truncated) {
        public Result {
            links = List.copyOf(links);
        }
    }

    private final String in;
    private final int n;
    private final StringBuilder out;
    private final List<String> links = new ArrayList<>();

    private HtmlText(String in, int n) {
        this.in = in;
        this.n = n;
        this.out = new StringBuilder(Math.min(n, 1 << 16));
    }

    /** Reads an HTML body, at most its first {@code maxChars} characters. */
    public static Result html(String html, int maxChars) {
        int n = Math.min(html.length(), Math.max(0, maxChars));
        HtmlText t = new HtmlText(html, n);
        t.run();
        return new Result(t.finish(), t.links, html.length() > n);
    }

    /** Reads a plain-text body: line breaks kept, spaces collapsed, invisible characters removed. */
    public static Result plain(String text, int maxChars) {
        int n = Math.min(text.length(), Math.max(0, maxChars));
        HtmlText t = new HtmlText(text, n);
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c == '\n') {
                t.newline();
            } else if (c != '\r') {
                t.append(c);
            }
        }
        return new Result(t.finish(), List.of(), text.length() > n);
    }

    /** Decodes character references in {@code s} (an attribute value or a text fragment). */
    public static String decodeEntities(String s) {
        if (s.indexOf('&') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '&') {
                int[] end = new int[1];
                String r = entity(s, i, s.length(), end);
                if (r != null) {
                    b.append(r);
                    i = end[0];
                    continue;
                }
            }
            b.append(c);
            i++;
        }
        return b.toString();
    }

    private void run() {
        int i = 0;
        while (i < n) {
            char c = in.charAt(i);
            if (c == '<') {
                i = tag(i);
            } else if (c == '&') {
                int[] end = new int[1];
                String r = entity(in, i, n, end);
                if (r == null) {
                    append('&');
                    i++;
                } else {
                    for (int k = 0; k < r.length(); k++) {
                        append(r.charAt(k));
                    }
                    i = end[0];
                }
            } else if (c > ' ' && c < 0x7f) {
                int j = i + 1;
                while (j < n) { // a run of printable ASCII: never a space, never invisible
                    char d = in.charAt(j);
                    if (d <= ' ' || d >= 0x7f || d == '<' || d == '&') {
                        break;
                    }
                    j++;
                }
                out.append(in, i, j);
                i = j;
            } else {
                append(c);
                i++;
            }
        }
    }

    /** Handles markup starting at {@code i} ('<'); returns the index after it. */
    private int tag(int i) {
        if (i + 1 >= n) {
            append('<');
            return n;
        }
        char c = in.charAt(i + 1);
        if (in.startsWith("<!--", i)) {
            int end = indexOf("-->", i + 4);
            return end < 0 ? n : end + 3;
        }
        if (c == '!' || c == '?') {
            int end = indexOf(">", i + 2);
            return end < 0 ? n : end + 1;
        }
        boolean closing = c == '/';
        int p = closing ? i + 2 : i + 1;
        if (p >= n || !isAsciiLetter(in.charAt(p))) {
            if (closing) { // "</ >" and the like: a bogus comment
                int end = indexOf(">", p);
                return end < 0 ? n : end + 1;
            }
            append('<');
            return i + 1;
        }
        int nameStart = p;
        while (p < n && p - nameStart < 32 && isNameChar(in.charAt(p))) {
            p++;
        }
        String name = in.substring(nameStart, p).toLowerCase(Locale.ROOT);
        while (p < n && isNameChar(in.charAt(p))) { // an absurdly long name: skip the rest of it
            p++;
        }
        if (closing) {
            int end = indexOf(">", p);
            block(name);
            return end < 0 ? n : end + 1;
        }
        p = attributes(p, "a".equals(name) || "area".equals(name));
        if (RAW_TEXT.contains(name)) {
            return skipRawText(p, name);
        }
        if ("td".equals(name) || "th".equals(name)) {
            append(' ');
        }
        block(name);
        return p;
    }

    /** Reads attributes up to and including '>'; keeps href values of links. */
    private int attributes(int p, boolean link) {
        while (p < n) {
            char c = in.charAt(p);
            if (c == '>') {
                return p + 1;
            }
            if (Character.isWhitespace(c) || c == '/') {
                p++;
                continue;
            }
            int nameStart = p;
            while (p < n) {
                char d = in.charAt(p);
                if (Character.isWhitespace(d) || d == '=' || d == '>' || (d == '/' && p > nameStart)) {
                    break;
                }
                p++;
            }
            boolean href = link && p - nameStart == 4 && in.regionMatches(true, nameStart, "href", 0, 4);
            while (p < n && Character.isWhitespace(in.charAt(p))) {
                p++;
            }
            if (p >= n || in.charAt(p) != '=') {
                continue;
            }
            p++;
            while (p < n && Character.isWhitespace(in.charAt(p))) {
                p++;
            }
            if (p >= n) {
                return n;
            }
            int valueStart;
            int valueEnd;
            char q = in.charAt(p);
            if (q == '"' || q == '\'') {
                valueStart = p + 1;
                valueEnd = indexOf(String.valueOf(q), valueStart);
                if (valueEnd < 0) {
                    return n; // unterminated quote: the rest of the input is inside the attribute
                }
                p = valueEnd + 1;
            } else {
                valueStart = p;
                while (p < n && !Character.isWhitespace(in.charAt(p)) && in.charAt(p) != '>') {
                    p++;
                }
                valueEnd = p;
            }
            if (href && valueEnd - valueStart <= MAX_HREF && links.size() < MAX_LINKS) {
                String v = decodeEntities(in.substring(valueStart, valueEnd)).strip();
                if (!v.isEmpty()) {
                    links.add(v);
                }
            }
        }
        return n;
    }

    private int skipRawText(int p, String name) {
        int j = p;
        while (true) {
            j = indexOf("</", j);
            if (j < 0) {
                return n;
            }
            if (j + 2 + name.length() <= n && in.regionMatches(true, j + 2, name, 0, name.length())) {
                int end = indexOf(">", j + 2 + name.length());
                block(name);
                return end < 0 ? n : end + 1;
            }
            j += 2;
        }
    }

    private void block(String name) {
        if (BLOCK.contains(name)) {
            newline();
        }
    }

    /** indexOf limited to the first {@code n} characters. */
    private int indexOf(String s, int from) {
        int k = in.indexOf(s, from);
        return k < 0 || k + s.length() > n ? -1 : k;
    }

    /**
     * Decodes one character reference at {@code i} ('&'): {@code &name;}, {@code &#123;},
     * {@code &#x1F;}. Returns null when there is none (the '&' is then literal).
     */
    static String entity(String s, int i, int limit, int[] end) {
        int p = i + 1;
        if (p >= limit) {
            return null;
        }
        if (s.charAt(p) == '#') {
            p++;
            boolean hex = p < limit && (s.charAt(p) == 'x' || s.charAt(p) == 'X');
            if (hex) {
                p++;
            }
            int start = p;
            long v = 0;
            while (p < limit && p - start < 8 && Character.digit(s.charAt(p), hex ? 16 : 10) >= 0) {
                v = v * (hex ? 16 : 10) + Character.digit(s.charAt(p), hex ? 16 : 10);
                p++;
            }
            if (p == start) {
                return null;
            }
            while (p < limit && Character.digit(s.charAt(p), hex ? 16 : 10) >= 0) { // too many digits
                p++;
                v = Long.MAX_VALUE;
            }
            if (p < limit && s.charAt(p) == ';') {
                p++;
            }
            end[0] = p;
            if (v <= 0 || v > Character.MAX_CODE_POINT || (v >= 0xD800 && v <= 0xDFFF)) {
                return "\ufffd";
            }
            return new String(Character.toChars((int) v));
        }
        int start = p;
        while (p < limit && p - start < MAX_ENTITY && isAsciiLetterOrDigit(s.charAt(p))) {
            p++;
        }
        if (p == start) {
            return null;
        }
        String name = s.substring(start, p);
        String r = ENTITIES.get(name);
        if (r == null) {
            r = ENTITIES.get(name.toLowerCase(Locale.ROOT));
        }
        if (r != null && p < limit && s.charAt(p) == ';') {
            end[0] = p + 1;
            return r;
        }
        // Legacy references without ';' ("&amp", "&nbspx") are honoured for the common ones, as browsers do.
        for (String legacy : LEGACY) {
            if (name.startsWith(legacy)) {
                end[0] = start + legacy.length();
                return ENTITIES.get(legacy);
            }
        }
        return null;
    }

    private void append(char c) {
        if (c == '\u200b' || c == '\u200c' || c == '\u200d' || c == '\u2060' || c == '\ufeff' || c == '\u00ad'
                || c == '\u200e' || c == '\u200f') {
            return; // invisible: Outlook sprinkles them, spoofers hide behind them
        }
        if (isSpace(c)) {
            int len = out.length();
            if (len == 0 || out.charAt(len - 1) == ' ' || out.charAt(len - 1) == '\n') {
                return;
            }
            out.append(' ');
            return;
        }
        out.append(c);
    }

    private void newline() {
        int len = out.length();
        if (len > 0 && out.charAt(len - 1) == ' ') {
            out.setLength(len - 1);
            len--;
        }
        if (len == 0 || out.charAt(len - 1) == '\n') {
            return;
        }
        out.append('\n');
    }

    private String finish() {
        int len = out.length();
        while (len > 0 && (out.charAt(len - 1) == ' ' || out.charAt(len - 1) == '\n')) {
            len--;
        }
        out.setLength(len);
        return out.toString();
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\u00a0'
                || (c >= '\u2000' && c <= '\u200a') || c == '\u202f' || c == '\u205f' || c == '\u3000';
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isAsciiLetterOrDigit(char c) {
        return isAsciiLetter(c) || (c >= '0' && c <= '9');
    }

    private static boolean isNameChar(char c) {
        return isAsciiLetterOrDigit(c) || c == '-' || c == ':' || c == '_';
    }
}
