package io.roomwire.sip.srtp;

import java.util.Optional;

/** The SDES crypto suites of RFC 4568 that the bridge offers: AES counter mode with HMAC-SHA1. */
public enum SrtpSuite {
    AES_CM_128_HMAC_SHA1_80(10),
    AES_CM_128_HMAC_SHA1_32(4);

    /** SRTCP always carries an 80-bit tag for both suites (RFC 4568 §6.2). */
    public static final int SRTCP_AUTH_TAG_LENGTH = 10;

    private final int authTagLength;

    SrtpSuite(int authTagLength) {
        this.authTagLength = authTagLength;
    }

    /** Length in bytes of the SRTP authentication tag (10 or 4). */
    public int authTagLength() {
        return authTagLength;
    }

    /** The name as written in an SDP {@code a=crypto} line. */
    public String sdpName() {
        return name();
    }

    /** The suite named in an SDP {@code a=crypto} line, if we support it. */
    public static Optional<SrtpSuite> fromSdpName(String name) {
        if (name == null) {
            return Optional.empty();
        }
        for (SrtpSuite s : values()) {
            if (s.name().equalsIgnoreCase(name.trim())) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
