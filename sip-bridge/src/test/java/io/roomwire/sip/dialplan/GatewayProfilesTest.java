package io.roomwire.sip.dialplan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GatewayProfilesTest {

    @Test
    void describesEachInteropProviderOnce() {
        assertEquals(List.of("teams-cisco", "teams-poly", "teams-pexip", "teams-cvi", "webex", "zoom", "sip"),
                GatewayProfiles.ALL.stream().map(GatewayProfile::provider).toList());
    }

    @Test
    void theMostSpecificGatewayDomainWins() {
        assertEquals("teams-cisco", GatewayProfiles.forHost("m.webex.com").orElseThrow().provider());
        assertEquals("webex", GatewayProfiles.forHost("acme.webex.com").orElseThrow().provider());
        assertEquals("teams-poly", GatewayProfiles.forHost("t.plcm.vc").orElseThrow().provider());
        assertEquals("zoom", GatewayProfiles.forHost("zoomcrc.com").orElseThrow().provider());
    }

    @Test
    void aHostThatOnlyEndsInTheSameLettersIsNotTheGateway() {
        assertEquals(Optional.empty(), GatewayProfiles.forHost("evilm.webex.com.example"));
        assertEquals(Optional.empty(), GatewayProfiles.forHost("notzoomcrc.com"));
    }

    @Test
    void linksNameOnlyTeamsCviProviders() {
        assertEquals("teams-pexip", GatewayProfiles.forLink("acme.pexip.me").orElseThrow().provider());
        assertEquals(Optional.empty(), GatewayProfiles.forLink("zoom.us"), "a Zoom link is a Zoom meeting, not a CVI gateway");
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
}
