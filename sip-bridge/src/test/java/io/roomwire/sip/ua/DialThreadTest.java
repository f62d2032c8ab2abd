package io.roomwire.sip.ua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.sim.SimCodec;
import io.roomwire.sip.Call;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sim.cloud.gateway.SimGateway;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * dial() is called from the panel's event thread and from MQTT commands: it returns at once, and the
 * DNS lookup and TCP/TLS connect run on the user agent's dial thread, so a slow network never
 * freezes the panel, and a hang-up meanwhile ends the call without anything being sent.
 */
class DialThreadTest {

    @Test
    void dialReturnsWhileDnsIsSlowAndAHangUpMeanwhileSendsNothing() throws Exception {
        VirtualScheduler clock = new VirtualScheduler();
        SimCodec codec = new SimCodec(clock);
        CountDownLatch dnsAnswers = new CountDownLatch(1);
        CountDownLatch dnsAsked = new CountDownLatch(1);
        try (SimGateway gateway = SimGateway.builder().transport(SimGateway.Transport.TCP).meetingIds("123456789")
                .build().start()) {
            SipResolver slowFirstTime = (host, port, t) -> {
                if (dnsAnswers.getCount() > 0) {
                    dnsAsked.countDown();
                    try {
                        dnsAnswers.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return List.of(new SipHop("127.0.0.1", gateway.port(), t));
            };
            SipJoinPath room = SipJoinPath.builder(SipFixtures.settings(io.roomwire.sip.SipTransport.TCP).build(), clock)
                    .codec(codec).resolver(slowFirstTime).build();
            room.start();
            try {
                Call first = room.dial(JoinTarget.sip(gateway.directUri("123456789"), "sip", "test"));
                assertEquals(CallState.DIALING, first.state(), "dial() returned while DNS is still waiting");
                assertTrue(dnsAsked.await(10, TimeUnit.SECONDS), "the dial thread asks DNS");
                first.hangUp();
                assertEquals(CallState.ENDED, first.state(), "a hang-up does not wait for DNS");
                dnsAnswers.countDown();

                // The dial thread moves on: the next call goes through, and it is the only INVITE the gateway saw.
                Call second = room.dial(JoinTarget.sip(gateway.directUri("123456789"), "sip", "test"));
                Await.until("connected", clock, () -> second.state() == CallState.CONNECTED,
                        () -> second.state() + " " + second.end());
                assertEquals(1, gateway.requests().stream().filter("INVITE"::equals).count(), gateway.requests()::toString);
                second.hangUp();
                assertEquals(0, first.stats().packetsSent());
            } finally {
                room.stop();
            }
            assertEquals(0, codec.openSessions());
        }
    }
}
