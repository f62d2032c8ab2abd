package io.roomwire.sip.ua;

import io.roomwire.sip.SipSettings;
import io.roomwire.sip.SipTransport;
import io.roomwire.sip.sdp.SrtpPolicy;

/**
 * SDES puts the SRTP master keys in the SDP, so they are only as secret as the signalling
 * (RFC 4568 section 8.3 requires it to be protected). Over udp or tcp anyone on the path reads
 * them: with {@code sip.srtp=required} such calls are refused unless a lab allows it explicitly.
 */
final class SdesExposure {

    static final String REFUSAL = "SRTP keys would be sent in clear over sip.transport=udp/tcp: set sip.transport=tls"
            + " (or, in a lab only, sip.lab.allow-cleartext-srtp-keys=true)";

    private SdesExposure() {
    }

    /** True when a call would carry its SRTP keys in clear and the settings refuse that. */
    static boolean keysInClear(SipSettings s) {
        return keysInClear(s, s.srtpPolicy());
    }

    /** As {@link #keysInClear(SipSettings)} for a call whose SRTP policy is {@code policy} (its gateway's). */
    static boolean keysInClear(SipSettings s, SrtpPolicy policy) {
        return s.transport() != SipTransport.TLS && policy == SrtpPolicy.REQUIRED && !s.allowCleartextSdes();
    }
}
