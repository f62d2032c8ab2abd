package io.roomwire.sip.ua;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.sim.SimCodec;
import io.roomwire.sip.Call;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sim.cloud.SimPki;
import io.roomwire.sim.cloud.gateway.SimGateway;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * DNS SRV gives several servers for a gateway domain; when the first refuses the connection the call
 * goes to the next one (RFC 3263 4.3) instead of failing in the room.
 */
class SrvFailoverTest {

    private static final SimPki PKI = new SimPki("failover");

    /** A loopback port that refuses connections: bound, then closed. */
    private static int deadPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @ParameterizedTest
    @EnumSource(value = SimGateway.Transport.class, names = {"TCP", "TLS"})
    void aRefusedFirstServerFailsOverToTheNext(SimGateway.Transport transport) throws Exception {
        VirtualScheduler clock = new VirtualScheduler();
        SimCodec codec = new SimCodec(clock);
        int dead = deadPort();
        try (SimGateway gateway = SimGateway.builder().transport(transport)
                .sslContext(PKI.sslContext(PKI.issueServer("gw"))).meetingIds("123456789").build().start()) {
            SipResolver srv = (host, port, t) -> List.of(new SipHop("127.0.0.1", dead, t),
                    new SipHop("127.0.0.1", gateway.port(), t));
            SipJoinPath room = SipJoinPath.builder(SipFixtures.settings(SipFixtures.transportOf(gateway)).build(), clock)
                    .codec(codec).resolver(srv).sslContext(PKI.sslContext(null)).build();
            room.start();
            try {
                Call call = room.dial(JoinTarget.sip(gateway.directUri("123456789"), "sip", "test"));
                Await.until("connected through the second server", clock, () -> call.state() == CallState.CONNECTED,
                        () -> call.state() + " " + call.end());
                assertEquals("123456789", gateway.lastCall().orElseThrow().meetingId().orElseThrow());
                call.hangUp();
            } finally {
                room.stop();
            }
        }
    }

    @org.junit.jupiter.api.Test
    void whenEveryServerRefusesTheRoomSaysSo() throws Exception {
        VirtualScheduler clock = new VirtualScheduler();
        SimCodec codec = new SimCodec(clock);
        int first = deadPort();
        int second = deadPort();
        SipResolver srv = (host, port, t) -> List.of(new SipHop("127.0.0.1", first, t), new SipHop("127.0.0.1", second, t));
        SipJoinPath room = SipJoinPath.builder(SipFixtures.settings(io.roomwire.sip.SipTransport.TCP).build(), clock)
                .codec(codec).resolver(srv).build();
        room.start();
        try {
            Call call = room.dial(JoinTarget.sip("sip:123456789@gateway.example", "sip", "test"));
            // Both refusals come from the connects themselves: no timer has to run (the clock stands still).
            Await.until("ended", null, () -> call.state() == CallState.ENDED, () -> call.state().toString());
            assertEquals(CallFailures.UNREACHABLE, call.end().orElseThrow().message());
            assertEquals(true, call.end().orElseThrow().detail().contains(String.valueOf(second)),
                    call.end().toString());
            assertEquals(0, codec.openSessions());
        } finally {
            room.stop();
        }
    }
}
