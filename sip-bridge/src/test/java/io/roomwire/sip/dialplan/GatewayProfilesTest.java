package io.roomwire.sip.dialplan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GatewayProfilesTest {

    private static final GatewayProfiles STD = GatewayProfiles.standard();

    @Test
    void describesEachInteropProviderOnce() {
        assertEquals(List.of("teams-cisco", "teams-poly", "teams-pexip", "teams-cvi", "webex", "zoom", "sip"),
                GatewayProfiles.standard().all().stream().map(GatewayProfile::provider).toList());
    }

    @Test
    void theMostSpecificGatewayDomainWins() {
        assertEquals("teams-cisco", STD.forHost("m.webex.com").orElseThrow().provider());
        assertEquals("webex", STD.forHost("acme.webex.com").orElseThrow().provider());
        assertEquals("teams-poly", STD.forHost("t.plcm.vc").orElseThrow().provider());
        assertEquals("zoom", STD.forHost("zoomcrc.com").orElseThrow().provider());
    }

    @Test
    void aHostThatOnlyEndsInTheSameLettersIsNotTheGateway() {
        assertEquals(Optional.empty(), STD.forHost("evilm.webex.com.example"));
        assertEquals(Optional.empty(), STD.forHost("notzoomcrc.com"));
    }

    @Test
    void linksNameOnlyTeamsCviProviders() {
        assertEquals("teams-pexip", STD.forLink("acme.pexip.me").orElseThrow().provider());
        assertEquals(Optional.empty(), STD.forLink("zoom.us"), "a Zoom link is a Zoom meeting, not a CVI gateway");
    }

    @Test
    void theDialPlanUsesTheProfilesTemplates() {
        DialPlan plan = DialPlan.standard();
        for (GatewayProfile g : List.of(GatewayProfiles.CISCO_VIMT, GatewayProfiles.POLY_REALCONNECT, GatewayProfiles.PEXIP)) {
            assertEquals(g.template(), plan.template(g.provider()).orElseThrow());
        }
        assertEquals("sip:85012345678.123456@zoomcrc.com", GatewayProfiles.ZOOM.direct("", "85012345678.123456", "")
                .orElseThrow());
    }

    @Test
    void anAddedProviderComesBeforePlainSipAndAnOverrideKeepsItsPlace() {
        GatewayProfile acme = new GatewayProfile("acme", "Acme VC", List.of("vc.acme.example"), List.of(),
                new DialTemplate("acme", Optional.of("sips:{id}@{domain}"), Optional.empty(), Optional.empty()), false);
        GatewayProfiles p = STD.with(acme).with(GatewayProfiles.PEXIP.withDtmf(java.time.Duration.ofSeconds(4),
                java.time.Duration.ofMillis(300)));
        assertEquals(List.of("teams-cisco", "teams-poly", "teams-pexip", "teams-cvi", "webex", "zoom", "acme", "sip"),
                p.all().stream().map(GatewayProfile::provider).toList());
        assertEquals("acme", p.forHost("eu.vc.acme.example").orElseThrow().provider());
        assertEquals(java.time.Duration.ofSeconds(4), p.byProvider("teams-pexip").orElseThrow().dtmf().orElseThrow()
                .initialDelay());
        assertEquals("acme", p.forCall("sip", "vc.acme.example").provider(), "a typed-in address finds its gateway by host");
        assertEquals("teams-pexip", p.forCall("teams-pexip", "vc.acme.example").provider(), "a named provider wins");
        assertEquals("sip", p.forCall("sip", "example.org").provider());
    }

    @Test
    void mediaNeedsNameKnownCodecsAndOrderTheOffer() {
        GatewayProfile.Media m = new GatewayProfile.Media(Optional.of(io.roomwire.sip.SipTransport.TCP), Optional.empty(),
                List.of("pcma", "G722"), false);
        assertEquals(List.of("PCMA", "G722"), m.audioCodecs());
        assertEquals(false, m.allows(io.roomwire.sip.SipTransport.UDP));
        assertEquals(true, m.allows(io.roomwire.sip.SipTransport.TLS));
        io.roomwire.sip.sdp.MediaCapabilities c = m.limit(io.roomwire.sip.sdp.MediaCapabilities.standard());
        assertEquals(List.of("PCMA", "G722", "telephone-event"), c.of(io.roomwire.hal.MediaKind.AUDIO).stream()
                .map(io.roomwire.sip.sdp.RtpMap::encoding).toList());
        assertEquals(List.of(), c.of(io.roomwire.hal.MediaKind.VIDEO));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new GatewayProfile.Media(Optional.empty(), Optional.empty(), List.of("g729"), true));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("g729"), e.getMessage());
    }
}
