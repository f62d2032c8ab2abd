package io.roomwire.sip.ua;

import io.roomwire.sip.SipSettings;
import io.roomwire.sip.SipTransport;
import io.roomwire.sim.cloud.gateway.SimGateway;
import java.util.List;

/** Settings and resolvers that point the room at loopback peers. */
public final class SipFixtures {

    private SipFixtures() {
    }

    public static SipSettings.Builder settings(SipTransport transport) {
        // Loopback is a lab: udp/tcp tests may carry SDES keys in clear (SdesExposureTest checks the refusal).
        return SipSettings.builder().transport(transport).localAddress("127.0.0.1").user("room-12")
                .displayName("Room 12").domain("room.test").allowCleartextSdes(transport != SipTransport.TLS);
    }

    public static SipTransport transportOf(SimGateway g) {
        return SipTransport.valueOf(g.transport().name());
    }

    /** Sends everything for the gateway's domain to the gateway's port. */
    public static SipResolver resolverFor(SimGateway g) {
        return (host, port, transport) -> host.equals(g.domain())
                ? List.of(new SipHop("127.0.0.1", g.port(), transport))
                : List.of(new SipHop(host, port.orElse(transport.defaultPort()), transport));
    }

    /** Everything to one loopback port (SIPp). */
    public static SipResolver resolverTo(int port) {
        return (host, p, transport) -> List.of(new SipHop("127.0.0.1", port, transport));
    }
}
