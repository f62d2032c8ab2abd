package io.roomwire.sip.ua;

import java.util.Optional;
import javax.sip.ClientTransaction;
import javax.sip.SipException;
import javax.sip.message.Response;

/**
 * Digest answers to one INVITE's 401/407 challenges (RFC 3261 22.2, RFC 2617): at most
 * {@value #MAX_AUTH} per call, and only for a realm {@link DigestScope} says our password is for.
 */
final class DigestAuth {

    static final int MAX_AUTH = 2;

    private final UserAgent ua;
    private int attempts;

    DigestAuth(UserAgent ua) {
        this.ua = ua;
    }

    /** Whether a challenge with this status can be answered at all (a password, tries left, a transaction). */
    boolean mayAnswer(int status, ClientTransaction challenged) {
        return (status == 401 || status == 407) && ua.settings.password().isPresent() && attempts < MAX_AUTH
                && challenged != null;
    }

    /** Why the challenge is not for our password (another realm, another host), or empty. */
    Optional<String> refusal(Response challenge, String nextHopHost) {
        return DigestScope.refusal(ua.settings, challenge, nextHopHost);
    }

    /** A new INVITE transaction carrying the credentials, not yet sent. */
    ClientTransaction answer(Response challenge, ClientTransaction challenged) throws SipException {
        attempts++;
        return ua.auth.handleChallenge(challenge, challenged, ua.provider, 5);
    }
}
