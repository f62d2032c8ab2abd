package io.roomwire.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigTest {

    private static final Setting<Duration> POLL = Setting.of("calendar.poll-interval", SettingType.DURATION, "30s", "Poll");
    private static final Setting<Integer> PORT = Setting.of("sip.port", SettingType.integer(1, 65535), "5061", "Port");
    private static final Setting<Boolean> AUTO = Setting.of("sip.auto-answer", SettingType.BOOLEAN, "false", "Auto");
    private static final Setting<String> TENANT = Setting.required("entra.tenant", SettingType.STRING, "Tenant id");
    private static final Setting<String> PASSWORD = Setting.optional("mqtt.password", SettingType.STRING, "Password").asSecret();
    private static final List<Setting<?>> KNOWN = List.of(POLL, PORT, AUTO, TENANT, PASSWORD);

    @Test
    void readsTypedValuesAndFallsBackToDefaults() throws Exception {
        Config c = Config.parse("room.properties", """
                # comment
                entra.tenant = contoso.onmicrosoft.com
                sip.port=5070

                ! also a comment
                sip.auto-answer: on
                """, Map.of(), KNOWN);
        assertEquals("contoso.onmicrosoft.com", c.get(TENANT));
        assertEquals(5070, c.get(PORT));
        assertEquals(true, c.get(AUTO));
        assertEquals(Duration.ofSeconds(30), c.get(POLL));
        assertTrue(c.find(PASSWORD).isEmpty());
    }

    @Test
    void reportsEveryProblemWithItsLineNumber() {
        ConfigException e = assertThrows(ConfigException.class, () -> Config.parse("room.properties", """
                entra.tenant = contoso
                sip.port = seventy
                calendar.pol-interval = 10s
                sip.auto-answer = maybe
                this line has no separator
                sip.port = 99999
                """, Map.of(), KNOWN));
        List<String> got = e.problems().stream().map(ConfigProblem::toString).toList();
        assertEquals(List.of(
                "room.properties:2: sip.port: expected a whole number, got 'seventy'",
                "room.properties:3: calendar.pol-interval: unknown key (did you mean calendar.poll-interval?)",
                "room.properties:4: sip.auto-answer: expected true or false, got 'maybe'",
                "room.properties:5: expected 'key = value', got 'this line has no separator'",
                "room.properties:6: sip.port: given twice (first on line 2)"), got);
    }

    @Test
    void reportsAMissingRequiredValueWithItsEnvironmentName() {
        ConfigException e = assertThrows(ConfigException.class, () -> Config.parse("f", "", Map.of(), KNOWN));
        assertEquals(1, e.problems().size());
        assertTrue(e.problems().get(0).message().contains("ROOMWIRE_ENTRA_TENANT"), e.getMessage());
    }

    @Test
    void environmentOverridesTheFile() throws Exception {
        Config c = Config.parse("f", "entra.tenant = a\nsip.port = 5070\n",
                Map.of("ROOMWIRE_SIP_PORT", "5090", "ROOMWIRE_CALENDAR_POLL_INTERVAL", "2m"), KNOWN);
        assertEquals(5090, c.get(PORT));
        assertEquals(Duration.ofMinutes(2), c.get(POLL));
    }

    @Test
    void badEnvironmentValueNamesTheVariable() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Config.parse("f", "entra.tenant = a\n", Map.of("ROOMWIRE_SIP_PORT", "0"), KNOWN));
        assertEquals("environment ROOMWIRE_SIP_PORT: sip.port: must be between 1 and 65535, got 0",
                e.problems().get(0).toString());
    }

    @Test
    void secretsAreMaskedInTheMaskedView() throws Exception {
        Config c = Config.parse("f", "entra.tenant = a\nmqtt.password = hunter2\n", Map.of(), KNOWN);
        assertEquals("***", c.toMaskedMap().get("mqtt.password"));
        assertEquals("a", c.toMaskedMap().get("entra.tenant"));
    }

    @Test
    void changesAreValidatedLikeAFile() throws Exception {
        Config c = Config.parse("f", "entra.tenant = a\n", Map.of(), KNOWN);
        assertEquals(Duration.ofMinutes(1), c.with(Map.of("calendar.poll-interval", "1m")).get(POLL));
        ConfigException e = assertThrows(ConfigException.class, () -> c.with(Map.of("sip.port", "-1")));
        assertTrue(e.getMessage().contains("sip.port"));
        assertThrows(ConfigException.class, () -> c.with(Map.of("no.such-key", "1")));
    }

    @Test
    void durationsAcceptShortAndIsoForms() {
        assertEquals(Duration.ofMillis(250), SettingType.DURATION.parse("250ms"));
        assertEquals(Duration.ofHours(8), SettingType.DURATION.parse("8h"));
        assertEquals(Duration.ofDays(1), SettingType.DURATION.parse("1d"));
        assertEquals(Duration.ofMinutes(3), SettingType.DURATION.parse("PT3M"));
        assertEquals("5m", SettingType.DURATION.format(Duration.ofMinutes(5)));
        assertThrows(IllegalArgumentException.class, () -> SettingType.DURATION.parse("soon"));
    }

    @Test
    void theGeneratedSampleDocumentsEveryKeyAndIsAValidConfig() throws Exception {
        String sample = Settings.sample();
        for (Setting<?> s : Settings.all()) {
            assertTrue(sample.contains(s.key()), "sample lacks " + s.key());
            assertTrue(s.isPattern() || sample.contains(s.envName()), "sample lacks " + s.envName());
        }
        Map<String, String> required = new java.util.HashMap<>();
        for (Setting<?> s : Settings.all()) {
            if (s.required()) {
                required.put(s.envName(), "x");
            }
        }
        Config c = Config.parse("sample", sample, required, Settings.all());
        assertEquals("sim", c.get(AgentSettings.HAL));
    }

    @Test
    void aBadDefaultIsCaughtWhenTheSettingIsDeclared() {
        assertThrows(IllegalArgumentException.class,
                () -> Setting.of("x.port", SettingType.integer(1, 10), "11", "doc"));
    }
}
