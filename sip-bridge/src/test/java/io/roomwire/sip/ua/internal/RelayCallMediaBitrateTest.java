package io.roomwire.sip.ua.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.Codec;
import io.roomwire.hal.MediaKind;
import io.roomwire.hal.sim.SimCodec;
import io.roomwire.sip.sdp.MediaCapabilities;
import io.roomwire.sip.sdp.SdpNegotiator;
import io.roomwire.sip.sdp.SessionDescription;
import io.roomwire.sip.sdp.SrtpPolicy;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The far end's b=AS / b=TIAS reaches the codec as each stream's bitrate limit. */
class RelayCallMediaBitrateTest {

    private final VirtualScheduler scheduler = new VirtualScheduler();
    private final List<Codec.StreamPlan> plans = new CopyOnWriteArrayList<>();
    private final SimCodec sim = new SimCodec(scheduler);

    /** The simulated codec, noting the plans it is opened with. */
    private final Codec codec = new Codec() {
        @Override
        public void setControls(Controls controls) {
            sim.setControls(controls);
        }

        @Override
        public Controls controls() {
            return sim.controls();
        }

        @Override
        public MediaSession open(List<StreamPlan> streams) throws IOException {
            plans.addAll(streams);
            return sim.open(streams);
        }

        @Override
        public List<String> audioEncodings() {
            return sim.audioEncodings();
        }

        @Override
        public List<String> videoEncodings() {
            return sim.videoEncodings();
        }
    };

    @Test
    void theAnswersBandwidthBecomesTheCodecsBitrateLimitPerStream() throws Exception {
        SdpNegotiator negotiator = new SdpNegotiator(MediaCapabilities.standard(), SrtpPolicy.BEST_EFFORT);
        try (CallMedia media = RelayCallMedia.factory(scheduler, codec, InetAddress.getLoopbackAddress(), e -> { },
                EnumSet.of(MediaKind.AUDIO, MediaKind.VIDEO), Duration.ofSeconds(30), () -> { }).open("c1")) {
            SessionDescription offer = negotiator.offer("127.0.0.1", 1, 1, media.localPorts(), java.util.Map.of(),
                    io.roomwire.sip.sdp.Direction.SENDRECV);
            SessionDescription answer = SessionDescription.parse(String.join("\r\n", "v=0",
                    "o=gw 1 1 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
                    "m=audio 5004 RTP/AVP 111", "a=rtpmap:111 opus/48000/2", "b=AS:40",
                    "m=video 5006 RTP/AVP 96", "b=TIAS:768000", "a=rtpmap:96 H264/90000",
                    "a=fmtp:96 profile-level-id=42e01f;packetization-mode=1", "").getBytes(StandardCharsets.UTF_8));
            media.apply(negotiator.acceptAnswer(offer, answer));
            assertEquals(2, plans.size());
            Codec.StreamPlan audio = plans.stream().filter(p -> p.kind() == MediaKind.AUDIO).findFirst().orElseThrow();
            Codec.StreamPlan video = plans.stream().filter(p -> p.kind() == MediaKind.VIDEO).findFirst().orElseThrow();
            assertEquals(40, audio.maxBitrateKbps());
            assertEquals(768, video.maxBitrateKbps());
        }
        assertEquals(0, sim.openSessions());
    }
}
