package io.roomwire.webrtc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCRtpTransceiver;
import dev.onvoid.webrtc.RTCRtpTransceiverDirection;
import dev.onvoid.webrtc.RTCRtpTransceiverInit;
import dev.onvoid.webrtc.media.audio.AudioDeviceModule;
import dev.onvoid.webrtc.media.audio.AudioLayer;
import dev.onvoid.webrtc.media.video.CustomVideoSource;
import dev.onvoid.webrtc.media.video.VideoTrack;
import io.roomwire.webrtc.internal.PeerConnectionCloser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * webrtc-java 0.14.0's {@code close()} leaves the native peer connection behind (its #239), and with it the factory's
 * threads after {@code dispose()}, and the transceivers {@code addTransceiver} returns hold a reference their Java objects
 * cannot give back; {@link PeerConnectionCloser} frees both. On the real library: each connection is freed by the closer,
 * and its factory's native threads end at {@code dispose()}.
 */
class PeerConnectionCloserTest {

    /** The JVM's own threads that it starts and ends as it likes (GC workers, compilers). */
    private static final java.util.regex.Pattern JVM_OWN = java.util.regex.Pattern.compile("GC Thread#\\d+|G1 .*|C[12] CompilerThre");

    @Test
    void closedConnectionsAreFreedAndTheirFactoryEndsItsThreads() throws Exception {
        // The library loaded and one factory made and disposed first: what stays for the process's life is in the baseline.
        newFactory().dispose();
        List<String> baseline = nativeThreads();
        Stack stack = newFactory();
        try {
            for (int i = 0; i < 5; i++) {
                RTCPeerConnection pc = stack.factory.createPeerConnection(new RTCConfiguration(), candidate -> { });
                CustomVideoSource source = new CustomVideoSource();
                VideoTrack track = stack.factory.createVideoTrack("video" + i, source);
                RTCRtpTransceiverInit init = new RTCRtpTransceiverInit();
                init.direction = RTCRtpTransceiverDirection.SEND_RECV;
                RTCRtpTransceiver transceiver = pc.addTransceiver(track, init);
                pc.removeTrack(pc.getSenders()[0]);
                assertEquals(PeerConnectionCloser.Outcome.FREED, PeerConnectionCloser.close(pc, List.of(transceiver)), "connection " + i);
                // The transceiver's reference dropped with it: a late use fails in Java, not in freed memory.
                assertThrows(NullPointerException.class, transceiver::getMid);
                track.dispose(); // throws when something native still holds the track: the freed connection does not
                source.dispose();
            }
        } finally {
            stack.dispose();
        }
        Await.until(Duration.ofSeconds(30), () -> left(baseline).isEmpty(),
                () -> "native threads left after the factory's dispose(): " + left(baseline) + " (before it was made: " + baseline + ")");
    }

    private record Stack(AudioDeviceModule adm, PeerConnectionFactory factory) {
        void dispose() {
            factory.dispose();
            adm.dispose();
        }
    }

    private static Stack newFactory() {
        AudioDeviceModule adm = new AudioDeviceModule(AudioLayer.kDummyAudio);
        return new Stack(adm, new PeerConnectionFactory(adm));
    }

    /** Native threads made since {@code baseline} and still running. */
    private static List<String> left(List<String> baseline) {
        List<String> now = new ArrayList<>(nativeThreads());
        baseline.forEach(now::remove);
        return now;
    }

    /**
     * The names of the process's threads that are neither Java threads (the kernel's names, /proc/self/task/N/comm, which
     * for a Java thread are its name's first 15 bytes) nor the JVM's GC and compiler threads: libwebrtc's own, mostly.
     * Other tests' Java threads starting or ending meanwhile do not count.
     */
    private static List<String> nativeThreads() {
        Set<String> java = new HashSet<>();
        Thread.getAllStackTraces().keySet().forEach(t -> java.add(t.getName().length() > 15 ? t.getName().substring(0, 15) : t.getName()));
        List<String> names = new ArrayList<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String name = Files.readString(task.resolve("comm")).strip();
                    if (!java.contains(name) && !JVM_OWN.matcher(name).matches()) {
                        names.add(name);
                    }
                } catch (IOException ended) {
                    // the thread ended while listed
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return names;
    }
}
