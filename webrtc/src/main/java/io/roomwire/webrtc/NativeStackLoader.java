package io.roomwire.webrtc;

import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.media.audio.HeadlessAudioDeviceModule;

/**
 * Builds webrtc-java's factory. Apart from {@link NativeWebRtc} so that an agent without webrtc-java on
 * its class path (the Debian package) constructs its WebRTC path and fails only when a call loads this.
 */
final class NativeStackLoader {

    private NativeStackLoader() {
    }

    static NativeWebRtc.Stack load() {
        // FIELD-NOTES: a factory without a module aborts the JVM on a soundless host. The headless module
        // touches no OS audio device and runs a playout thread, so the far end's audio is decoded (the
        // kDummyAudio module has none: packets arrived, nothing decoded them). Its recording thread must not
        // feed the send stream while our CustomAudioSource does (a race check aborts the JVM). libwebrtc
        // starts that thread each time an audio send stream starts (after DTLS, not at ICE connected), so
        // the path's MediaPump stops it before every round of pushes and holds audio back while a call's
        // send stream is still starting (NativeWebRtc.Stack#quietRecording).
        HeadlessAudioDeviceModule adm = new HeadlessAudioDeviceModule();
        try {
            PeerConnectionFactory factory = new PeerConnectionFactory(adm);
            adm.initPlayout();
            adm.startPlayout();
            return new NativeWebRtc.Stack(factory, adm);
        } catch (RuntimeException | LinkageError e) {
            adm.dispose();
            throw e;
        }
    }
}
