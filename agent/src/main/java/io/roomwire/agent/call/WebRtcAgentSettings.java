package io.roomwire.agent.call;

import io.roomwire.agent.config.AgentSettings;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.config.Setting;
import io.roomwire.agent.config.SettingType;
import io.roomwire.webrtc.IceServer;
import io.roomwire.webrtc.WebRtcSettings;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BiConsumer;

/** The WebRTC join path: which gateway joins webrtc targets (Teams join links) and how media flows. */
public final class WebRtcAgentSettings {

    private WebRtcAgentSettings() {
    }

    public static final Setting<String> GATEWAY = Setting.of("webrtc.gateway", SettingType.oneOf("whip", "pexip"),
            "whip", "Signalling of the WebRTC gateway: whip (RFC 9725) or pexip (Pexip Infinity client REST API)");
    public static final Setting<String> GATEWAY_URL = Setting.optional("webrtc.gateway-url", SettingType.STRING,
            "WHIP endpoint ({meeting} is replaced by the encoded join link) or Pexip Conferencing Node URL;"
                    + " unset: webrtc targets get no Join button");
    public static final Setting<String> GATEWAY_TOKEN = Setting.optional("webrtc.gateway-token", SettingType.STRING,
            "WHIP bearer token, or the Pexip conference PIN").asSecret();
    public static final Setting<List<String>> ICE_SERVERS = Setting.of("webrtc.ice-servers", SettingType.LIST, "",
            "STUN/TURN servers (comma-separated): stun:host:port, or user:password@turn:host:port?transport=udp|tcp"
                    + " for TURN, user:password@turns:host:port?transport=tcp for TURN over TLS (certificate from a public CA,"
                    + " naming the host)").asSecret();
    public static final Setting<String> ICE_TRANSPORT_POLICY = Setting.of("webrtc.ice-transport-policy",
            SettingType.oneOf("all", "relay"), "all", "ICE candidates a call may use: all, or relay to send all media through"
                    + " the TURN server of webrtc.ice-servers even where a direct path exists (with all, a room behind a"
                    + " firewall that lets only that server through also ends up on the relay, once its direct checks fail)");
    public static final Setting<Integer> PORT_MIN = Setting.of("webrtc.port-min", SettingType.integer(0, 65535), "0",
            "Lowest local UDP port for WebRTC media (0 with webrtc.port-max 0: any)");
    public static final Setting<Integer> PORT_MAX = Setting.of("webrtc.port-max", SettingType.integer(0, 65535), "0",
            "Highest local UDP port for WebRTC media");
    public static final Setting<Duration> CONNECT_TIMEOUT = Setting.of("webrtc.connect-timeout", SettingType.DURATION,
            "10s", "How long ICE may take to connect before the join fails and the meeting's next target is tried");
    public static final Setting<Integer> RESTART_AFTER_NATIVE_MB = Setting.of("webrtc.restart-after-native-mb",
            SettingType.integer(0, 1 << 20), "128", "Restart the agent, when an update could be installed (no call, no Join"
                    + " button, in mqtt.maintenance-window), once WebRTC calls have left this many MB of native memory behind"
                    + " (webrtc-java 0.14.0 keeps ~20 kB of every offer it makes, which nothing can free: several thousand"
                    + " calls); 0: never");

    /**
     * What {@link WebRtcSettings} would refuse, reported with its key by {@code config check} and at load rather than
     * when the first call is set up: a malformed ICE server, relay without a TURN server, a port range upside down.
     */
    public static void check(Config c, BiConsumer<String, String> problem) {
        // find(): a configuration of a subset of the settings (a tool's, a test's) has none of these
        List<IceServer> servers;
        try {
            servers = c.find(ICE_SERVERS).orElse(List.of()).stream().map(IceServer::parse).toList();
        } catch (IllegalArgumentException e) {
            problem.accept(ICE_SERVERS.key(), e.getMessage());
            return;
        }
        WebRtcSettings s = WebRtcSettings.of(WebRtcSettings.GatewayKind.WHIP, "", Optional.empty(), "").withIceServers(servers);
        try {
            s = s.withIcePolicy(policy(c));
        } catch (IllegalArgumentException e) {
            problem.accept(ICE_TRANSPORT_POLICY.key(), e.getMessage());
        }
        try {
            s.withPorts(c.find(PORT_MIN).orElse(0), c.find(PORT_MAX).orElse(0));
        } catch (IllegalArgumentException e) {
            problem.accept(PORT_MIN.key(), e.getMessage());
        }
    }

    private static WebRtcSettings.IcePolicy policy(Config c) {
        return c.find(ICE_TRANSPORT_POLICY).map(p -> WebRtcSettings.IcePolicy.valueOf(p.toUpperCase(Locale.ROOT)))
                .orElse(WebRtcSettings.IcePolicy.ALL);
    }

    /** The path's settings, or empty when no gateway is configured (webrtc targets are then not offered). */
    public static Optional<WebRtcSettings> from(Config c) {
        return c.find(GATEWAY_URL).map(url -> WebRtcSettings.of(
                        WebRtcSettings.GatewayKind.valueOf(c.get(GATEWAY).toUpperCase(Locale.ROOT)), url,
                        c.find(GATEWAY_TOKEN), c.get(AgentSettings.DEVICE_NAME))
                .withIceServers(c.get(ICE_SERVERS).stream().map(IceServer::parse).toList())
                .withIcePolicy(policy(c))
                .withPorts(c.get(PORT_MIN), c.get(PORT_MAX))
                .withTimeouts(Duration.ofSeconds(10), c.get(CONNECT_TIMEOUT), Duration.ofSeconds(20)));
    }
}
