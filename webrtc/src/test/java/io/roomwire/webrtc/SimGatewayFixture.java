package io.roomwire.webrtc;

import io.roomwire.core.time.SystemScheduler;
import io.roomwire.sim.cloud.webrtc.SimWebRtcGateway;
import io.roomwire.sim.cloud.webrtc.WebRtcFarEnd;
import io.roomwire.webrtc.internal.PeerConnectionCloser;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The simulated WebRTC gateway with its webrtc-java far end and the room's scheduler, started once for a test
 * class and closed after it: {@code @RegisterExtension static final SimGatewayFixture sim = new SimGatewayFixture();}.
 * The gateway takes the bearer token {@code whip-secret} on WHIP.
 */
final class SimGatewayFixture implements BeforeAllCallback, AfterAllCallback {

    /** Where the far end's libwebrtc threads live: null, the test JVM's namespace (next to the room). */
    private final Supplier<Netns> farEndNamespace;

    private SystemScheduler scheduler;
    private WebRtcFarEnd farEnd;
    private SimWebRtcGateway gateway;

    SimGatewayFixture() {
        this(null);
    }

    /**
     * With the far end's media in another network namespace ({@link NatNetwork}'s public side), asked for when the
     * class starts; the gateway's HTTP stays on the test JVM's 127.0.0.1, where the room signals.
     */
    SimGatewayFixture(Supplier<Netns> farEndNamespace) {
        this.farEndNamespace = farEndNamespace;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        scheduler = new SystemScheduler(2);
        // The far end frees its peer connections as the room does, so what a test measures of native memory is the room's.
        farEnd = farEndNamespace == null ? new WebRtcFarEnd(PeerConnectionCloser::close)
                : farEndNamespace.get().call(() -> new WebRtcFarEnd(PeerConnectionCloser::close));
        gateway = new SimWebRtcGateway(farEnd, Optional.of("whip-secret"), Clock.systemUTC(), Duration.ofSeconds(120));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (gateway != null) {
            gateway.close();
        }
        if (farEnd != null) {
            farEnd.close();
        }
        if (scheduler != null) {
            scheduler.close();
        }
    }

    SystemScheduler scheduler() {
        return scheduler;
    }

    WebRtcFarEnd farEnd() {
        return farEnd;
    }

    SimWebRtcGateway gateway() {
        return gateway;
    }

    /** Where the room signals for this kind of gateway: the WHIP endpoint or the Pexip node. */
    String signallingUrl(WebRtcSettings.GatewayKind kind) {
        return kind == WebRtcSettings.GatewayKind.WHIP ? gateway.whipUrl() : gateway.pexipNode().toString();
    }
}
