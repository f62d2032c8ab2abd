package io.roomwire.sip.ua.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.Codec;
import io.roomwire.hal.MediaKind;
import io.roomwire.hal.sim.SimCodec;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the room notices of the far end's media, through the relay as a SIP call wires it: pictures decoded,
 * their rate and size, freezes (counted and reported, the call goes on) and the audio level.
 */
class CallPlayoutTest {

    private final VirtualScheduler scheduler = new VirtualScheduler();
    private final List<DeviceEvent> events = new CopyOnWriteArrayList<>();
    private final SimCodec room = new SimCodec(scheduler);
    private final SimCodec farCodec = new SimCodec(scheduler);
    private CallMedia media;
    private Codec.MediaSession far;

    @BeforeEach
    void connect() throws Exception {
        media = RelayCallMedia.factory(scheduler, room, InetAddress.getLoopbackAddress(), events::add,
                EnumSet.of(MediaKind.AUDIO, MediaKind.VIDEO), Duration.ofSeconds(30), () -> { }).open("c1");
        RelayCallMedia relay = (RelayCallMedia) media;
        far = farCodec.open(List.of(
                new Codec.StreamPlan(MediaKind.AUDIO, 0, "PCMU", 8000, relay.farSide(MediaKind.AUDIO)),
                new Codec.StreamPlan(MediaKind.VIDEO, 96, "H264", 90000, relay.farSide(MediaKind.VIDEO))));
        media.apply(streams(Direction.SENDRECV));
    }

    @AfterEach
    void close() {
        media.close();
        far.close();
        assertEquals(0, room.openSessions());
    }

    private List<NegotiatedStream> streams(Direction video) {
        return List.of(
                new NegotiatedStream(MediaKind.AUDIO, RtpMap.of(0, "PCMU", 8000), Optional.empty(),
                        far.localPorts().get(MediaKind.AUDIO), Optional.empty(), Optional.empty(), Direction.SENDRECV),
                new NegotiatedStream(MediaKind.VIDEO, RtpMap.of(96, "H264", 90000), Optional.empty(),
                        far.localPorts().get(MediaKind.VIDEO), Optional.empty(), Optional.empty(), video));
    }

    @Test
    void showsPicturesTheirRateAndSizeAndTheFarEndsLevel() {
        run(Duration.ofSeconds(2));
        MediaStats.Playout video = media.stats().of(MediaKind.VIDEO).orElseThrow().playout();
        assertEquals(30, video.framesDecoded(), "2 s of the far end's 15 fps clip");
        assertEquals(15, video.frameRate(), 1.0, "pictures per second");
        assertEquals(320, video.width());
        assertEquals(180, video.height());
        assertEquals(0, video.freezes());
        double level = media.stats().of(MediaKind.AUDIO).orElseThrow().playout().audioLevelDbov().orElseThrow();
        assertEquals(-11.7, level, 0.5, "the far end's tone");
        assertTrue(events.stream().noneMatch(e -> e.type().startsWith("call.video")), "no freeze in steady video: " + events);
    }

    @Test
    void videoThatStopsIsAFreezeCountedAndReportedAndTheCallGoesOn() {
        run(Duration.ofSeconds(1));
        farCodec.setControls(new Codec.Controls(false, true, 70)); // the far end's camera goes off
        run(Duration.ofMillis(400));
        assertEquals(0, media.stats().of(MediaKind.VIDEO).orElseThrow().playout().freezes(), "400 ms is under the threshold");
        run(Duration.ofMillis(800));
        MediaStats.Playout frozen = media.stats().of(MediaKind.VIDEO).orElseThrow().playout();
        assertEquals(1, frozen.freezes());
        assertTrue(frozen.frozen().toMillis() >= 1100, "frozen for " + frozen.frozen());
        assertEquals(0, frozen.frameRate(), 0.01, "no pictures in the last second");
        assertEquals(1, events.stream().filter(e -> e.type().equals("call.video.freeze")).count(), events.toString());
        long audioBefore = media.stats().of(MediaKind.AUDIO).orElseThrow().packetsReceived();

        farCodec.setControls(Codec.Controls.DEFAULT); // camera on: the far end starts with an IDR
        run(Duration.ofMillis(500));
        MediaStats.Playout resumed = media.stats().of(MediaKind.VIDEO).orElseThrow().playout();
        assertTrue(resumed.framesDecoded() > frozen.framesDecoded(), "pictures again after the freeze");
        assertEquals(1, resumed.freezes(), "the freeze is counted once");
        DeviceEvent end = events.stream().filter(e -> e.type().equals("call.video.resumed")).findFirst().orElseThrow();
        assertTrue(((Number) end.attributes().get("frozenMs")).longValue() >= 1100, end.toString());
        assertTrue(media.stats().of(MediaKind.AUDIO).orElseThrow().packetsReceived() > audioBefore + 20, "audio went on");
    }

    @Test
    void noFreezeWhileTheRoomHoldsTheFarEndsVideo() throws Exception {
        run(Duration.ofSeconds(1));
        media.apply(streams(Direction.SENDONLY)); // on hold: the far end is not expected to send
        farCodec.setControls(new Codec.Controls(false, true, 70));
        run(Duration.ofSeconds(2));
        assertEquals(0, media.stats().of(MediaKind.VIDEO).orElseThrow().playout().freezes());
        assertTrue(events.stream().noneMatch(e -> e.type().equals("call.video.freeze")), events.toString());
    }

    /** Advances the clock in 20 ms steps, each time until what the far end sent has reached the room. */
    private void run(Duration d) {
        for (long t = 0; t < d.toMillis(); t += 20) {
            scheduler.advance(Duration.ofMillis(20));
            long audio = far.sent(MediaKind.AUDIO).packets();
            long video = far.sent(MediaKind.VIDEO).packets();
            await(() -> media.stats().of(MediaKind.AUDIO).orElseThrow().packetsReceived() >= audio
                    && media.stats().of(MediaKind.VIDEO).orElseThrow().packetsReceived() >= video);
            long roomAudio = audio;
            await(() -> roomReceived(MediaKind.AUDIO) >= roomAudio && roomReceived(MediaKind.VIDEO) >= video);
        }
    }

    private long roomReceived(MediaKind kind) {
        // the relay forwards to the room's codec session; its counters are the last hop
        return ((RelayCallMedia) media).codecReceived(kind);
    }

    private static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("media did not arrive within 10 s");
            }
            LockSupport.parkNanos(200_000);
        }
    }
}
