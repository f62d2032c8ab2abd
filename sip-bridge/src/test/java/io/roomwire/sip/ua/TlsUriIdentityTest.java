package io.roomwire.sip.ua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.sim.SimCodec;
import io.roomwire.sip.Call;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sip.SipTransport;
import io.roomwire.sim.cloud.SimPki;
import io.roomwire.sim.cloud.gateway.SimGateway;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * RFC 5922 section 4: over TLS the room checks the certificate against the domain of the URI it
 * dials (gateway.test), not against the SRV target DNS handed out (here "localhost").
 */
class TlsUriIdentityTest {

    private static final SimPki PKI = new SimPki("uri-identity");
    private final VirtualScheduler clock = new VirtualScheduler();
    private SimGateway gateway;
    private SipJoinPath room;

    @AfterEach
    void tearDown() {
        if (room != null) {
            room.stop();
        }
        if (gateway != null) {
            gateway.stop();
        }
    }

    private Call dial(SimPki.Issued gatewayCertificate) throws Exception {
        gateway = SimGateway.builder().sslContext(PKI.sslContext(gatewayCertificate)).meetingIds("123456789").build()
                .start();
        // What DNS SRV for _sips._tcp.gateway.test would answer: a target with a name of its own.
        SipResolver srv = (host, port, transport) -> List.of(new SipHop("localhost", gateway.port(), transport));
        room = SipJoinPath.builder(SipFixtures.settings(SipTransport.TLS).build(), clock).codec(new SimCodec(clock))
                .resolver(srv).sslContext(PKI.sslContext(null)).build();
        room.start();
        return room.dial(JoinTarget.sip(gateway.directUri("123456789"), "sip", "test"));
    }

    @Test
    void refusesAGatewayCertifiedOnlyForTheSrvTarget() throws Exception {
        Call call = dial(PKI.issueServer("gw")); // names localhost, not gateway.test
        Await.until("ended", clock, () -> call.state() == CallState.ENDED, () -> call.state().toString());
        assertEquals(CallFailures.UNREACHABLE, call.end().orElseThrow().message());
        assertTrue(gateway.calls().isEmpty(), "no INVITE reached a gateway not certified for gateway.test");
    }

    @Test
    void joinsAGatewayCertifiedForTheUrisDomain() throws Exception {
        Call call = dial(PKI.issueServer("gw", "gateway.test"));
        Await.until("connected", clock, () -> call.state() == CallState.CONNECTED, () -> call.end().toString());
    }
}
