package io.roomwire.agent.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.agent.config.Config;
import io.roomwire.agent.config.ConfigException;
import io.roomwire.agent.config.ConfigProblem;
import io.roomwire.agent.config.Settings;
import io.roomwire.agent.obtp.InvitationParser;
import io.roomwire.agent.obtp.MeetingInvite;
import io.roomwire.agent.obtp.ObtpSettings;
import io.roomwire.agent.obtp.ParsedInvitation;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sip.SipTransport;
import io.roomwire.sip.dialplan.GatewayProfile;
import io.roomwire.sip.dialplan.GatewayProfiles;
import io.roomwire.sip.sdp.SrtpPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** gateway.<provider>.*: one prefix overrides a built-in provider or adds one, for the parser and the dial alike. */
class GatewaySettingsTest {

    static final String ACME = """
            gateway.acme.name = Acme VC
            gateway.acme.domains = vc.acme.example
            gateway.acme.direct-template = sips:{id}@{domain}
            gateway.acme.transport = tls
            gateway.acme.srtp = best-effort
            gateway.acme.audio-codecs = PCMU, opus
            gateway.acme.video = false
            gateway.acme.dtmf.delay = 3s
            """;

    static Config parse(String text) throws ConfigException {
        return Config.parse("room.properties", text, Map.of(), Settings.all());
    }

    static MeetingInvite invite(String body) {
        return new MeetingInvite("id", "s", "o", Instant.parse("2026-03-30T07:00:00Z"),
                Instant.parse("2026-03-30T08:00:00Z"), false, false, "accepted", "busy", "normal", "singleInstance",
                Optional.empty(), Optional.empty(), "unknown", List.of(), "text", body);
    }

    @Test
    void withoutGatewayKeysTheProfilesAreTheBuiltInOnes() throws Exception {
        assertEquals(GatewayProfiles.standard().all(), GatewaySettings.profiles(parse("")).all());
    }

    @Test
    void aProviderAddedFromTheConfigHasEveryFieldItNames() throws Exception {
        GatewayProfile acme = GatewaySettings.profiles(parse(ACME)).byProvider("acme").orElseThrow();
        assertEquals("Acme VC", acme.name());
        assertEquals(List.of("vc.acme.example"), acme.domains());
        assertEquals(Optional.of("sips:{id}@{domain}"), acme.template().direct());
        assertEquals(Optional.of(SipTransport.TLS), acme.media().transport());
        assertEquals(Optional.of(SrtpPolicy.BEST_EFFORT), acme.media().srtp());
        assertEquals(List.of("PCMU", "opus"), acme.media().audioCodecs());
        assertEquals(false, acme.media().video());
        // the gap was not given: sip.dtmf-gap's default
        assertEquals(new GatewayProfile.DtmfTiming(Duration.ofSeconds(3), Duration.ofMillis(100)), acme.dtmf().orElseThrow());
        assertEquals("acme", GatewaySettings.profiles(parse(ACME)).forCall("sip", "eu.vc.acme.example").provider());
    }

    @Test
    void anOverrideChangesOnlyTheFieldsItNames() throws Exception {
        GatewayProfiles p = GatewaySettings.profiles(parse("""
                gateway.teams-pexip.domains = vc.fabrikam.example
                gateway.teams-pexip.dtmf.delay = 4s
                gateway.teams-pexip.dtmf.gap = 300ms
                """));
        GatewayProfile pexip = p.byProvider("teams-pexip").orElseThrow();
        assertEquals(List.of("vc.fabrikam.example"), pexip.domains());
        assertEquals(GatewayProfiles.PEXIP.template(), pexip.template());
        assertEquals(GatewayProfiles.PEXIP.linkHosts(), pexip.linkHosts());
        assertTrue(pexip.cvi());
        assertEquals(new GatewayProfile.DtmfTiming(Duration.ofSeconds(4), Duration.ofMillis(300)), pexip.dtmf().orElseThrow());
        assertEquals(GatewayProfiles.standard().all().stream().map(GatewayProfile::provider).toList(),
                p.all().stream().map(GatewayProfile::provider).toList(), "an override keeps the provider's place");
    }

    @Test
    void theParserOffersAJoinButtonForAnAddressOnAnAddedProvidersDomain() throws Exception {
        MeetingInvite m = invite("Join from a room system: 4412345678@vc.acme.example\nQuestions: megan@contoso.example");
        ParsedInvitation before = new InvitationParser(ObtpSettings.from(parse(""))).parse(m);
        assertEquals(List.of(), before.targets(), "an address on an unknown host is not a meeting");
        ParsedInvitation after = new InvitationParser(ObtpSettings.from(parse(ACME))).parse(m);
        JoinTarget t = after.primary().orElseThrow();
        assertEquals("sips:4412345678@vc.acme.example", t.uri(), "the address through the provider's direct template");
        assertEquals("acme", t.provider());
        assertEquals(1, after.targets().size(), after.targets().toString());
    }

    @Test
    void theParserDialsAnOverriddenPexipDomainWithPexipsTemplates() throws Exception {
        MeetingInvite m = invite("Join with a video conferencing device\nteams@vc.fabrikam.example\n"
                + "Video Conference ID: 123456789\n");
        List<JoinTarget> generic = new InvitationParser(ObtpSettings.from(parse(""))).parse(m).targets();
        assertEquals("teams-cvi", generic.get(0).provider(), generic.toString());
        List<JoinTarget> pexip = new InvitationParser(ObtpSettings.from(parse(
                "gateway.teams-pexip.domains = vc.fabrikam.example\n"))).parse(m).targets();
        assertEquals("teams-pexip", pexip.get(0).provider(), pexip.toString());
        assertEquals("sips:123456789@vc.fabrikam.example", pexip.get(0).uri());
        assertTrue(pexip.stream().anyMatch(t -> t.kind() == JoinTarget.Kind.SIP_IVR
                && t.uri().equals("sips:teams@vc.fabrikam.example") && t.dtmf().equals(Optional.of("123456789#"))),
                pexip.toString());
    }

    @Test
    void anAddedCviProvidersTemplatesDialItsInvitations() throws Exception {
        MeetingInvite m = invite("Join with a video conferencing device\n90210@cvi.globex.example\n"
                + "Video Conference ID: 123456789\n");
        List<JoinTarget> t = new InvitationParser(ObtpSettings.from(parse("""
                gateway.globex.domains = cvi.globex.example
                gateway.globex.cvi = true
                gateway.globex.direct-template = sips:{tenant}-{id}@{domain}
                gateway.globex.ivr-template = sips:lobby@{domain}
                """))).parse(m).targets();
        assertEquals("sips:90210-123456789@cvi.globex.example", t.get(0).uri(), t.toString());
        assertEquals("globex", t.get(0).provider());
        assertTrue(t.stream().anyMatch(x -> x.uri().equals("sips:lobby@cvi.globex.example")), t.toString());
    }

    @Test
    void unknownFieldsBadNamesAndBadValuesAreReportedWithTheirKey() {
        assertProblem("gateway.acme.domian = vc.acme.example\n", "gateway.acme.domian", "did you mean gateway.acme.domains");
        assertProblem("gateway.dtmf.delay = 2s\n", "gateway.dtmf.delay", "gateway.dtmf has no field 'delay'");
        assertProblem("gateway.Acme_VC.domains = vc.acme.example\n", "gateway.Acme_VC.domains", "not a name for gateway.<provider>");
        assertProblem(ACME + "gateway.acme.transport = sctp\n", "gateway.acme.transport", "given twice");
        assertProblem("gateway.zoom.transport = sctp\n", "gateway.zoom.transport", "any, udp, tcp, tls");
        assertProblem("gateway.zoom.audio-codecs = G729\n", "gateway.zoom.audio-codecs", "unknown audio codec 'G729'");
        assertProblem("gateway.zoom.srtp = maybe\n", "gateway.zoom.srtp", "required, best-effort");
        assertProblem("gateway.zoom.dtmf.delay = 2m\n", "gateway.zoom.dtmf.delay", "");
        assertProblem("gateway.zoom.domains = zoom crc\n", "gateway.zoom.domains", "DNS names");
        assertProblem("gateway.acme.ivr-template = sips:{id}@{domain}\n", "gateway.acme.ivr-template", "DTMF");
        assertProblem("gateway.acme.direct-template = sips:{id}@{domain}\n", "gateway.acme.direct-template",
                "needs gateway.acme.domains");
        assertProblem("gateway.acme.domains = vc.acme.example\n", "gateway.acme.domains",
                "needs gateway.acme.direct-template or gateway.acme.ivr-template");
        assertProblem("obtp.template.cisco.direct = sips:{id}@{domain}\ngateway.teams-cisco.direct-template = sips:x{id}@{domain}\n",
                "obtp.template.cisco.direct", "set one of");
    }

    @Test
    void aGatewayKeyIsOneOfTheFilesOnlyAndALiveSetting() throws Exception {
        Config c = parse(ACME);
        Config changed = c.with(Map.of("gateway.acme.domains", "vc2.acme.example", "gateway.zoom.video", "false"));
        assertEquals(List.of("gateway.acme.domains", "gateway.zoom.video"), c.changedKeys(changed));
        assertEquals(List.of("vc2.acme.example"), GatewaySettings.profiles(changed).byProvider("acme").orElseThrow().domains());
        assertTrue(changed.setting("gateway.acme.domains").map(s -> !s.restart()).orElse(false));
        assertThrows(ConfigException.class, () -> c.with(Map.of("gateway.acme.colour", "red")));
        assertTrue(changed.toPropertiesText().contains("gateway.zoom.video = false"), changed.toPropertiesText());
        // The environment carries no gateway keys (a provider name cannot be told apart from a field in ROOMWIRE_*).
        Config env = Config.parse("f", "", Map.of("ROOMWIRE_GATEWAY_ACME_DOMAINS", "x.example"), Settings.all());
        assertEquals(List.of(), List.copyOf(env.members(GatewaySettings.PREFIX)));
    }

    @Test
    void aChangedProfileAppliesToTheNextDialWithoutARestart() throws Exception {
        Config tls = parse("sip.transport = udp\nsip.lab.allow-cleartext-srtp-keys = true\n"
                + "gateway.acme.domains = vc.acme.example\ngateway.acme.direct-template = sip:{id}@{domain}\n"
                + "gateway.acme.transport = tls\n");
        io.roomwire.core.time.VirtualScheduler time = new io.roomwire.core.time.VirtualScheduler();
        GatewaySettings.Live live = new GatewaySettings.Live(tls);
        io.roomwire.sip.ua.SipJoinPath sip = io.roomwire.sip.ua.SipJoinPath.builder(SipAgentSettings.from(tls), time)
                .codec(io.roomwire.hal.sim.SimDevice.create(time, io.roomwire.hal.sim.SimDevice.defaultInfo()).codec())
                .resolver((host, port, transport) -> List.of(new io.roomwire.sip.ua.SipHop("127.0.0.1", 9, transport)))
                .gatewayProfiles(live).build();
        sip.start();
        try {
            JoinTarget acme = JoinTarget.sip("sip:4412345678@vc.acme.example", "acme", "test");
            io.roomwire.sip.Call refused = sip.dial(acme);
            assertEquals(io.roomwire.sip.CallState.ENDED, refused.state());
            assertEquals("gateway.acme.transport=tls but sip.transport=udp", refused.end().orElseThrow().detail());
            live.accept(tls.with(Map.of("gateway.acme.transport", "any"))); // what AgentRoomControl.apply hands on
            io.roomwire.sip.Call placed = sip.dial(acme);
            assertTrue(placed.end().isEmpty(), "the next dial follows the changed profile: " + placed.end());
            placed.hangUp();
        } finally {
            sip.stop();
        }
    }

    private static void assertProblem(String text, String key, String says) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(text), text);
        ConfigProblem p = e.problems().stream().filter(x -> x.key().equals(key)).findFirst()
                .orElseThrow(() -> new AssertionError("no problem for " + key + " in " + e.problems()));
        assertTrue(p.message().contains(says), p.toString());
        assertTrue(p.line() > 0, "a problem names its line: " + p);
    }
}
