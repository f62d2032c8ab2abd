package io.roomwire.sip.ua;

import io.roomwire.sip.SipTransport;
import java.io.IOException;
import java.util.List;
import java.util.OptionalInt;

/**
 * Finds where to send a request for a domain (RFC 3263): a literal address or an explicit port
 * is used as is; otherwise DNS SRV ({@code _sips._tcp}, {@code _sip._tcp}, {@code _sip._udp})
 * ordered by priority and weight, then the domain itself on the default port. Tests supply answers.
 */
public interface SipResolver {

    /**
     * @return hops in the order to try them, never empty
     * @throws IOException when the name does not resolve at all
     */
    List<SipHop> resolve(String host, OptionalInt port, SipTransport transport) throws IOException;

    /** A resolver that never looks anything up: the host on the given or default port. */
    static SipResolver literal() {
        return (host, port, transport) -> List.of(new SipHop(host, port.orElse(transport.defaultPort()), transport));
    }
}
