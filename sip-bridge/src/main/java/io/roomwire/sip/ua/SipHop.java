package io.roomwire.sip.ua;

import io.roomwire.sip.SipTransport;
import java.util.Objects;

/** One place to send a request: a host name or literal address, a port and a transport. */
public record SipHop(String host, int port, SipTransport transport) {

    public SipHop {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(transport, "transport");
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("hop port out of range: " + port);
        }
    }

    /** As a loose-routing Route URI: {@code sip:host:port;transport=tls;lr}. */
    public String routeUri() {
        String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return "sip:" + h + ":" + port + ";transport=" + transport.wireName() + ";lr";
    }

    /** {@code host:port/transport}, jain-sip's outbound proxy format. */
    public String proxyProperty() {
        return host + ":" + port + "/" + transport.wireName();
    }

    @Override
    public String toString() {
        return proxyProperty();
    }
}
