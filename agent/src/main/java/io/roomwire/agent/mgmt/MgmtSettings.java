package io.roomwire.agent.mgmt;

import io.roomwire.agent.config.Setting;
import io.roomwire.agent.config.SettingType;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Settings of remote management over MQTT (see docs/mqtt-api.md). */
public final class MgmtSettings {

    private MgmtSettings() {
    }

    public static final Setting<URI> BROKER_URL = Setting.optional("mqtt.broker-url", SettingType.URI_TYPE,
            "Broker of the organisation, e.g. ssl://mqtt.contoso.com:8883 (tcp:// only on a trusted network); "
            + "empty: remote management off");

    public static final Setting<String> CLIENT_ID = Setting.optional("mqtt.client-id",
            SettingType.matching("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", "letters, digits, '.', '-' and '_' (at most 64)"),
            "MQTT client id; defaults to the device id");

    public static final Setting<Path> CA_FILE = Setting.optional("mqtt.ca-file", SettingType.PATH,
            "PEM file of the CA(s) that signed the broker's certificate; empty: the system trust store");

    public static final Setting<Path> CLIENT_CERT = Setting.optional("mqtt.client-cert", SettingType.PATH,
            "PEM client certificate (chain) for mutual TLS; defaults to the device identity certificate");

    public static final Setting<Path> CLIENT_KEY = Setting.optional("mqtt.client-key", SettingType.PATH,
            "PEM private key of mqtt.client-cert (file 0600); defaults to the device identity key");

    public static final Setting<String> USERNAME = Setting.optional("mqtt.username", SettingType.STRING,
            "MQTT user name, when the broker wants one besides (or instead of) the client certificate");

    public static final Setting<String> PASSWORD = Setting.optional("mqtt.password", SettingType.STRING,
            "MQTT password for mqtt.username").asSecret();

    public static final Setting<Duration> SESSION_EXPIRY = Setting.of("mqtt.session-expiry", SettingType.DURATION, "1d",
            "How long the broker keeps our session (subscriptions, QoS 1 commands) while the device is offline");

    public static final Setting<Duration> KEEP_ALIVE = Setting.of("mqtt.keep-alive", SettingType.DURATION, "30s",
            "MQTT keep-alive; the broker publishes the Last Will after 1.5 times this without traffic");

    public static final Setting<Duration> RECONNECT_MIN = Setting.of("mqtt.reconnect-min", SettingType.DURATION, "1s",
            "First delay before reconnecting to the broker (doubles with jitter up to mqtt.reconnect-max)");

    public static final Setting<Duration> RECONNECT_MAX = Setting.of("mqtt.reconnect-max", SettingType.DURATION, "2m",
            "Longest delay between reconnect attempts");

    public static final Setting<Duration> TELEMETRY_INTERVAL = Setting.of("mqtt.telemetry-interval", SettingType.DURATION,
            "60s", "How often telemetry (CPU, memory, calendar sync age, call quality, peripherals) is published").live();

    public static final Setting<Integer> EVENT_QUEUE_SIZE = Setting.of("mqtt.event-queue-size",
            SettingType.integer(100, 1_000_000), "10000",
            "Events kept on disk while the broker is away; beyond this the oldest are dropped (and counted)");

    public static final Setting<List<String>> OPERATOR_KEYS = Setting.of("mqtt.operator-keys", SettingType.LIST, "",
            "PEM files of operator public keys (ECDSA P-256 or Ed25519); when given, state-changing commands "
            + "must be signed by one of them. Empty: commands are accepted unsigned (health says DEGRADED)");

    public static final Setting<Integer> COMMAND_RATE = Setting.of("mqtt.command-rate", SettingType.integer(1, 1_000_000),
            "20", "Commands accepted per second (bursts up to twice this); more are answered rate_limited").live();

    public static final Setting<Integer> MAX_PAYLOAD = Setting.of("mqtt.max-payload", SettingType.integer(1024, 16 * 1024 * 1024),
            "65536", "Largest command payload in bytes; larger ones are answered bad_request without parsing");

    public static final Setting<Duration> SIGNATURE_MAX_AGE = Setting.of("mqtt.signature-max-lifetime", SettingType.DURATION,
            "10m", "Longest lifetime a signed command may claim (its expiry minus now); longer ones are refused");

    public static final Setting<String> MAINTENANCE_WINDOW = Setting.optional("mqtt.maintenance-window",
            SettingType.matching("([01]\\d|2[0-3]):[0-5]\\d-([01]\\d|2[0-3]):[0-5]\\d", "HH:MM-HH:MM in the room's time zone"),
            "When given, a device.reboot without force waits for this window (and for the room to be idle)");
}
