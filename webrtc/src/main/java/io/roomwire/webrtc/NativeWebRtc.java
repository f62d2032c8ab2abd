package io.roomwire.webrtc;

import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.media.audio.AudioDeviceModuleBase;
import java.util.Optional;
import java.util.function.Supplier;
import org.tinylog.Logger;

/**
 * The native side of webrtc-java, loaded on the first WebRTC call and never before: an agent that
 * never joins over WebRTC pays neither the ~150 ms load nor the ~56 MB of the factory.
 */
public final class NativeWebRtc {

    /** The factory and its audio module, disposed together (playout stopped, factory, then the module). */
    public record Stack(PeerConnectionFactory factory, AudioDeviceModuleBase audio) {
        void dispose() {
            audio.stopPlayout();
            factory.dispose();
            audio.dispose();
        }

        /**
         * Stops the module's own recording (joining its capture thread; a no-op when stopped), so that a call's
         * CustomAudioSource is the only thing feeding its send stream. libwebrtc starts the recording again
         * whenever an audio send stream starts; the media pump calls this before every round of audio.
         */
        public void quietRecording() {
            audio.stopRecording();
        }
    }

    private final Supplier<Stack> loader;
    private Stack stack;
    private String failure;

    public NativeWebRtc() {
        // Through another class: verifying this one must not need webrtc-java, which only the optional roomwire-webrtc package carries.
        this(() -> NativeStackLoader.load());
    }

    /** With another loader (a test makes the library "missing" this way). */
    public NativeWebRtc(Supplier<Stack> loader) {
        this.loader = loader;
    }

    /**
     * The loaded stack, loading it now if this is the first call.
     *
     * @throws IllegalStateException with the reason when the native library cannot be loaded
     */
    public synchronized Stack get() {
        if (stack != null) {
            return stack;
        }
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
        try {
            long t0 = System.nanoTime();
            stack = loader.get();
            Logger.info("WebRTC native library loaded in {} ms", (System.nanoTime() - t0) / 1_000_000);
            return stack;
        } catch (LinkageError | RuntimeException e) {
            failure = "the WebRTC native library could not be loaded (" + e + "): install libpulse0, check that "
                    + "java.io.tmpdir (" + System.getProperty("java.io.tmpdir") + ") is writable and that the "
                    + "webrtc-java linux-x86_64 jar is on the class path (on a Debian device: install the "
                    + "roomwire-webrtc package); SIP joins are not affected";
            Logger.error("{}", failure);
            throw new IllegalStateException(failure, e);
        }
    }

    /** Why the library failed to load, once it has. */
    public synchronized Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    public synchronized boolean loaded() {
        return stack != null;
    }

    /** Releases the factory and the audio module; a later call loads a new factory (the library stays). */
    public synchronized void release() {
        if (stack != null) {
            stack.dispose();
            stack = null;
        }
    }
}
