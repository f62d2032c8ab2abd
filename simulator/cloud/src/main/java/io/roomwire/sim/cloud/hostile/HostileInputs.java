package io.roomwire.sim.cloud.hostile;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Deterministic hostile inputs for parser suites: hand-picked attacks for each format plus seeded
 * mutations (truncation, bit flips, splices, repeats) of a valid sample. The same seed gives the
 * same inputs on every run, so a failure reproduces from the seed in the test's message.
 */
public final class HostileInputs {

    private final Random random;

    public HostileInputs(long seed) {
        this.random = new Random(seed);
    }

    /** JSON attacks and {@code mutations} mutants of {@code valid}. */
    public List<byte[]> json(String valid, int mutations) {
        List<String> s = new ArrayList<>(List.of("", " ", "null", "true", "42", "\"a string\"", "[]", "{}", "{",
                "}", "[", "{\"a\":", "{\"a\":1,}", "{'single':'quotes'}", "{\"a\":NaN}", "{\"a\":1e999999}",
                "{\"a\":-0}", "{\"a\":99999999999999999999999999999999}", "\uFEFF{}", "{\"\u0000\":\"\u0000\"}",
                "{\"a\":\"\\ud800\"}", "{\"a\":\"\\u12\"}", "<html><body>502 Bad Gateway</body></html>",
                "[" + "{\"value\":1}".repeat(10) + "]", "{\"a\":1}{\"b\":2}", "{\"a\":1} trailing"));
        s.add("[".repeat(100_000) + "]".repeat(100_000));
        s.add("{\"a\":".repeat(50_000) + "1" + "}".repeat(50_000));
        s.add("\"" + "x".repeat(2_000_000) + "\"");
        s.add("{" + "\"k\":1,".repeat(200_000) + "\"k\":2}");
        List<byte[]> out = new ArrayList<>(bytes(s));
        out.addAll(wrongTypes(valid));
        out.addAll(mutants(valid.getBytes(StandardCharsets.UTF_8), mutations));
        return out;
    }

    /** Each top-level value of a flat JSON object replaced by each other JSON type, one at a time. */
    private static List<byte[]> wrongTypes(String valid) {
        List<byte[]> out = new ArrayList<>();
        String[] replacements = {"null", "[]", "{}", "0", "-1", "\"\"", "true", "\"" + "9".repeat(40) + "\"", "[null]"};
        int i = 0;
        while ((i = valid.indexOf("\":", i)) >= 0) {
            int start = i + 2;
            int end = endOfValue(valid, start);
            for (String r : replacements) {
                out.add((valid.substring(0, start) + r + valid.substring(end)).getBytes(StandardCharsets.UTF_8));
            }
            i = start;
        }
        return out;
    }

    private static int endOfValue(String s, int from) {
        int depth = 0;
        boolean str = false;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (str) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    str = false;
                }
            } else if (c == '"') {
                str = true;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (depth == 0) {
                    return i;
                }
                depth--;
            } else if (c == ',' && depth == 0) {
                return i;
            }
        }
        return s.length();
    }

    /** XML attacks (XXE, entity expansion, DTDs, deep nesting) and mutants of {@code valid}. */
    public List<byte[]> xml(String valid, int mutations) {
        List<String> s = new ArrayList<>(List.of("", "<", "<a>", "</a>", "<a></b>", "not xml at all", "\uFEFF<a/>",
                "<?xml version=\"1.0\" encoding=\"UTF-32\"?><a/>",
                "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><a>&x;</a>",
                "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY % p SYSTEM \"http://127.0.0.1:1/x.dtd\"> %p;]><a/>",
                "<?xml version=\"1.0\"?><!DOCTYPE a SYSTEM \"http://127.0.0.1:1/x.dtd\"><a/>",
                billionLaughs(),
                "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY y \"" + "y".repeat(100_000) + "\">]><a>" + "&y;".repeat(1000) + "</a>",
                "<xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" href=\"file:///etc/passwd\"/>",
                "<a xmlns:a=\"urn:a\"><a:b a:c=\"1\" a:c=\"2\"/></a>",
                "<a>&#0;</a>", "<a>&#xD800;</a>", "<a>]]></a>", "<![CDATA[<a/>]]>"));
        s.add("<a>".repeat(100_000) + "</a>".repeat(100_000));
        s.add("<a " + attributes(50_000) + "/>");
        s.add("<a>" + "x".repeat(3_000_000) + "</a>");
        List<byte[]> out = new ArrayList<>(bytes(s));
        out.addAll(mutants(valid.getBytes(StandardCharsets.UTF_8), mutations));
        return out;
    }

    private static String billionLaughs() {
        StringBuilder b = new StringBuilder("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">");
        for (int i = 1; i <= 9; i++) {
            b.append("<!ENTITY lol").append(i).append(" \"").append(("&lol" + (i == 1 ? "" : i - 1) + ";").repeat(10)).append("\">");
        }
        return b.append("]><lolz>&lol9;</lolz>").toString();
    }

    private static String attributes(int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            b.append('a').append(i).append("=\"v\" ");
        }
        return b.toString();
    }

    /** HTML attacks on an invitation body (nesting, scripts, unicode tricks, huge) and mutants of {@code valid}. */
    public List<String> html(String valid, int mutations) {
        List<String> s = new ArrayList<>(List.of("", "<", "<a href=", "<a href=\"https://", "&", "&#", "&#x;", "&#99999999;",
                "&#xD800;", "<!--", "<![CDATA[", "<script>location='https://evil.example/'</script>",
                "<script>https://zoom.us/j/123456789</script>",
                "<style>a{background:url(https://teams.microsoft.com/l/meetup-join/x)}</style>",
                "<a href=\"javascript:alert(1)\">https://teams.microsoft.com/l/meetup-join/x</a>",
                "<a href=\"https://evil.example/\">https://teams.microsoft.com/l/meetup-join/19%3ameeting</a>",
                "https://teams.microsoft.com\u202E/l/meetup-join/19%3ameeting\u202C",
                "https://teams.micr\u043Esoft.com/l/meetup-join/19%3ameeting",
                "https://zoom.us\u200B.evil.example/j/123456789",
                "https://zoom.us@evil.example/j/123456789",
                "https://evil.example#https://zoom.us/j/123456789",
                "sip:\u0000room@example.com", "sip:" + "a".repeat(100_000) + "@example.com",
                "https://" + "a.".repeat(50_000) + "zoom.us/j/1",
                "https://webex.com/meet/\r\nX-Injected: 1", "\uFEFF\uFFFE\uFFFF", "\uD83D", "\uDC00\uD800"));
        s.add("<div>".repeat(200_000) + "https://zoom.us/j/123456789" + "</div>".repeat(200_000));
        s.add("<b>".repeat(100_000));
        s.add("&amp;".repeat(500_000));
        s.add("https://zoom.us/j/".repeat(100_000));
        s.add("x".repeat(5_000_000));
        List<String> out = new ArrayList<>(s);
        for (byte[] m : mutants(valid.getBytes(StandardCharsets.UTF_8), mutations)) {
            out.add(new String(m, StandardCharsets.UTF_8));
        }
        return out;
    }

    /** Random bytes of random lengths, some empty. */
    public List<byte[]> binary(int count, int maxLength) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] b = new byte[random.nextInt(maxLength + 1)];
            random.nextBytes(b);
            out.add(b);
        }
        return out;
    }

    /** Seeded mutants of {@code valid}: truncations, bit flips, byte insertions, splices, repeats. */
    public List<byte[]> mutants(byte[] valid, int count) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(mutate(valid));
        }
        return out;
    }

    private byte[] mutate(byte[] in) {
        byte[] b = in.clone();
        int steps = 1 + random.nextInt(4);
        for (int s = 0; s < steps && b.length > 0; s++) {
            int at = random.nextInt(b.length);
            switch (random.nextInt(6)) {
                case 0 -> b = Arrays.copyOf(b, at);
                case 1 -> b[at] ^= (byte) (1 << random.nextInt(8));
                case 2 -> b[at] = (byte) "<>&\"'{}[],:\\\0\n".charAt(random.nextInt(14));
                case 3 -> {
                    byte[] junk = new byte[1 + random.nextInt(16)];
                    random.nextBytes(junk);
                    b = splice(b, at, junk);
                }
                case 4 -> {
                    int len = Math.min(b.length - at, 1 + random.nextInt(64));
                    b = splice(b, at, Arrays.copyOfRange(b, at, at + len));
                }
                default -> {
                    int len = Math.min(b.length - at, 1 + random.nextInt(64));
                    byte[] cut = new byte[b.length - len];
                    System.arraycopy(b, 0, cut, 0, at);
                    System.arraycopy(b, at + len, cut, at, b.length - at - len);
                    b = cut;
                }
            }
        }
        return b;
    }

    private static byte[] splice(byte[] b, int at, byte[] insert) {
        byte[] out = new byte[b.length + insert.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(b, at, out, at + insert.length, b.length - at);
        return out;
    }

    private static List<byte[]> bytes(List<String> s) {
        List<byte[]> out = new ArrayList<>();
        for (String x : s) {
            out.add(x.getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }
}
