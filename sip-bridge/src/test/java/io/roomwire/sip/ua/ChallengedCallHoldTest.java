package io.roomwire.sip.ua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.sim.SimCodec;
import io.roomwire.sip.Call;
import io.roomwire.sip.CallEnd;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sip.SipSettings;
import io.roomwire.sip.SipTransport;
import io.roomwire.sip.sdp.SrtpPolicy;
import io.roomwire.sim.cloud.SimPki;
import io.roomwire.sim.cloud.gateway.GatewayCall;
import io.roomwire.sim.cloud.gateway.SimGateway;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 10 item 1: calls a gateway challenges (401 and 407, with and without qop, another To-tag
 * on the challenge than on the 200) stay up for {@link #HOLD} and end cleanly from either side:
 * SIPp over UDP and TCP, and the simulated gateway over TLS (SIPp 3.6 as Debian builds it has no
 * TLS). All legs run at once so the suite waits 40 s once; the rooms' clock moves with real time.
 */
class ChallengedCallHoldTest {

    /** At least 40 s: far past jain-sip's 2 s dialog linger, 32 s timer B and the 30 s keep-alive. */
    static final Duration HOLD = Duration.ofSeconds(40);

    /** The room's in-dialog OPTIONS period; SIPp answers the first one, then holds for the rest of HOLD. */
    static final Duration KEEP_ALIVE = Duration.ofSeconds(30);

    private static final SimPki PKI = new SimPki("challenged-calls");
    private static final SimPki.Issued ROOM_ID = PKI.issueServer("room");

    /** SIPp's BYE comes this much after HOLD: the keep-alive that starts SIPp's pause may leave a little early. */
    static final Duration MARGIN = Duration.ofSeconds(2);

    private final VirtualScheduler clock = new VirtualScheduler();
    private final List<Leg> legs = new ArrayList<>();

    enum Challenge {
        WWW_401("401 Unauthorized", "WWW-Authenticate"),
        PROXY_407("407 Proxy Authentication Required", "Proxy-Authenticate");

        final String statusLine;
        final String header;

        Challenge(String statusLine, String header) {
            this.statusLine = statusLine;
            this.header = header;
        }

        /** SIPp's verifyauth checks the digest of an Authorization header; Proxy-Authorization only by shape. */
        String verify(boolean qop) {
            return this == WWW_401 ? "<verifyauth assign_to=\"authvalid\" username=\"room-12\" password=\"s3cret\"/>"
                    : "<ereg regexp=\"Digest .*username=&quot;room-12&quot;.*realm=&quot;sipp.test&quot;.*response=&quot;"
                    + "[0-9a-f]{32}&quot;" + (qop ? ".*qop=auth.*nc=00000001" : "") + "\" search_in=\"hdr\""
                    + " header=\"Proxy-Authorization:\" assign_to=\"authvalid\"/>";
        }
    }

    /** One room dialling one SIPp (UDP, TCP) or one simulated gateway (TLS). */
    private final class Leg {
        final SipTransport transport;
        final Challenge challenge;
        final boolean qop;
        final boolean farEndHangsUp;
        Sipp sipp;
        SimGateway gateway;
        SipJoinPath room;
        Call call;
        long connectedAtNanos;

        Leg(SipTransport transport, Challenge challenge, boolean qop, boolean farEndHangsUp) {
            this.transport = transport;
            this.challenge = challenge;
            this.qop = qop;
            this.farEndHangsUp = farEndHangsUp;
        }

        void dial() throws Exception {
            if (transport == SipTransport.TLS) {
                gateway = SimGateway.builder().sslContext(PKI.sslContext(PKI.issueServer("gateway")))
                        .meetingIds("123456789").digest("room-12", "s3cret").proxyChallenge(challenge == Challenge.PROXY_407)
                        .qop(qop).build().start();
                room = SipJoinPath.builder(SipFixtures.settings(SipTransport.TLS).password("s3cret")
                                .authRealms(List.of("gateway.test"))
                                .keepAliveInterval(KEEP_ALIVE).build(), clock).codec(new SimCodec(clock))
                        .resolver(SipFixtures.resolverFor(gateway)).sslContext(PKI.sslContext(ROOM_ID)).build();
                room.start();
                call = room.dial(JoinTarget.sip(gateway.directUri("123456789"), "teams-cisco", "test"));
                return;
            }
            sipp = Sipp.uas(farEndHangsUp ? "uas-challenge-hold-far-bye.xml" : "uas-challenge-hold-room-bye.xml",
                    transport, HOLD.plusSeconds(40), List.of("-d", Long.toString(HOLD.minus(KEEP_ALIVE).plus(MARGIN).toMillis())),
                    java.util.Map.of("CHALLENGE", challenge.statusLine, "AUTHHDR", challenge.header,
                            "QOP", qop ? ", qop=\"auth\"" : "", "VERIFY", challenge.verify(qop)));
            SipSettings s = SipFixtures.settings(transport).srtpPolicy(SrtpPolicy.BEST_EFFORT).password("s3cret")
                    .authRealms(List.of("sipp.test"))
                    .keepAliveInterval(KEEP_ALIVE).build();
            room = SipJoinPath.builder(s, clock).codec(new SimCodec(clock)).resolver(SipFixtures.resolverTo(sipp.port()))
                    .build();
            room.start();
            call = room.dial(JoinTarget.sip("sip:meeting@127.0.0.1:" + sipp.port(), "sip", "test"));
        }

        @Override
        public String toString() {
            return transport + " " + challenge + (qop ? " qop=auth" : "") + (farEndHangsUp ? ", far end" : ", room")
                    + " hangs up: " + (call == null ? "-" : call.state() + " " + call.end())
                    + (sipp == null ? "" : "\n" + sipp.log()) + (gateway == null ? "" : "\n" + gateway.requests());
        }
    }

    @AfterEach
    void tearDown() {
        for (Leg l : legs) {
            if (l.room != null) {
                l.room.stop();
            }
            if (l.sipp != null) {
                l.sipp.close();
            }
            if (l.gateway != null) {
                l.gateway.stop();
            }
        }
    }

    @Test
    void challengedCallsStayUpFortySecondsAndEndFromEitherSide() throws Exception {
        int i = 0;
        for (SipTransport t : SipTransport.values()) {
            for (Challenge c : Challenge.values()) {
                for (boolean qop : List.of(false, true)) {
                    legs.add(new Leg(t, c, qop, i++ % 2 == 0 ^ t.ordinal() % 2 == 1));
                }
            }
        }
        for (Leg l : legs) {
            l.dial();
        }
        // The rooms' clock stands still while the calls connect, so it keeps step with SIPp's real-time pause.
        Await.until("every challenged call connected", null, Duration.ofSeconds(20), () -> legs.stream().allMatch(l -> {
            if (l.call.state() == CallState.CONNECTED && l.connectedAtNanos == 0) {
                l.connectedAtNanos = System.nanoTime();
            }
            return l.connectedAtNanos != 0 || l.call.state() == CallState.ENDED;
        }), () -> legs.toString());
        for (Leg l : legs) {
            assertTrue(l.connectedAtNanos != 0, () -> "not connected: " + l);
        }

        // Hold: the rooms' clock moves with real time; only a far-end BYE after HOLD may end a call.
        long holdEnd = legs.stream().mapToLong(l -> l.connectedAtNanos).max().orElseThrow() + HOLD.toNanos();
        long step = Duration.ofMillis(100).toNanos();
        while (System.nanoTime() < holdEnd) {
            LockSupport.parkNanos(step);
            clock.advance(Duration.ofNanos(step));
            for (Leg l : legs) {
                if (l.call.state() == CallState.ENDED && !(l.farEndHangsUp
                        && l.call.end().orElseThrow().by() == CallEnd.EndedBy.REMOTE
                        && System.nanoTime() - l.connectedAtNanos >= HOLD.toNanos())) {
                    fail("ended after " + Duration.ofNanos(System.nanoTime() - l.connectedAtNanos).toMillis() + " ms: "
                            + l);
                }
            }
        }
        for (Leg l : legs) {
            if (!l.farEndHangsUp) {
                assertEquals(CallState.CONNECTED, l.call.state(), () -> l.toString());
                l.call.hangUp();
            } else if (l.gateway != null) {
                assertEquals(CallState.CONNECTED, l.call.state(), () -> l.toString());
                l.gateway.lastCall().orElseThrow().hangUp();
            }
        }
        for (Leg l : legs) {
            Await.until("call ended", null, Duration.ofSeconds(30), () -> l.call.state() == CallState.ENDED,
                    () -> l.toString());
            CallEnd end = l.call.end().orElseThrow();
            assertEquals(l.farEndHangsUp ? CallEnd.EndedBy.REMOTE : CallEnd.EndedBy.LOCAL, end.by(), () -> l.toString());
            if (l.sipp != null) {
                assertEquals(0, l.sipp.awaitExit(Duration.ofSeconds(30)), () -> l.toString());
            } else {
                GatewayCall g = l.gateway.lastCall().orElseThrow();
                assertEquals(l.farEndHangsUp, g.byeFromGateway(), () -> l.toString());
                assertTrue(g.optionsFromRoom() >= 1, () -> "no keep-alive reached the gateway: " + l);
            }
            Await.until("dialogs released", () -> l.room.openDialogs() == 0);
        }
    }
}
