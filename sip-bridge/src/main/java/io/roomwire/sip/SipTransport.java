package io.roomwire.sip;

import java.util.Locale;

/** SIP transports; TLS is the default for gateway calls. */
public enum SipTransport {
    UDP(5060), TCP(5060), TLS(5061);

    private final int defaultPort;

    SipTransport(int defaultPort) {
        this.defaultPort = defaultPort;
    }

    public int defaultPort() {
        return defaultPort;
    }

    /** Lower-case name as in a Via or a {@code transport=} URI parameter. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean reliable() {
        return this != UDP;
    }

    public static SipTransport parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown SIP transport '" + s + "': use udp, tcp or tls (sip.transport)");
        }
    }
}
