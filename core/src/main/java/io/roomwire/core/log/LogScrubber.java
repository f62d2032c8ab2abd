package io.roomwire.core.log;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes secrets from text before it is logged or published: bearer tokens, JWTs, OAuth
 * tokens and codes in JSON or form encoding, passwords and secrets in key=value or JSON form,
 * SIP digest responses, SDP SDES keys ({@code inline:...}), and PEM private keys. Applied to
 * every log line by {@link ScrubbingWriter}.
 */
public final class LogScrubber {

    public static final String MASK = "***";

    private record Rule(Pattern pattern, String replacement) { }

    private static final String KEYS = "access_token|refresh_token|id_token|device_code|client_secret|"
            + "password|passwd|secret|assertion|client_assertion|code|sign[_-]?key|private[_-]?key|token";

    private static final List<Rule> RULES = List.of(
            new Rule(Pattern.compile("-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\\s\\S]*?(-----END \\1PRIVATE KEY-----|\\z)"),
                    "-----BEGIN $1PRIVATE KEY-----" + MASK + "-----END $1PRIVATE KEY-----"),
            new Rule(Pattern.compile("(?i)\\b(Bearer|Basic)\\s+[A-Za-z0-9._~+/=-]{4,}"), "$1 " + MASK),
            new Rule(Pattern.compile("\\beyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*"), MASK),
            // JSON: "refresh_token": "..."
            new Rule(Pattern.compile("(?i)(\"(?:" + KEYS + ")\"\\s*:\\s*\")((?:[^\"\\\\]|\\\\.)*)(\")"), "$1" + MASK + "$3"),
            // form / properties / query: refresh_token=...
            new Rule(Pattern.compile("(?i)\\b((?:[a-z0-9_.-]*\\.)?(?:" + KEYS + "))(\\s*[=:]\\s*)(?!\\*\\*\\*)([^\\s&,;\"']+)"),
                    "$1$2" + MASK),
            // SIP digest: response="..."
            new Rule(Pattern.compile("(?i)(response=\")[0-9a-f]+(\")"), "$1" + MASK + "$2"),
            // SDP SDES key (RFC 4568): a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:<base64 key||salt>
            new Rule(Pattern.compile("(?i)\\b(inline:)(?!\\*\\*\\*)[A-Za-z0-9+/=]{4,}"), "$1" + MASK),
            // WS-Security token in MDM SOAP (MS-MDE2): <wsse:BinarySecurityToken ...>base64 of a JWT</...>
            new Rule(Pattern.compile("(<(?:[A-Za-z0-9_]+:)?BinarySecurityToken\\b[^>]*>)(?!\\*\\*\\*)[^<]+"), "$1" + MASK));

    private LogScrubber() {
    }

    /** Returns {@code text} with every secret replaced by {@value #MASK}. */
    public static String scrub(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String s = text;
        for (Rule r : RULES) {
            Matcher m = r.pattern.matcher(s);
            if (m.find()) {
                s = m.replaceAll(r.replacement);
            }
        }
        return s;
    }
}
