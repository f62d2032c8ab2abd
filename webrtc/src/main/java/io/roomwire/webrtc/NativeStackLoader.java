package io.roomwire.webrtc;

import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.media.audio.AudioDeviceModule;
import dev.onvoid.webrtc.media.audio.AudioLayer;

/**
 * Builds webrtc-java's factory. Apart from {@link NativeWebRtc} so that an agent without webrtc-java on
 * its class path (the Debian package) constructs its WebRTC path and fails only when a call loads this.
 */
final class NativeStackLoader {

    private NativeStackLoader() {
    }

    static NativeWebRtc.Stack load() {
        // FIELD-NOTES: a factory without a module aborts the JVM on a soundless host; the dummy layer
        // never touches an OS audio device and is what works with a CustomAudioSource pushing PCM.
        AudioDeviceModule adm = new AudioDeviceModule(AudioLayer.kDummyAudio);
        try {
            return new NativeWebRtc.Stack(new PeerConnectionFactory(adm), adm);
        } catch (RuntimeException | LinkageError e) {
            adm.dispose();
            throw e;
        }
    }
}
