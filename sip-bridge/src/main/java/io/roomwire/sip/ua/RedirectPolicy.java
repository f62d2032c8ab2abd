package io.roomwire.sip.ua;

import java.util.Locale;
import java.util.Optional;
import javax.sip.address.SipURI;

/**
 * Which 3xx Contacts the room follows (RFC 3261 8.1.3.4 leaves it to the UA): a redirect may move
 * a call within the service that was dialled, never to a host of the redirecting party's choice.
 * Followed: the same host, or a host in the same parent domain (m.webex.com may send the room to
 * sjc.webex.com, never to webex.com.attacker.test nor to an IP address); never from sips: to sip:.
 */
final class RedirectPolicy {

    private RedirectPolicy() {
    }

    /** Empty when {@code to} may be followed from {@code from}; otherwise why not. */
    static Optional<String> refusal(SipURI from, SipURI to) {
        if (from.isSecure() && !to.isSecure()) {
            return Optional.of("a redirect from sips: to sip: is not followed");
        }
        String a = from.getHost().toLowerCase(Locale.ROOT);
        String b = to.getHost().toLowerCase(Locale.ROOT);
        if (a.equals(b)) {
            return Optional.empty();
        }
        boolean literal = b.startsWith("[") || b.matches("[0-9.]+") || a.startsWith("[") || a.matches("[0-9.]+");
        int dot = a.indexOf('.');
        String parent = dot < 0 ? "" : a.substring(dot + 1);
        // A parent domain of at least two labels: never a redirect anywhere under a bare top-level domain.
        if (!literal && parent.contains(".") && b.endsWith("." + parent)) {
            return Optional.empty();
        }
        return Optional.of("a redirect from " + a + " to " + b + " is not followed: only the same host or its"
                + " domain (" + (parent.isEmpty() ? a : "*." + parent) + ")");
    }
}
