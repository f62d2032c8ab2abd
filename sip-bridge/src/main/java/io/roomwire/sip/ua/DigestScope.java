package io.roomwire.sip.ua;

import io.roomwire.sip.SipSettings;
import java.util.Locale;
import java.util.Optional;
import javax.sip.header.ProxyAuthenticateHeader;
import javax.sip.header.WWWAuthenticateHeader;
import javax.sip.message.Response;

/**
 * Which digest challenges to a call's INVITE {@code sip.password} may answer (issue 12): anyone who
 * can send the room an invitation can make it dial their server, and a digest answer to their
 * challenge lets them guess the password offline. The password answers only
 * <ul>
 *   <li>a 407 when every request goes through {@code sip.outbound-proxy} (the proxy's own challenge),</li>
 *   <li>any challenge when the dialled address's host is that of {@code sip.registrar} or {@code sip.outbound-proxy},</li>
 *   <li>any challenge whose realm is listed in {@code sip.auth-realms}.</li>
 * </ul>
 * Everything else fails the call with a message naming the realm and the setting.
 */
final class DigestScope {

    private DigestScope() {
    }

    /** Empty when the challenge may be answered; otherwise why not, for the room and the log. */
    static Optional<String> refusal(SipSettings s, Response challenge, String nextHopHost) {
        String realm = realm(challenge);
        if (!realm.isEmpty() && s.authRealms().contains(realm)) {
            return Optional.empty();
        }
        String host = nextHopHost.toLowerCase(Locale.ROOT);
        if (s.outboundProxy().isPresent()) {
            if (challenge.getStatusCode() == Response.PROXY_AUTHENTICATION_REQUIRED) {
                return Optional.empty(); // RFC 3261 22.3: the proxy on the path asks for itself
            }
        }
        for (String configured : new String[] {s.registrar().orElse(""), s.outboundProxy().orElse("")}) {
            if (!configured.isBlank() && hostOf(configured).equals(host)) {
                return Optional.empty();
            }
        }
        return Optional.of("The gateway asked for the room's password (realm \"" + realm + "\"), which is only sent to"
                + " sip.registrar, sip.outbound-proxy or a realm in sip.auth-realms");
    }

    static String realm(Response r) {
        WWWAuthenticateHeader w = (WWWAuthenticateHeader) r.getHeader(WWWAuthenticateHeader.NAME);
        if (w == null) {
            w = (ProxyAuthenticateHeader) r.getHeader(ProxyAuthenticateHeader.NAME);
        }
        return w == null || w.getRealm() == null ? "" : w.getRealm().replaceAll("\\p{Cntrl}", "");
    }

    /** The host of a host[:port] setting, lower case. */
    static String hostOf(String hostPort) {
        String h = hostPort.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            return h.substring(0, h.indexOf(']') + 1);
        }
        int colon = h.indexOf(':');
        return colon < 0 ? h : h.substring(0, colon);
    }
}
