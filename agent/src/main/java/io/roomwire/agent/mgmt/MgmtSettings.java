package io.roomwire.agent.mgmt;

import io.roomwire.agent.config.Setting;
import io.roomwire.agent.config.SettingType;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Settings of remote management over MQTT (see docs/mqtt-api.md). */
public final class MgmtSettings {

    private MgmtSettings() {
    }

    public static final Setting<URI> BROKER_URL = Setting.optional("mqtt.broker-url", new BrokerUrlType(),
            "Broker of the organisation, e.g. ssl://mqtt.contoso.com:8883; plain tcp:// only to a literal loopback "
            + "address (127.0.0.1, [::1]); empty: remote management off");

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

    public static final Setting<Duration> RECONNECT_SPREAD = Setting.of("mqtt.reconnect-spread", SettingType.DURATION, "10s",
            "After losing a working connection, the first reconnect waits a random moment within this, and each later"
            + " attempt a fresh one on top of its back-off (0s: none), so a fleet does not reconnect in the same second"
            + " after a broker restart or a long outage; see docs/fleet.md");

    public static final Setting<Duration> TELEMETRY_INTERVAL = Setting.of("mqtt.telemetry-interval", SettingType.DURATION,
            "60s", "How often telemetry (CPU, memory, calendar sync age, call quality, peripherals) is published").live();

    public static final Setting<Integer> EVENT_QUEUE_SIZE = Setting.of("mqtt.event-queue-size",
            SettingType.integer(100, 1_000_000), "10000",
            "Events kept on disk while the broker is away; beyond this the oldest are dropped (and counted)");

    public static final Setting<List<String>> OPERATOR_KEYS = Setting.of("mqtt.operator-keys", SettingType.LIST, "",
            "PEM files of operator public keys (ECDSA P-256 or Ed25519); commands that act or change the room "
            + "must be signed by one of them. Empty: only read commands are answered, unless mqtt.allow-unsigned");

    public static final Setting<Boolean> ALLOW_UNSIGNED = Setting.of("mqtt.allow-unsigned", SettingType.BOOLEAN, "false",
            "Without mqtt.operator-keys, accept unsigned commands that act or change the room (anyone who can "
            + "publish to the room's topics controls it; health says DEGRADED). Ignored when operator keys are set");

    public static final Setting<Duration> UNSIGNED_MAX_AGE = Setting.of("mqtt.unsigned-max-age",
            SettingType.duration(Duration.ofSeconds(1), Duration.ofHours(1)), "60s",
            "With mqtt.allow-unsigned: an unsigned command that acts must carry an MQTT message expiry of at most "
            + "this, so the broker drops it when stale instead of delivering it a day later");

    public static final Setting<Boolean> HIDE_MEETING_TITLES = Setting.of("mqtt.hide-meeting-titles", SettingType.BOOLEAN,
            "false", "Leave meeting titles, organisers and call targets out of the retained status and of unsigned "
            + "obtp.list / obtp.explain replies").live();

    public static final Setting<Integer> COMMAND_RATE = Setting.of("mqtt.command-rate", SettingType.integer(1, 1_000_000),
            "20", "Commands accepted per second (bursts up to twice this); more are answered rate_limited").live();

    public static final Setting<Integer> MAX_PAYLOAD = Setting.of("mqtt.max-payload", SettingType.integer(1024, 16 * 1024 * 1024),
            "65536", "Largest command payload in bytes; larger ones are answered bad_request without parsing");

    public static final Setting<Duration> SIGNATURE_MAX_AGE = Setting.of("mqtt.signature-max-lifetime",
            SettingType.duration(Duration.ofSeconds(10), Duration.ofHours(1)), "10m",
            "Longest lifetime a signed command may claim (its expiry minus now); longer ones are refused. Nonces are "
            + "kept this long, so it bounds the replay ledger");

    public static final Setting<String> MAINTENANCE_WINDOW = Setting.optional("mqtt.maintenance-window",
            SettingType.matching("([01]\\d|2[0-3]):[0-5]\\d-([01]\\d|2[0-3]):[0-5]\\d", "HH:MM-HH:MM in the room's time zone"),
            "When given, a device.reboot without force, an update and the restart into it wait for this window (and for"
            + " the room to be idle)").live();

    /**
     * The settings {@code config.set} may change: tuning and timing only. Endpoints, trust anchors,
     * keys, secrets, identities, join targets and security limits are changed locally (in the file
     * or the environment) and nowhere else, so a new setting is local-only until listed here.
     */
    public static final Set<String> REMOTELY_CHANGEABLE = Set.of(
            "device.name", "device.time-zone", "agent.log-level", "agent.stop-timeout", "agent.retry-base",
            "agent.retry-max",
            "obtp.preroll", "obtp.grace", "obtp.show-tentative",
            "sip.dtmf-delay", "sip.dtmf-tone", "sip.dtmf-gap", "sip.session-expires", "sip.keep-alive",
            "sip.no-media-window", "sip.ring-timeout", "sip.register-expires", "sip.health-interval",
            "calendar.poll-interval", "calendar.window-past", "calendar.window-future", "calendar.page-size",
            "calendar.stale-after", "calendar.retry-base", "calendar.retry-max", "calendar.request-timeout",
            "mdm.compliance-interval", "mdm.request-timeout", "mdm.retry-base", "mdm.retry-cap",
            "entra.request-timeout",
            "mqtt.session-expiry", "mqtt.keep-alive", "mqtt.reconnect-min", "mqtt.reconnect-max",
            "mqtt.telemetry-interval", "mqtt.event-queue-size", "mqtt.command-rate", "mqtt.maintenance-window",
            "mqtt.hide-meeting-titles");

    /** A broker URI: ssl:// (or mqtts://) anywhere, plain tcp:// (or mqtt://) only to a literal loopback address. */
    static final class BrokerUrlType implements SettingType<URI> {
        @Override
        public URI parse(String text) {
            URI u = SettingType.URI_TYPE.parse(text);
            String scheme = u.getScheme().toLowerCase(Locale.ROOT);
            if (u.getHost() == null) {
                throw new IllegalArgumentException("expected ssl://HOST:PORT, got '" + text.trim() + "' (no host)");
            }
            switch (scheme) {
                case "ssl", "mqtts" -> {
                    return u;
                }
                case "tcp", "mqtt" -> {
                    if (!isLiteralLoopback(u.getHost())) {
                        throw new IllegalArgumentException("plain " + scheme + ":// sends the password and every command "
                                + "in clear text; it is allowed only to 127.0.0.1 or [::1]: use ssl://" + u.getHost()
                                + (u.getPort() > 0 ? ":" + u.getPort() : "") + " (and mqtt.ca-file)");
                    }
                    return u;
                }
                default -> throw new IllegalArgumentException("expected ssl://HOST:PORT (tcp:// only to loopback), got '"
                        + text.trim() + "'");
            }
        }

        @Override
        public String describe() {
            return "URI (ssl://, or tcp:// to loopback)";
        }

        /** 127.0.0.0/8 or ::1 written as an address: a name such as 127.attacker.example is not loopback. */
        static boolean isLiteralLoopback(String host) {
            String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            if (h.matches("127\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){2}")) {
                return true;
            }
            return h.matches("(0{0,4}:){2,7}0{0,3}1") || h.equals("::1");
        }
    }
}
