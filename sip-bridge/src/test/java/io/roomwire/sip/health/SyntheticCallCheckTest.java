package io.roomwire.sip.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.health.Health;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.sim.SimCodec;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sip.SipTransport;
import io.roomwire.sip.ua.Await;
import io.roomwire.sip.ua.SipFixtures;
import io.roomwire.sip.ua.SipJoinPath;
import io.roomwire.sim.cloud.SimPki;
import io.roomwire.sim.cloud.gateway.SimGateway;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SyntheticCallCheckTest {

    private static final SimPki PKI = new SimPki("health");
    private final VirtualScheduler clock = new VirtualScheduler();
    private final List<DeviceEvent> events = new CopyOnWriteArrayList<>();
    private SimGateway gateway;
    private SipJoinPath sip;
    private SyntheticCallCheck check;

    private void given(UnaryOperator<SimGateway.Builder> g) throws Exception {
        gateway = g.apply(SimGateway.builder().transport(SimGateway.Transport.UDP).meetingIds("777777")).build().start();
        sip = SipJoinPath.builder(SipFixtures.settings(SipTransport.UDP).build(), clock).codec(new SimCodec(clock))
                .resolver(SipFixtures.resolverFor(gateway)).build();
        sip.start();
        check = new SyntheticCallCheck(sip, clock, JoinTarget.sip(gateway.directUri("777777"), "sip", "health"),
                Duration.ofMinutes(5), Duration.ofSeconds(2), events::add);
        check.start();
    }

    @AfterEach
    void tearDown() {
        if (check != null) {
            check.stop();
        }
        if (sip != null) {
            sip.stop();
        }
        if (gateway != null) {
            gateway.stop();
        }
    }

    private void runRound() {
        clock.advance(Duration.ofMinutes(5));
        Await.until("health call placed and ended", clock, () -> check.lastRun().isPresent()
                && sip.calls().isEmpty() && gateway.lastCall().isPresent());
    }

    @Test
    void isOffUnlessIntervalAndTargetAreConfigured() {
        io.roomwire.sip.SipSettings.Builder b = SipFixtures.settings(SipTransport.UDP);
        assertTrue(SyntheticCallCheck.fromSettings(new NoPath(), b.build(), clock, e -> { }).isEmpty());
        assertTrue(SyntheticCallCheck.fromSettings(new NoPath(), b.healthInterval(Duration.ofMinutes(15))
                .healthTarget("sip:health@gw.example.com").build(), clock, e -> { }).isPresent());
    }

    /** A join path that is never used. */
    private static final class NoPath implements io.roomwire.sip.JoinPath {
        @Override public void start() { }
        @Override public void stop() { }
        @Override public boolean supports(JoinTarget t) { return true; }
        @Override public io.roomwire.sip.Call dial(JoinTarget t) { throw new IllegalStateException("unused"); }
        @Override public List<io.roomwire.sip.Call> calls() { return List.of(); }
        @Override public void addListener(io.roomwire.sip.CallListener l) { }
        @Override public void removeListener(io.roomwire.sip.CallListener l) { }
    }

    @Test
    void staysUpAfterACallWithMedia() throws Exception {
        given(g -> g);
        clock.advance(Duration.ofMinutes(5));
        // The gateway's media runs on real time: let some arrive before virtual time reaches the hang-up.
        Await.until("media from the gateway", null, () -> sip.calls().stream()
                .anyMatch(c -> c.stats().packetsReceived() > 0), () -> sip.calls().toString());
        Await.until("health call ended", clock, () -> sip.calls().isEmpty());
        Await.until("health recorded", () -> check.health().equals(Health.up()));
        Await.until("BYE at the gateway", () -> gateway.lastCall().orElseThrow().byeFromRoom());
    }

    @Test
    void degradesWhenTheGatewayRefusesTheCall() throws Exception {
        given(g -> g.busy(true));
        runRound();
        Await.until("degraded", clock, () -> check.health().state() == Health.State.DEGRADED);
        assertTrue(check.health().reason().contains("failed: Busy"), check.health().reason());
        assertTrue(events.stream().anyMatch(e -> e.type().equals("sip.health")));
    }

    @Test
    void degradesWhenNoMediaArrives() throws Exception {
        given(g -> g.sendMedia(false));
        runRound();
        Await.until("degraded", clock, () -> check.health().state() == Health.State.DEGRADED);
        assertTrue(check.health().reason().contains("no media"), check.health().reason());
    }

    @Test
    void aCallRefusedInsideDialStillCountsAsAFailedRound() throws Exception {
        // A sips: target over UDP ends inside dial(): its Ended event comes before dial() returns.
        sip = SipJoinPath.builder(SipFixtures.settings(SipTransport.UDP).build(), clock).codec(new SimCodec(clock))
                .resolver(SipFixtures.resolverTo(9)).build();
        sip.start();
        check = new SyntheticCallCheck(sip, clock, JoinTarget.sip("sips:health@gw.example.com", "sip", "health"),
                Duration.ofMinutes(5), Duration.ofSeconds(2), events::add);
        check.start();
        check.runOnce();
        assertEquals(Health.State.DEGRADED, check.health().state());
        assertTrue(check.health().reason().contains("needs TLS"), check.health().reason());
    }
}
