package io.roomwire.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.agent.call.GatewaySettings;
import io.roomwire.agent.call.JoinPaths;
import io.roomwire.agent.call.SipAgentSettings;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.config.Setting;
import io.roomwire.agent.config.Settings;
import io.roomwire.agent.obtp.ObtpSettings;
import io.roomwire.agent.obtp.ObtpSettings.CviProvider;
import io.roomwire.agent.obtp.ObtpSettings.JoinMethod;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.sip.SipTransport;
import io.roomwire.sip.dialplan.GatewayProfile;
import io.roomwire.sip.sdp.SrtpPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every {@code obtp.*} setting marked live, and every {@code gateway.<provider>.*} field, reaches the
 * running meeting list when it is changed the way an operator changes it ({@code config.set} lands in
 * {@link AgentRoomControl#applyConfig}), without a restart. (The dial side of a gateway change:
 * {@code GatewaySettingsTest.aChangedProfileAppliesToTheNextDialWithoutARestart}.)
 */
class LiveObtpSettingsTest {

    @TempDir
    Path dir;

    private final VirtualScheduler time = new VirtualScheduler(Instant.parse("2026-01-05T09:00:00Z"));

    static Stream<Arguments> liveSettings() {
        return Stream.of(
                live(ObtpSettings.PREROLL, "12m", ObtpSettings::preroll, Duration.ofMinutes(12)),
                live(ObtpSettings.GRACE, "3m", ObtpSettings::grace, Duration.ofMinutes(3)),
                live(ObtpSettings.SHOW_TENTATIVE, "false", ObtpSettings::showTentative, false),
                live(ObtpSettings.CVI_PROVIDER, "poly", ObtpSettings::cviProvider, Optional.of(CviProvider.POLY)),
                live(ObtpSettings.CVI_DOMAIN, "video.contoso.com", ObtpSettings::cviDomain, Optional.of("video.contoso.com")),
                live(ObtpSettings.CVI_TENANT_KEY, "778899", ObtpSettings::cviTenantKey, Optional.of("778899")),
                template(ObtpSettings.CISCO_DIRECT, CviProvider.CISCO, true, "sip:{id}.{tenant}@{domain}"),
                template(ObtpSettings.CISCO_IVR, CviProvider.CISCO, false, "sip:{tenant}@{domain}"),
                template(ObtpSettings.POLY_DIRECT, CviProvider.POLY, true, "sip:{tenant}.{id}@{domain}"),
                template(ObtpSettings.POLY_IVR, CviProvider.POLY, false, "sip:{tenant}@{domain}"),
                template(ObtpSettings.PEXIP_DIRECT, CviProvider.PEXIP, true, "sip:{id}@{domain}"),
                template(ObtpSettings.PEXIP_IVR, CviProvider.PEXIP, false, "sip:ivr.{tenant}@{domain}"),
                template(ObtpSettings.GENERIC_DIRECT, CviProvider.GENERIC, true, "sip:{id}@{domain}"),
                template(ObtpSettings.GENERIC_IVR, CviProvider.GENERIC, false, "sip:{tenant}@{domain}"),
                live(ObtpSettings.CVI_SIPS, "false", ObtpSettings::cviSips, false),
                live(ObtpSettings.PREFERENCE_ORDER, "ivr,direct", ObtpSettings::preference,
                        List.of(JoinMethod.IVR, JoinMethod.DIRECT)),
                live(ObtpSettings.MAX_BODY_CHARS, "5000", ObtpSettings::maxBodyChars, 5000));
    }

    /** Every gateway.<provider>.* field, on a built-in provider: the meeting list's parser reads the new profile. */
    static Stream<Arguments> liveGatewaySettings() {
        return Stream.of(
                pexip(GatewaySettings.NAME, "Pexip Infinity", GatewayProfile::name, "Pexip Infinity"),
                pexip(GatewaySettings.DOMAINS, "vc.fabrikam.example", GatewayProfile::domains, List.of("vc.fabrikam.example")),
                pexip(GatewaySettings.LINK_HOSTS, "join.fabrikam.example", GatewayProfile::linkHosts,
                        List.of("join.fabrikam.example")),
                pexip(GatewaySettings.DIRECT, "sips:vmr{id}@{domain}", g -> g.template().direct(),
                        Optional.of("sips:vmr{id}@{domain}")),
                pexip(GatewaySettings.IVR, "sips:lobby@{domain}", g -> g.template().ivr(), Optional.of("sips:lobby@{domain}")),
                pexip(GatewaySettings.DEFAULT_DOMAIN, "vc.fabrikam.example", g -> g.template().defaultDomain(),
                        Optional.of("vc.fabrikam.example")),
                pexip(GatewaySettings.CVI, "false", GatewayProfile::cvi, false),
                pexip(GatewaySettings.DTMF_DELAY, "4s", g -> g.dtmf().map(GatewayProfile.DtmfTiming::initialDelay),
                        Optional.of(Duration.ofSeconds(4))),
                pexip(GatewaySettings.DTMF_GAP, "300ms", g -> g.dtmf().map(GatewayProfile.DtmfTiming::interDigitGap),
                        Optional.of(Duration.ofMillis(300))),
                pexip(GatewaySettings.TRANSPORT, "tls", g -> g.media().transport(), Optional.of(SipTransport.TLS)),
                pexip(GatewaySettings.SRTP, "best-effort", g -> g.media().srtp(), Optional.of(SrtpPolicy.BEST_EFFORT)),
                pexip(GatewaySettings.AUDIO, "PCMU", g -> g.media().audioCodecs(), List.of("PCMU")),
                pexip(GatewaySettings.VIDEO, "false", g -> g.media().video(), false));
    }

    private static Arguments pexip(Setting<?> field, String value, Function<GatewayProfile, Object> read, Object expected) {
        return live(field.member("teams-pexip"), value,
                s -> read.apply(s.gateways().byProvider("teams-pexip").orElseThrow()), expected);
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("liveGatewaySettings")
    void gatewayProfilesApplyWithoutARestart(String key, String value, Function<ObtpSettings, Object> read,
                                             Object expected) throws Exception {
        appliesWithoutARestart(key, value, read, expected);
    }

    /** A dial template key: the value given comes back as that provider's direct or IVR template. */
    private static Arguments template(Setting<?> setting, CviProvider provider, boolean direct, String value) {
        return live(setting, value, s -> direct ? s.templates(provider).direct() : s.templates(provider).ivr(), value);
    }

    private static Arguments live(Setting<?> setting, String value, Function<ObtpSettings, Object> read, Object expected) {
        return Arguments.of(setting.key(), value, read, expected);
    }

    @Test
    void everyLiveObtpSettingIsCovered() {
        List<String> live = Settings.all().stream().filter(s -> s.key().startsWith("obtp.") && !s.restart())
                .map(Setting::key).sorted().toList();
        List<String> covered = liveSettings().map(a -> (String) a.get()[0]).sorted().toList();
        assertEquals(live, covered);
        assertEquals(17, live.size());
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("liveSettings")
    void appliesWithoutARestart(String key, String value, Function<ObtpSettings, Object> read, Object expected)
            throws Exception {
        Path file = dir.resolve("roomwire.properties");
        String text = "agent.state-dir = " + dir.resolve("state") + "\n";
        Files.writeString(file, text);
        Config config = Config.parse(file.toString(), text, Map.of(), Settings.all());
        RoomControlFixture room = RoomControlFixture.build(config, file, dir.resolve("state"), time,
                device -> JoinPaths.sip(SipAgentSettings.from(config), time, EventSink.none(), device.codec()));
        MeetingRoom meetings = room.meetings();
        AgentRoomControl control = room.control();
        meetings.obtp().start();
        assertNotEquals(expected, read.apply(meetings.obtp().settings()), "the test value must differ from the default");

        control.applyConfig(config.with(Map.of(key, value)));

        assertEquals(expected, read.apply(meetings.obtp().settings()));
        assertTrue(Files.readString(file).contains(key), "the change is saved for the next start too");
        assertFalse(config.setting(key).orElseThrow().restart(), key + " is marked live");
    }
}
