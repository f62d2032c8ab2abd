package io.roomwire.agent.obtp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import org.junit.jupiter.api.Test;

class HtmlTextTest {

    private static final ThreadMXBean THREAD = ManagementFactory.getThreadMXBean();

    private static final int TEN_MB = 10 * 1024 * 1024;

    @Test
    void extractsTextWithLineBreaksAtBlocksAndCollapsedSpaces() {
        HtmlText.Result r = HtmlText.html("<html><body><div>Video   Conference\n ID:</div><p>123&nbsp;456</p>"
                + "<table><tr><td>a</td><td>b</td></tr></table>x<br>y</body></html>", TEN_MB);
        assertEquals("Video Conference ID:\n123 456\na b\nx\ny", r.text());
    }

    @Test
    void decodesNamedDecimalAndHexEntitiesAndLeavesBrokenOnesLiteral() {
        assertEquals("a&b <c> \"d\" ' \u00e9 : @ \u20ac", HtmlText.html(
                "a&amp;b &lt;c&gt; &quot;d&quot; &#39; &eacute; &#x3A; &#64; &euro;", TEN_MB).text());
        assertEquals("& &unknown; \ufffd \ufffd &#", HtmlText.html("& &unknown; &#99999999999; &#xD800; &#", TEN_MB).text());
        assertEquals("\ufffd", HtmlText.html("&#0;", TEN_MB).text());
        assertEquals("a&b", HtmlText.html("a&ampb", TEN_MB).text(), "legacy &amp without ';'");
    }

    @Test
    void dropsScriptStyleAndOtherRawTextElementsWhateverTheirCase() {
        HtmlText.Result r = HtmlText.html("a<SCRIPT type=x>sip:evil@evil.example</script >b<style>p{}</STYLE>c"
                + "<noscript>n</noscript><title>t</title><textarea><a href='https://x.example'>z</a></textarea>d", TEN_MB);
        assertEquals("abcd", r.text());
        assertTrue(r.links().isEmpty(), "links inside raw text are not links");
    }

    @Test
    void collectsDecodedHrefsOfLinksOnly() {
        HtmlText.Result r = HtmlText.html("<a class=x href=\"https://a.example/?a=1&amp;b=2\">A</a>"
                + "<A HREF='sip:room@vc.example'>B</A><a href=https://c.example/>C</a><img src=\"https://img.example\">"
                + "<link href=\"https://css.example\"><area href=\" https://d.example \">", TEN_MB);
        assertEquals(List.of("https://a.example/?a=1&b=2", "sip:room@vc.example", "https://c.example/", "https://d.example"),
                r.links());
        assertEquals("ABC", r.text());
    }

    @Test
    void skipsCommentsDoctypesAndProcessingInstructionsEvenWhenUnterminated() {
        assertEquals("a b", HtmlText.html("<!DOCTYPE html>a<!-- hidden --> <?xml x?>b<![CDATA[c]]>", TEN_MB).text());
        assertEquals("visible", HtmlText.html("visible<!-- sip:hidden@evil.example", TEN_MB).text());
        assertEquals("v", HtmlText.html("v<!doctype", TEN_MB).text());
    }

    @Test
    void treatsStrayAngleBracketsAsText() {
        assertEquals("1 < 2 and 3 <> 4", HtmlText.html("1 < 2 and 3 <> 4", TEN_MB).text());
        assertEquals("x", HtmlText.html("x</ >", TEN_MB).text());
    }

    @Test
    void anUnterminatedAttributeQuoteEndsTheDocumentQuietly() {
        HtmlText.Result r = HtmlText.html("before<a href=\"https://x.example <p>after", TEN_MB);
        assertEquals("before", r.text());
        assertTrue(r.links().isEmpty());
    }

    @Test
    void removesInvisibleCharactersThatHideOrSplitWords() {
        assertEquals("Video ID", HtmlText.html("Vi\u200bdeo&#x200B; I&shy;D\ufeff", TEN_MB).text());
    }

    @Test
    void deeplyNestedElementsNeedNoRecursion() {
        int depth = 200_000;
        String html = "<div><span>".repeat(depth) + "deep" + "</span></div>".repeat(depth);
        assertEquals("deep", HtmlText.html(html, TEN_MB).text());
    }

    @Test
    void readsOnlyUpToTheLimitAndSaysSo() {
        HtmlText.Result r = HtmlText.html("abcdefghij", 4);
        assertEquals("abcd", r.text());
        assertTrue(r.truncated());
        assertFalse(HtmlText.html("abc", 4).truncated());
    }

    @Test
    void keepsAtMostMaxLinksAndDropsOverlongHrefs() {
        String many = "<a href=\"https://x.example/\">x</a>".repeat(HtmlText.MAX_LINKS + 500);
        assertEquals(HtmlText.MAX_LINKS, HtmlText.html(many, TEN_MB).links().size());
        String longHref = "<a href=\"https://x.example/" + "a".repeat(HtmlText.MAX_HREF) + "\">x</a>";
        assertTrue(HtmlText.html(longHref, TEN_MB).links().isEmpty());
    }

    @Test
    void tenMegabytesOfHostileMarkupParseInBoundedTime() {
        // Patterns that make naive parsers quadratic: many unclosed tags, '&' runs, '<' runs, open comments, '</'.
        List<String> units = List.of("<a href='x", "&&&&&&&&#x", "<<<<<<<<<<", "<!-<!-<!-<!", "</</</</</<",
                "<script>", "<div a=b c=d e=f>");
        for (String u : units) {
            String body = u.repeat(TEN_MB / u.length());
            // CPU time of this thread, not wall time: the bound is about the parser's work, not the machine's load.
            long t0 = THREAD.getCurrentThreadCpuTime();
            HtmlText.Result r = HtmlText.html(body, TEN_MB);
            long ms = (THREAD.getCurrentThreadCpuTime() - t0) / 1_000_000;
            assertTrue(ms < 3000, u + " took " + ms + " ms");
            assertTrue(r.text().length() <= body.length());
        }
    }
}
