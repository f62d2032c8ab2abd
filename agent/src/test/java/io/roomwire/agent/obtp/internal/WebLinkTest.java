package io.roomwire.agent.obtp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class WebLinkTest {

    @Test
    void splitsLikeABrowserHostAfterTheLastAtAndBeforeABackslash() {
        assertEquals("evil.example", WebLink.parse("https://teams.microsoft.com@evil.example/x").orElseThrow().rawHost());
        assertEquals("evil.example", WebLink.parse("https://evil.example\\@teams.microsoft.com/x").orElseThrow().rawHost());
        assertEquals("zoom.us", WebLink.parse("HTTPS://zoom.us:443/j/1?pwd=x#top").orElseThrow().rawHost());
        WebLink w = WebLink.parse("https://zoom.us/j/123?pwd=a&x=b#f").orElseThrow();
        assertEquals("/j/123", w.path());
        assertEquals("pwd=a&x=b", w.query());
    }

    @Test
    void unwrapsSafeLinksIncludingDoubleWrapping() {
        String target = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_X%40thread.v2/0?context=%7b%7d";
        String once = "https://nam12.safelinks.protection.outlook.com/?url=" + URLEncoder.encode(target, StandardCharsets.UTF_8)
                + "&data=05%7C02&sdata=abc%3D&reserved=0";
        String twice = "https://eur03.safelinks.protection.outlook.com/?url=" + URLEncoder.encode(once, StandardCharsets.UTF_8)
                + "&reserved=0";
        for (String s : new String[] {once, twice}) {
            WebLink w = WebLink.parse(s).orElseThrow();
            assertEquals(target, w.url());
            assertEquals("teams.microsoft.com", w.rawHost());
            assertTrue(w.wrapped());
        }
    }

    @Test
    void doesNotUnwrapLookAlikeSafeLinksHosts() {
        String fake = "https://safelinks.protection.outlook.com.evil.example/?url=https%3A%2F%2Fzoom.us%2Fj%2F1";
        WebLink w = WebLink.parse(fake).orElseThrow();
        assertEquals("safelinks.protection.outlook.com.evil.example", w.rawHost());
        assertFalse(w.wrapped());
    }

    @Test
    void ignoresEverythingButHttpAndHttps() {
        for (String s : new String[] {"javascript:alert(1)", "mailto:a@b.example", "tel:+1", "data:text/html,x",
            "ftp://x.example/", "https:/x", "//x.example"}) {
            assertTrue(WebLink.parse(s).isEmpty(), s);
        }
    }

    @Test
    void percentDecodingKeepsMalformedEscapes() {
        assertEquals("a b%zz%", WebLink.percentDecode("a%20b%zz%"));
        assertEquals("\u00e9", WebLink.percentDecode("%C3%A9"));
    }
}
