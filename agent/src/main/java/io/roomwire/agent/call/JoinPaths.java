package io.roomwire.agent.call;

import io.roomwire.core.event.EventSink;
import io.roomwire.core.health.Service;
import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.Codec;
import io.roomwire.sip.JoinPath;
import io.roomwire.sip.SipSettings;
import io.roomwire.sip.dialplan.GatewayProfiles;
import io.roomwire.sip.health.SyntheticCallCheck;
import io.roomwire.sip.ua.SipJoinPath;
import io.roomwire.webrtc.CapturedMedia;
import io.roomwire.webrtc.LocalMedia;
import io.roomwire.webrtc.NativeWebRtc;
import io.roomwire.webrtc.TestPatternMedia;
import io.roomwire.webrtc.WebRtcJoinPath;
import io.roomwire.webrtc.WebRtcSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/** Builds the room's join path for {@link Calls}: the one place the agent names a JoinPath implementation. */
public final class JoinPaths {

    private JoinPaths() {
    }

    /** The SIP join path on {@code codec}, and the synthetic health call when {@code sip.health-*} ask for one. */
    public static Calls sip(SipSettings settings, Scheduler scheduler, EventSink events, Codec codec) {
        return forRoom(settings, scheduler, events, codec, Optional.empty(), GatewayProfiles::standard);
    }

    /**
     * SIP, and WebRTC too when a gateway is configured; the WebRTC native library loads with the first
     * WebRTC call, so an agent that never makes one pays nothing for it. Each SIP dial follows the
     * gateway profile {@code gateways} gives at that moment (a changed configuration applies to the next call).
     */
    public static Calls forRoom(SipSettings settings, Scheduler scheduler, EventSink events, Codec codec,
                                Optional<WebRtcSettings> webrtc, Supplier<GatewayProfiles> gateways) {
        // The room's camera and microphone as the hardware layer captures them (the test pattern only where the codec
        // has no raw capture, or as the fallback when it cannot start). The far end's pictures go to the codec's
        // display and its audio to the codec's speaker (its raw playout), at the panel's volume, as a SIP call's do.
        Optional<JoinPath> webrtcPath = webrtc.map(w -> new WebRtcJoinPath(w, scheduler, new NativeWebRtc(),
                localMedia(codec), null, codec));
        SipJoinPath sip = SipJoinPath.builder(settings, scheduler).events(events).codec(codec)
                .gatewayProfiles(gateways).build();
        List<Service> services = new ArrayList<>(List.of(sip));
        // The synthetic health call (sip.health-interval + sip.health-target): DEGRADED when it fails.
        SyntheticCallCheck.fromSettings(sip, settings, scheduler, events).ifPresent(services::add);
        return new Calls(sip, services, webrtcPath, scheduler, events);
    }

    /** What a WebRTC call sends: 640x360 at 30 fps, and a 440 Hz tone where the test pattern stands in. */
    static LocalMedia localMedia(Codec codec) {
        return codec.rawCapture().<LocalMedia>map(c -> new CapturedMedia(c, 640, 360, 30, 440))
                .orElseGet(() -> new TestPatternMedia(640, 360, 30, 440));
    }
}
