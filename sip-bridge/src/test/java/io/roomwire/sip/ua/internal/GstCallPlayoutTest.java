package io.roomwire.sip.ua.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.time.SystemScheduler;
import io.roomwire.hal.Codec;
import io.roomwire.hal.MediaKind;
import io.roomwire.hal.linux.GstCodec;
import io.roomwire.sip.MediaStats;
import io.roomwire.sip.sdp.Direction;
import io.roomwire.sip.sdp.NegotiatedStream;
import io.roomwire.sip.sdp.RtpMap;
import java.net.InetAddress;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The same call figures with the GStreamer codec on both ends (x264 and Opus from Debian's packages, test
 * sources and fake sinks), in real time: the room's decoder's pictures, rate and size, the far end's level,
 * and a freeze when the far end's camera goes off, reported while the call goes on.
 */
class GstCallPlayoutTest {

    private static final Duration BOUND = Duration.ofSeconds(30);

    @Test
    void decodedPicturesRateSizeLevelAndAFreezeWithGstreamerOnBothEnds() throws Exception {
        List<DeviceEvent> events = new CopyOnWriteArrayList<>();
        GstCodec room = GstCodec.testSources(320, 180, 15);
        GstCodec farCodec = GstCodec.testSources(320, 180, 15);
        try (SystemScheduler scheduler = new SystemScheduler(1);
             CallMedia media = RelayCallMedia.factory(scheduler, room, InetAddress.getLoopbackAddress(), events::add,
                     EnumSet.of(MediaKind.AUDIO, MediaKind.VIDEO), Duration.ofSeconds(30), () -> { }).open("g1")) {
            RelayCallMedia relay = (RelayCallMedia) media;
            try (Codec.MediaSession far = farCodec.open(List.of(
                    new Codec.StreamPlan(MediaKind.AUDIO, 111, "opus", 48000, relay.farSide(MediaKind.AUDIO)),
                    new Codec.StreamPlan(MediaKind.VIDEO, 96, "H264", 90000, relay.farSide(MediaKind.VIDEO))))) {
                media.apply(List.of(
                        new NegotiatedStream(MediaKind.AUDIO, RtpMap.of(111, "opus", 48000), Optional.empty(),
                                far.localPorts().get(MediaKind.AUDIO), Optional.empty(), Optional.empty(), Direction.SENDRECV),
                        new NegotiatedStream(MediaKind.VIDEO, RtpMap.of(96, "H264", 90000), Optional.empty(),
                                far.localPorts().get(MediaKind.VIDEO), Optional.empty(), Optional.empty(), Direction.SENDRECV)));
                await(() -> video(media).framesDecoded() >= 30 && video(media).frameRate() >= 10, "15 fps decoded", media);
                MediaStats.Playout v = video(media);
                assertEquals(320, v.width());
                assertEquals(180, v.height());
                assertEquals(15, v.frameRate(), 4, "decoded pictures per second");
                await(() -> media.stats().of(MediaKind.AUDIO).orElseThrow().playout().audioLevelDbov().isPresent(),
                        "an audio level", media);
                // audiotestsrc volume=0.4 through Opus: about -11 dBov
                assertEquals(-11, media.stats().of(MediaKind.AUDIO).orElseThrow().playout().audioLevelDbov().getAsDouble(), 2);
                assertEquals(0, v.freezes(), "no freeze in steady video");

                farCodec.setControls(new Codec.Controls(false, true, 70)); // the far end's camera goes off
                await(() -> events.stream().anyMatch(e -> e.type().equals("call.video.freeze")), "a freeze event", media);
                assertEquals(1, video(media).freezes());
                long audio = media.stats().of(MediaKind.AUDIO).orElseThrow().packetsReceived();
                farCodec.setControls(Codec.Controls.DEFAULT);
                await(() -> events.stream().anyMatch(e -> e.type().equals("call.video.resumed")), "pictures again", media);
                assertTrue(media.stats().of(MediaKind.AUDIO).orElseThrow().packetsReceived() > audio, "audio went on");
                assertEquals(1, video(media).freezes());
                assertTrue(video(media).frozen().toMillis() >= 500, video(media).toString());
            }
        }
        assertEquals(List.of(), room.problems());
        assertEquals(0, room.openSessions());
    }

    private static MediaStats.Playout video(CallMedia media) {
        return media.stats().of(MediaKind.VIDEO).orElseThrow().playout();
    }

    private static void await(BooleanSupplier condition, String what, CallMedia media) {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("waited " + BOUND + " for " + what + ": " + media.stats());
            }
            LockSupport.parkNanos(20_000_000);
        }
    }
}
