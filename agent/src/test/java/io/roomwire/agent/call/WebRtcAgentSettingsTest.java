package io.roomwire.agent.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.agent.config.Config;
import io.roomwire.agent.config.ConfigException;
import io.roomwire.agent.config.ConfigProblem;
import io.roomwire.agent.config.Settings;
import io.roomwire.webrtc.IceServer;
import io.roomwire.webrtc.WebRtcSettings;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** webrtc.ice-servers, webrtc.ice-transport-policy and the port range, as a person writes them in the file. */
class WebRtcAgentSettingsTest {

    private static Config parse(String text) throws ConfigException {
        return Config.parse("room.properties", text, Map.of(), Settings.all());
    }

    @Test
    void turnWithCredentialsRelayOnlyAndAPortRangeReachTheWebRtcSettings() throws Exception {
        WebRtcSettings s = WebRtcAgentSettings.from(parse("""
                webrtc.gateway-url = https://gw.example.com/whip/{meeting}
                webrtc.ice-servers = room7:pa:ss@turn:turn.example.com:3478?transport=udp, stun:stun.example.com:3478
                webrtc.ice-transport-policy = relay
                webrtc.port-min = 50000
                webrtc.port-max = 50019
                """)).orElseThrow();
        assertEquals(List.of(new IceServer(List.of("turn:turn.example.com:3478?transport=udp"), Optional.of("room7"),
                Optional.of("pa:ss")), new IceServer(List.of("stun:stun.example.com:3478"), Optional.empty(), Optional.empty())),
                s.iceServers());
        assertEquals(WebRtcSettings.IcePolicy.RELAY, s.icePolicy());
        assertEquals(50000, s.minPort());
        assertEquals(50019, s.maxPort());
        assertFalse(s.toString().contains("pa:ss"), s.toString());
    }

    @Test
    void allCandidatesAreTheDefault() throws Exception {
        assertEquals(WebRtcSettings.IcePolicy.ALL,
                WebRtcAgentSettings.from(parse("webrtc.gateway-url = https://gw.example.com/whip\n")).orElseThrow().icePolicy());
    }

    @Test
    void relayWithoutATurnServerIsAConfigProblemOnItsKey() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("""
                webrtc.gateway-url = https://gw.example.com/whip
                webrtc.ice-servers = stun:stun.example.com:3478
                webrtc.ice-transport-policy = relay
                """));
        ConfigProblem p = e.problems().get(0);
        assertEquals("webrtc.ice-transport-policy", p.key());
        assertTrue(p.message().contains("needs a TURN server in webrtc.ice-servers"), p.message());
    }

    @Test
    void badValuesAreConfigProblemsWithTheirKeysAndNoPassword() {
        ConfigException policy = assertThrows(ConfigException.class, () -> parse("webrtc.ice-transport-policy = nohost\n"));
        assertEquals("webrtc.ice-transport-policy", policy.problems().get(0).key());
        ConfigException turn = assertThrows(ConfigException.class, () -> parse("webrtc.ice-servers = turn:turn.example.com\n"));
        assertEquals("webrtc.ice-servers", turn.problems().get(0).key());
        assertTrue(turn.problems().get(0).message().contains("needs a username and a credential"), turn.getMessage());
        ConfigException url = assertThrows(ConfigException.class, () -> parse("webrtc.ice-servers = room7:s3cret@tun:x:3478\n"));
        assertFalse(url.getMessage().contains("s3cret"), url.getMessage());
        ConfigException ports = assertThrows(ConfigException.class, () -> parse("webrtc.port-min = 50010\nwebrtc.port-max = 50000\n"));
        assertEquals("webrtc.port-min", ports.problems().get(0).key());
    }
}
