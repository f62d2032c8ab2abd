package io.roomwire.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.agent.mgmt.MgmtSettings;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What config.set writes back, and the values a configuration refuses (issue 12). */
class ConfigWriteBackTest {

    @TempDir
    Path dir;

    static Config parse(String text, Map<String, String> env) throws ConfigException {
        return Config.parse("room.properties", text, env, Settings.all());
    }

    @Test
    void aChangeWritesOnlyTheFilesOwnKeysNeverEnvironmentSecretsAndOwnerOnly() throws Exception {
        Path file = dir.resolve("roomwire.properties");
        Files.writeString(file, "mqtt.username = room-1\ncalendar.poll-interval = 45s\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        Config c = Config.load(file, Map.of("ROOMWIRE_MQTT_PASSWORD", "env-secret-42",
                "ROOMWIRE_SIP_PASSWORD", "sip-secret-43", "ROOMWIRE_DEVICE_NAME", "Env Room"));
        assertEquals("env-secret-42", c.find(MgmtSettings.PASSWORD).orElseThrow());

        Config next = c.with(Map.of("mqtt.telemetry-interval", "30s"));
        assertEquals("env-secret-42", next.find(MgmtSettings.PASSWORD).orElseThrow(), "the environment still applies");
        assertEquals("Env Room", next.get(AgentSettings.DEVICE_NAME));
        next.writeTo(file);

        String written = Files.readString(file);
        assertFalse(written.contains("env-secret-42"), written);
        assertFalse(written.contains("sip-secret-43"), written);
        assertFalse(written.contains("Env Room"), written);
        assertTrue(written.contains("mqtt.username = room-1"), written);
        assertTrue(written.contains("calendar.poll-interval = 45s"), written);
        assertTrue(written.contains("mqtt.telemetry-interval = 30s"), written);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(Duration.ofSeconds(30), Config.load(file, Map.of()).get(MgmtSettings.TELEMETRY_INTERVAL));
    }

    @Test
    void aKeySetByTheEnvironmentIsNotChangedBehindItsBack() throws Exception {
        Config c = parse("", Map.of("ROOMWIRE_DEVICE_NAME", "Env Room"));
        ConfigException e = assertThrows(ConfigException.class, () -> c.with(Map.of("device.name", "Other")));
        assertTrue(e.getMessage().contains("ROOMWIRE_DEVICE_NAME"), e.getMessage());
    }

    @Test
    void aValueWithALineBreakCannotAddAKey() throws Exception {
        Config c = parse("", Map.of());
        ConfigException e = assertThrows(ConfigException.class,
                () -> c.with(Map.of("device.name", "Room\nmqtt.allow-unsigned = true")));
        assertTrue(e.getMessage().contains("U+000A"), e.getMessage());
        assertThrows(ConfigException.class, () -> c.with(Map.of("device.name", "Room\rmqtt.allow-unsigned = true")));
        assertThrows(ConfigException.class, () -> c.with(Map.of("device.name", "Room\u2028x")));
        assertThrows(ConfigException.class, () -> c.with(Map.of("device.name\nmqtt.allow-unsigned", "true")));
        assertFalse(c.get(MgmtSettings.ALLOW_UNSIGNED));
    }

    @Test
    void controlCharactersInAFileOrTheEnvironmentAreReportedWithTheirLine() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> parse("\n\ndevice.name = Room\u001b[31m\n", Map.of()));
        assertEquals(3, e.problems().get(0).line());
        assertTrue(e.getMessage().contains("U+001B"), e.getMessage());
        ConfigException env = assertThrows(ConfigException.class,
                () -> parse("", Map.of("ROOMWIRE_DEVICE_NAME", "a\u0000b")));
        assertTrue(env.getMessage().contains("ROOMWIRE_DEVICE_NAME"), env.getMessage());
    }

    @Test
    void plainTcpBrokersOnlyOnLoopback() throws Exception {
        for (String ok : new String[] {"tcp://127.0.0.1:1883", "tcp://[::1]:1883", "mqtt://127.0.0.5",
                "ssl://mqtt.contoso.com:8883", "mqtts://10.0.0.4"}) {
            assertEquals(URI.create(ok), parse("mqtt.broker-url = " + ok + "\n", Map.of()).find(MgmtSettings.BROKER_URL)
                    .orElseThrow(), ok);
        }
        for (String bad : new String[] {"tcp://mqtt.contoso.com:1883", "tcp://10.0.0.4:1883", "tcp://127.attacker.example",
                "mqtt://localhost", "tcp://0.0.0.0:1883", "http://mqtt.contoso.com", "tcp://127.0.0.1.nip.io"}) {
            ConfigException e = assertThrows(ConfigException.class, () -> parse("mqtt.broker-url = " + bad + "\n", Map.of()),
                    bad);
            assertEquals("mqtt.broker-url", e.problems().get(0).key());
            assertEquals(1, e.problems().get(0).line());
        }
    }

    @Test
    void theSignatureLifetimeIsBounded() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> parse("mqtt.signature-max-lifetime = 30d\n", Map.of()));
        assertTrue(e.getMessage().contains("1h"), e.getMessage());
        assertThrows(ConfigException.class, () -> parse("mqtt.signature-max-lifetime = 0s\n", Map.of()));
    }
}
