package io.roomwire.sip.ua;

import io.roomwire.sip.CallState;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which incoming calls may ring and which are answered without a press. The room takes one call at
 * a time: a new INVITE while a call is up, being placed, or while {@code sip.max-ringing-calls}
 * already ring, is answered 486 Busy Here (RFC 3261 21.4.24) before any media is opened.
 */
final class IncomingCallPolicy {

    private IncomingCallPolicy() {
    }

    /** Why a new incoming call cannot ring now, or empty when it can. */
    static Optional<String> busyReason(UserAgent ua) {
        int ringing = 0;
        for (SipCallImpl c : ua.callsBySipId.values()) {
            CallState s = c.state();
            if (s == CallState.INCOMING) {
                ringing++;
            } else if (s != CallState.ENDED) {
                return Optional.of("the room is in a call");
            }
        }
        if (ringing >= ua.settings.maxRingingCalls()) {
            return Optional.of(ringing + " calls are already ringing");
        }
        return Optional.empty();
    }

    /**
     * True when {@code sip.auto-answer} is on and the caller is on {@code sip.auto-answer-from}:
     * {@code *}, {@code @host}, or {@code sip:user@host} (sip: and sips: alike). The From header is
     * the caller's own claim: the list keeps strangers from being answered by accident, it does not
     * authenticate anyone.
     */
    static boolean autoAnswers(List<String> allowed, boolean autoAnswer, String callerUri) {
        if (!autoAnswer) {
            return false;
        }
        String caller = userAtHost(callerUri);
        String host = caller.substring(caller.indexOf('@') + 1);
        for (String entry : allowed) {
            String e = entry.trim().toLowerCase(Locale.ROOT);
            if (e.equals("*") || (e.startsWith("@") && e.substring(1).equals(host))
                    || (!e.startsWith("@") && userAtHost(e).equals(caller) && caller.contains("@"))) {
                return true;
            }
        }
        return false;
    }

    /** {@code user@host} of a sip:/sips: URI, lower case, without port, parameters or headers. */
    static String userAtHost(String uri) {
        String u = uri.trim().toLowerCase(Locale.ROOT);
        u = u.replaceFirst("^<", "").replaceFirst(">.*$", "");
        u = u.replaceFirst("^sips?:", "");
        int cut = u.length();
        for (char ch : new char[] {';', '?', '>'}) {
            int i = u.indexOf(ch);
            if (i >= 0) {
                cut = Math.min(cut, i);
            }
        }
        u = u.substring(0, cut);
        int at = u.lastIndexOf('@');
        String user = at >= 0 ? u.substring(0, at + 1) : "";
        String host = at >= 0 ? u.substring(at + 1) : u;
        if (host.startsWith("[")) {
            int close = host.indexOf(']');
            host = close > 0 ? host.substring(0, close + 1) : host;
        } else if (host.indexOf(':') >= 0) {
            host = host.substring(0, host.indexOf(':'));
        }
        return user + host;
    }
}
