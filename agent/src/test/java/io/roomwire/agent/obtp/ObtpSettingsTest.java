package io.roomwire.agent.obtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.agent.config.Settings;
import io.roomwire.sip.JoinTarget;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ObtpSettingsTest {

    @Test
    void defaultsMatchTheDocumentedValues() {
        ObtpSettings s = ObtpSettings.from(ObtpFixtures.config(Map.of()));
        assertEquals(Duration.ofMinutes(5), s.preroll());
        assertEquals(Duration.ZERO, s.grace());
        assertTrue(s.showTentative());
        assertEquals(Optional.empty(), s.cviProvider());
        assertEquals(List.of(ObtpSettings.JoinMethod.DIRECT, ObtpSettings.JoinMethod.IVR, ObtpSettings.JoinMethod.WEBRTC),
                s.preference());
        assertEquals(ObtpSettings.defaults().preference(), s.preference());
        assertEquals("sips:{id}.{tenant}@{domain}", s.templates(ObtpSettings.CviProvider.CISCO).direct());
        assertEquals("sips:{tenant}.{id}@{domain}", s.templates(ObtpSettings.CviProvider.POLY).direct());
    }

    @Test
    void everyObtpKeyIsRegisteredAndInTheSample() {
        assertTrue(Settings.all().stream().anyMatch(s -> s.key().equals("obtp.preroll")));
        String sample = Settings.sample();
        for (String k : List.of("obtp.preroll", "obtp.grace", "obtp.show-tentative", "obtp.cvi-provider",
                "obtp.cvi-domain", "obtp.cvi-tenant-key", "obtp.template.cisco.direct", "obtp.preference")) {
            assertTrue(sample.contains(k), k);
        }
    }

    @Test
    void badValuesAreRefusedWithTheKeyAndWhatIsExpected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ObtpFixtures.config(Map.of("obtp.template.poly.direct", "sips:{tenant}@{domain}")));
        assertTrue(e.getMessage().contains("obtp.template.poly.direct") && e.getMessage().contains("{id}"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ObtpFixtures.config(Map.of("obtp.template.cisco.ivr", "sips:{id}@{domain}")));
        assertTrue(e.getMessage().contains("DTMF"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ObtpFixtures.config(Map.of("obtp.preference", "direct,direct")));
        assertTrue(e.getMessage().contains("listed twice"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ObtpFixtures.config(Map.of("obtp.preference", "direct,fax")));
        assertTrue(e.getMessage().contains("direct, ivr, webrtc"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ObtpFixtures.config(Map.of("obtp.cvi-provider", "bluejeans")));
        assertTrue(e.getMessage().contains("obtp.cvi-provider"), e.getMessage());
    }

    @Test
    void customTemplatesDriveTheDialPlan() {
        ObtpSettings s = ObtpSettings.from(ObtpFixtures.config(Map.of("obtp.template.generic.direct",
                "sip:vtc-{id}@{domain}", "obtp.template.generic.ivr", "sip:lobby@{domain}")));
        List<JoinTarget> ts = s.dialPlan().targets("teams-cvi", "ignored", "123456", "gw.example.org", "body");
        assertEquals(List.of(JoinTarget.sip("sip:vtc-123456@gw.example.org", "teams-cvi", "body"),
                JoinTarget.ivr("sip:lobby@gw.example.org", "123456#", "teams-cvi", "body")), ts);
    }
}
