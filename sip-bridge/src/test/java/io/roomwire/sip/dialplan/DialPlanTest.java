package io.roomwire.sip.dialplan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.sip.JoinTarget;
import java.util.List;
import org.junit.jupiter.api.Test;

class DialPlanTest {

    private final DialPlan plan = DialPlan.standard();

    @Test
    void ciscoDirectFirstThenIvrWithTheVideoIdAndHash() {
        List<JoinTarget> t = plan.targets(DialPlan.CISCO, "contoso", "123 456 789", null);
        assertEquals("sips:123456789.contoso@m.webex.com", t.get(0).uri());
        assertEquals(JoinTarget.Kind.SIP, t.get(0).kind());
        assertEquals("sips:contoso@m.webex.com", t.get(1).uri());
        assertEquals(JoinTarget.Kind.SIP_IVR, t.get(1).kind());
        assertEquals("123456789#", t.get(1).dtmf().orElseThrow());
        assertEquals("teams-cisco", t.get(0).provider());
    }

    @Test
    void polyPutsTheTenantKeyBeforeTheConferenceId() {
        assertEquals("sips:acme42.987654321@t.plcm.vc", plan.targets(DialPlan.POLY, "acme42", "987654321", "").get(0).uri());
    }

    @Test
    void pexipUsesTheInvitationsDomainAndTeamsIvr() {
        // Pexip's IVR is the invitation's tenant key address, teams@vc.example.com by convention.
        List<JoinTarget> t = plan.targets(DialPlan.PEXIP, "teams", "5551234", "vc.example.com", "body");
        assertEquals("sips:5551234@vc.example.com", t.get(0).uri());
        assertEquals("sips:teams@vc.example.com", t.get(1).uri());
        assertEquals("body", t.get(1).source());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> plan.targets(DialPlan.PEXIP, "any", "5551234", null)).getMessage().contains("domain"));
    }

    @Test
    void ivrPreferenceAndGenericTemplates() {
        DialPlan p = DialPlan.builder().preference(DialPlan.Preference.IVR)
                .template("zoom-crc", "sip:{id}.{tenant}@{domain}", null, "zoomcrc.com").secure(false).build();
        assertEquals(JoinTarget.Kind.SIP_IVR, p.targets(DialPlan.CISCO, "contoso", "123456789", null).get(0).kind());
        assertEquals("sip:contoso@m.webex.com", p.targets(DialPlan.CISCO, "contoso", "123456789", null).get(0).uri());
        assertEquals(List.of("sip:9988776655.pw@zoomcrc.com"),
                p.targets("zoom-crc", "pw", "9988776655", null).stream().map(JoinTarget::uri).toList());
    }

    @Test
    void badInputIsRefusedWithWhatIsWrong() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> plan.targets("nobody", "t", "1234", null))
                .getMessage().contains("no dial plan for provider 'nobody'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> plan.targets(DialPlan.CISCO, "t", "12ab", null))
                .getMessage().contains("video id"));
        assertThrows(IllegalArgumentException.class, () -> plan.targets(DialPlan.CISCO, "bad@tenant", "123456", null));
        assertThrows(IllegalArgumentException.class, () -> plan.targets(DialPlan.CISCO, "t", "123456", "evil.com;x=y"));
        assertThrows(IllegalArgumentException.class, () -> new DialTemplate("x",
                java.util.Optional.of("sip:{meeting}@{domain}"), java.util.Optional.empty(), java.util.Optional.empty()));
        assertThrows(IllegalArgumentException.class, () -> new DialTemplate("x",
                java.util.Optional.empty(), java.util.Optional.of("sip:{id}@x"), java.util.Optional.empty()));
    }
}
