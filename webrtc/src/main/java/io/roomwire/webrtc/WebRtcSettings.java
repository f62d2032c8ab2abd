package io.roomwire.webrtc;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the WebRTC join path needs to know.
 *
 * @param gateway           how to reach the WebRTC gateway ({@link GatewayKind}) and where
 * @param gatewayUrl        WHIP endpoint (may contain {@code {meeting}}) or Pexip Conferencing Node
 * @param token             WHIP bearer token or Pexip PIN; never logged
 * @param displayName       the room's name in the meeting
 * @param iceServers        STUN/TURN servers
 * @param icePolicy         which local candidates ICE may use: {@code RELAY} sends all media through a TURN server
 * @param minPort           lowest local UDP port for media (0 = any)
 * @param maxPort           highest local UDP port for media (0 = any)
 * @param signallingTimeout bound on each signalling request
 * @param connectTimeout    bound from the answer to ICE connected; then the call fails (and the meeting's next target is tried)
 * @param mediaLossTimeout  how long ICE may stay disconnected (consent lost, RFC 7675) before the call ends
 * @param statsInterval     how often figures are read from getStats
 */
public record WebRtcSettings(GatewayKind gateway, String gatewayUrl, Optional<String> token, String displayName,
                             List<IceServer> iceServers, IcePolicy icePolicy, int minPort, int maxPort, Duration signallingTimeout,
                             Duration connectTimeout, Duration mediaLossTimeout, Duration statsInterval) {

    /** The signalling a gateway speaks. */
    public enum GatewayKind { WHIP, PEXIP }

    /**
     * The ICE transport policy (W3C RTCIceTransportPolicy): {@code ALL} candidates, or {@code RELAY} only, for rooms
     * behind firewalls that let nothing but the TURN server through.
     */
    public enum IcePolicy { ALL, RELAY }

    public WebRtcSettings {
        Objects.requireNonNull(gateway, "gateway");
        Objects.requireNonNull(icePolicy, "icePolicy");
        Objects.requireNonNull(gatewayUrl, "gatewayUrl");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(displayName, "displayName");
        iceServers = List.copyOf(iceServers);
        if (icePolicy == IcePolicy.RELAY && iceServers.stream().flatMap(s -> s.urls().stream()).noneMatch(u -> u.startsWith("turn"))) {
            throw new IllegalArgumentException("webrtc.ice-transport-policy = relay needs a TURN server in webrtc.ice-servers"
                    + " (user:password@turn:host:port): without one no candidate is gathered and no call connects");
        }
        if (minPort < 0 || maxPort > 65535 || minPort > maxPort) {
            throw new IllegalArgumentException("webrtc.port-min/port-max " + minPort + "-" + maxPort
                    + " is not a range of UDP ports (both 0: any port)");
        }
        if (mediaLossTimeout.compareTo(Duration.ofSeconds(30)) > 0) {
            throw new IllegalArgumentException("webrtc.media-loss-timeout must be at most 30 s (RFC 7675 §5.1 consent expiry)");
        }
    }

    /** Defaults for a gateway: no ICE servers, any port, 10 s signalling, 10 s to connect, 20 s media loss, 2 s figures. */
    public static WebRtcSettings of(GatewayKind gateway, String gatewayUrl, Optional<String> token, String displayName) {
        return new WebRtcSettings(gateway, gatewayUrl, token, displayName, List.of(), IcePolicy.ALL, 0, 0, Duration.ofSeconds(10),
                Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(2));
    }

    public WebRtcSettings withIceServers(List<IceServer> servers) {
        return new WebRtcSettings(gateway, gatewayUrl, token, displayName, servers, icePolicy, minPort, maxPort, signallingTimeout,
                connectTimeout, mediaLossTimeout, statsInterval);
    }

    /** {@code RELAY} needs a TURN server among the ICE servers (set them first). */
    public WebRtcSettings withIcePolicy(IcePolicy policy) {
        return new WebRtcSettings(gateway, gatewayUrl, token, displayName, iceServers, policy, minPort, maxPort,
                signallingTimeout, connectTimeout, mediaLossTimeout, statsInterval);
    }

    public WebRtcSettings withPorts(int min, int max) {
        return new WebRtcSettings(gateway, gatewayUrl, token, displayName, iceServers, icePolicy, min, max, signallingTimeout,
                connectTimeout, mediaLossTimeout, statsInterval);
    }

    public WebRtcSettings withTimeouts(Duration signalling, Duration connect, Duration mediaLoss) {
        return new WebRtcSettings(gateway, gatewayUrl, token, displayName, iceServers, icePolicy, minPort, maxPort, signalling,
                connect, mediaLoss, statsInterval);
    }

    @Override
    public String toString() {
        return "WebRtcSettings[" + gateway + " " + gatewayUrl + ", token " + (token.isPresent() ? "set" : "none")
                + ", " + iceServers + ", ICE " + icePolicy + ", ports " + minPort + "-" + maxPort + "]";
    }
}
