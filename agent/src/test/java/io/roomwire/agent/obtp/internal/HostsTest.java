package io.roomwire.agent.obtp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class HostsTest {

    @Test
    void acceptsRealHostsNormalisedToLowerCaseWithoutTrailingDot() {
        assertEquals(Optional.of("m.webex.com"), Hosts.normalise("M.Webex.COM."));
        assertEquals(Optional.of("vc.contoso.example"), Hosts.normalise("vc.contoso.example"));
        assertEquals(Optional.of("nam12.safelinks.protection.outlook.com"),
                Hosts.normalise("nam12.safelinks.protection.outlook.com"));
    }

    @Test
    void suffixMatchesOnlyOnLabelBoundaries() {
        assertTrue(Hosts.isUnder("m.webex.com", "m.webex.com"));
        assertTrue(Hosts.isUnder("eu.m.webex.com", "m.webex.com"));
        assertFalse(Hosts.isUnder("xm.webex.com", "m.webex.com"));
        assertFalse(Hosts.isUnder("m.webex.com.evil.example", "m.webex.com"));
        assertFalse(Hosts.isUnder("evilzoom.us", "zoom.us"));
    }

    @Test
    void rejectsHostsThatOnlyContainATrustedName() {
        for (String h : new String[] {"m.webex.com.evil.example", "teams.microsoft.com.evil.example",
            "zoom.us.attacker.example", "t.plcm.vc.example.org"}) {
            Hosts.Verdict v = Hosts.check(h);
            assertInstanceOf(Hosts.Verdict.Rejected.class, v, h);
            assertTrue(((Hosts.Verdict.Rejected) v).why().startsWith("look-alike"), h + ": " + v);
        }
    }

    @Test
    void rejectsLookAlikeUnicodeAndItsPunycode() {
        String cyrillicE = "m.w\u0435bex.com";
        Hosts.Verdict v = Hosts.check(cyrillicE);
        assertInstanceOf(Hosts.Verdict.Rejected.class, v);
        assertTrue(((Hosts.Verdict.Rejected) v).why().contains("look-alike of"), v.toString());
        String puny = java.net.IDN.toASCII("teams.micr\u043esoft.com");
        assertTrue(puny.contains("xn--"), puny);
        assertTrue(((Hosts.Verdict.Rejected) Hosts.check(puny)).why().contains("look-alike of teams.microsoft.com"));
        assertInstanceOf(Hosts.Verdict.Rejected.class, Hosts.check("\uff4d.webex.com"), "fullwidth m");
        assertInstanceOf(Hosts.Verdict.Rejected.class, Hosts.check("b\u00fccher.example"), "any non-ASCII host");
    }

    @Test
    void rejectsMalformedHosts() {
        for (String h : new String[] {"", "a..b", ".a.b", "a b.example", "a_b.example", "a%2eb.example", "x".repeat(254)}) {
            assertInstanceOf(Hosts.Verdict.Rejected.class, Hosts.check(h), h);
        }
    }
}
