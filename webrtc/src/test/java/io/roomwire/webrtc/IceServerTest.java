package io.roomwire.webrtc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** webrtc.ice-servers entries as a person writes them: RFC 7064 stun: and RFC 7065 turn: URLs, and what is refused. */
class IceServerTest {

    @ParameterizedTest
    @ValueSource(strings = {"turn:turn.example.com", "turn:turn.example.com:3478", "turn:turn.example.com:3478?transport=udp",
            "turn:turn.example.com:443?transport=tcp", "turns:turn.example.com:5349?transport=tcp", "turns:turn.example.com",
            "turns:192.0.2.7:443", "turn:[2001:db8::7]:3478?transport=tcp", "turns:turn.example.com.:5349?transport=tcp"})
    void acceptsTurnUrlsOfRfc7065(String url) {
        IceServer s = IceServer.parse("room7:s3:cr@t@" + url);
        assertEquals(List.of(url), s.urls());
        assertEquals(Optional.of("room7"), s.username());
        assertEquals(Optional.of("s3:cr@t"), s.credential());
        assertEquals(IceServer.TlsCheck.VERIFY, s.tlsCheck(), "a turns: certificate is checked unless said otherwise");
    }

    @ParameterizedTest
    @ValueSource(strings = {"stun:stun.example.com", "stun:stun.example.com:3478", "stuns:stun.example.com:5349", "stun:[::1]:3478"})
    void acceptsStunUrlsOfRfc7064(String url) {
        assertEquals(List.of(url), IceServer.parse(url).urls());
    }

    @Test
    void severalUrlsOfOneServerShareItsCredentials() {
        IceServer s = IceServer.parse("room7:pw@turn:t.example.com:3478?transport=udp|turns:t.example.com:443?transport=tcp");
        assertEquals(List.of("turn:t.example.com:3478?transport=udp", "turns:t.example.com:443?transport=tcp"), s.urls());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
        "turn://turn.example.com:3478; has '//' after turn: write turn:host[:port][?transport=udp|tcp] (RFC 7065 §3.1)",
        "turn:turn.example.com:3478?transport=tls; has transport 'tls': write ?transport=udp or ?transport=tcp (TLS is the turns: scheme)",
        "turn:turn.example.com:3478?transport=TCP; write ?transport=udp or ?transport=tcp (lower case, RFC 7065 §3.1)",
        "turns:turn.example.com:5349?transport=udp; asks for TURN over DTLS, which the room's WebRTC stack does not support",
        "turn:turn.example.com:3478?proto=udp; the only parameter is ?transport=udp or ?transport=tcp (RFC 7065 §3.1)",
        "turn:turn.example.com:99999; has port '99999', not 1-65535",
        "turn:turn.example.com:; has port '', not 1-65535",
        "turn:turn.example.com:0; has port '0', not 1-65535",
        "turn::3478; names no host",
        "turn:turn_1.example.com; has host 'turn_1.example.com', which is neither an IPv4 address nor a DNS name",
        "turn:2001:db8::7:3478; has port 'db8::7:3478', not 1-65535",
        "turn:[turn.example.com]:3478; has '[turn.example.com]', not an IPv6 address in brackets",
        "turn:bob@turn.example.com; has a user part: write user:password@turn:host",
        "stun:stun.example.com:3478?transport=udp; a stun: URL takes no parameters (RFC 7064 §3.1)",
        "tun:turn.example.com:3478; starts with stun:, stuns:, turn: or turns:, got 'tun:...'"})
    void refusesMalformedUrlsWithTheReasonAndTheForm(String url, String reason) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IceServer.parse("room7:s3cret@" + url));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        assertFalse(e.getMessage().contains("s3cret"), "the password in an error: " + e.getMessage());
    }

    @Test
    void aSpecWithoutItsUrlDoesNotShowThePasswordItHolds() {
        // "user:password" with the "@turn:..." forgotten reads as a URL of scheme "room7"
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IceServer.parse("room7:s3cret"));
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
        assertTrue(e.getMessage().contains("user:password@turn:host:port"), e.getMessage());
    }

    @Test
    void anEmptyUrlBetweenBarsIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IceServer.parse("room7:pw@turn:t.example.com||turns:t.example.com"));
        assertTrue(e.getMessage().contains("got '(no scheme)'"), e.getMessage());
    }

    @Test
    void turnWithoutCredentialsIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IceServer.parse("turns:t.example.com:443?transport=tcp"));
        assertTrue(e.getMessage().contains("needs a username and a credential"), e.getMessage());
    }

    @Test
    void theUncheckedCertificateIsChosenInCodeOnlyAndShows() {
        IceServer checked = IceServer.parse("room7:pw@turns:t.example.com:443?transport=tcp");
        IceServer unchecked = checked.withoutCertificateCheck();
        assertEquals(IceServer.TlsCheck.NONE, unchecked.tlsCheck());
        assertEquals(checked.urls(), unchecked.urls());
        assertTrue(unchecked.toString().contains("TLS certificate not checked"), unchecked.toString());
        assertFalse(unchecked.toString().contains("pw"), unchecked.toString());
        assertEquals(checked, new IceServer(checked.urls(), checked.username(), checked.credential()));
    }
}
