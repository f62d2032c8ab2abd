package io.roomwire.sim.cloud.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.sim.cloud.graph.InvitationBodies.Provider;
import io.roomwire.sim.cloud.graph.InvitationBodies.Wording;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class InvitationBodiesTest {

    private static final String JOIN = InvitationBodies.teamsJoinUrl("weekly-sync");

    @Test
    void teamsJoinUrlIsDeterministicPerSeedAndLooksLikeTeams() {
        assertEquals(JOIN, InvitationBodies.teamsJoinUrl("weekly-sync"));
        assertNotEquals(JOIN, InvitationBodies.teamsJoinUrl("other"));
        assertTrue(JOIN.startsWith("https://teams.microsoft.com/l/meetup-join/19%3ameeting_"), JOIN);
        assertTrue(JOIN.contains("%40thread.v2/0?context=%7b%22Tid%22"), JOIN);
    }

    @Test
    void everyProviderAndWordingCarriesTheTenantAddressAndTheSpacedVideoId() {
        for (Provider p : Provider.values()) {
            for (Wording w : Wording.values()) {
                String body = InvitationBodies.teamsCvi(p, w, "823979477", "1189497860", JOIN);
                String where = p + "/" + w;
                assertTrue(body.contains("823979477@" + p.defaultDomain()), where);
                assertTrue(body.contains("118 949 786 0"), where);
                assertTrue(body.contains("video conferencing device"), where);
                assertTrue(body.contains("href=\"" + JOIN.replace("&", "&amp;") + "\""), where);
                assertEquals(count(body, "<div"), count(body, "</div>"), where + ": divs balanced");
            }
        }
    }

    @Test
    void wordingsUseTheirOwnLabels() {
        String with = InvitationBodies.teamsCvi(Provider.CISCO, Wording.JOIN_WITH, "contoso", "1234567890", JOIN);
        assertTrue(with.contains("Join with a video conferencing device") && with.contains("Video Conference ID: ")
                && with.contains("Alternate VTC instructions"));
        String on = InvitationBodies.teamsCvi(Provider.CISCO, Wording.JOIN_ON_TENANT_KEY, "contoso", "1234567890", JOIN);
        assertTrue(on.contains("Join on a video conferencing device") && on.contains("Tenant key: ")
                && on.contains("Video ID: ") && on.contains("More info"));
        assertFalse(on.contains("Video Conference ID"));
    }

    @Test
    void fullTenantAddressesAreKeptForPexipAndGeneric() {
        String body = InvitationBodies.teamsCvi(Provider.PEXIP, Wording.JOIN_WITH, "teams@vc.fabrikam.example",
                "987654321", JOIN);
        assertTrue(body.contains("teams@vc.fabrikam.example"));
        assertTrue(body.contains("https://pexip.me/teams/vc.fabrikam.example/987654321"));
    }

    @Test
    void webexAndZoomBodiesCarryTheirDialStrings() {
        String webex = InvitationBodies.webex("contoso", "25431234567");
        assertTrue(webex.contains("Dial 25431234567@contoso.webex.com"));
        assertTrue(webex.contains("2543 123 4567"));
        assertTrue(webex.contains("https://contoso.webex.com/contoso/j.php?MTID=m"));
        String zoom = InvitationBodies.zoom("81234567890", "123456");
        assertTrue(zoom.contains("https://us02web.zoom.us/j/81234567890?pwd="));
        assertTrue(zoom.contains("Meeting ID: 812 3456 7890") && zoom.contains("Passcode: 123456"));
        assertTrue(zoom.contains("81234567890@zoomcrc.com"));
    }

    @Test
    void safeLinksWrapsEveryWebLinkAndKeepsTheOriginalInTheUrlParameter() {
        String body = InvitationBodies.teamsCvi(Provider.POLY, Wording.JOIN_WITH, "823979477", "1189497860", JOIN);
        String wrapped = InvitationBodies.safeLinks(body, "nam12");
        Matcher m = Pattern.compile("href=\"(https?://[^\"]+)\"").matcher(wrapped);
        int n = 0;
        boolean sawJoin = false;
        while (m.find()) {
            String href = m.group(1).replace("&amp;", "&");
            assertTrue(href.startsWith("https://nam12.safelinks.protection.outlook.com/?url="), href);
            String inner = URLDecoder.decode(href.substring(href.indexOf("url=") + 4, href.indexOf("&data=")),
                    StandardCharsets.UTF_8);
            sawJoin |= inner.equals(JOIN);
            n++;
        }
        assertTrue(n >= 5, "links wrapped: " + n);
        assertTrue(sawJoin, "the join URL survives wrapping");
        assertTrue(wrapped.contains("href=\"tel:"), "non-web links are left alone");
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
