package io.roomwire.hal;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

/**
 * The media engine. For a call it opens one RTP port per stream on the local host; the bridge
 * relays between those ports and the far end (adding SRTP), so the codec itself speaks plain RTP.
 */
public interface Codec {

    /**
     * One negotiated stream: what to send and where the bridge listens for it. {@code maxBitrateKbps}
     * is what the far end's SDP allows (b=AS, or b=TIAS / 1000, RFC 3890); 0 when it set no limit.
     */
    record StreamPlan(MediaKind kind, int payloadType, String encoding, int clockRate,
                      InetSocketAddress sendTo, int maxBitrateKbps) {
        public StreamPlan(MediaKind kind, int payloadType, String encoding, int clockRate, InetSocketAddress sendTo) {
            this(kind, payloadType, encoding, clockRate, sendTo, 0);
        }
    }

    /**
     * What the room's call controls set. A room has one microphone, camera and speaker, so these are the
     * device's, not one call's. Muted audio and camera-off video are not sent at all (RFC 3551 §4.1 lets a
     * sender stop; the far end's jitter buffer conceals the gap); volume scales what the speaker plays.
     */
    record Controls(boolean microphoneMuted, boolean cameraOff, int speakerVolume) {
        public static final Controls DEFAULT = new Controls(false, false, 70);

        public Controls {
            if (speakerVolume < 0 || speakerVolume > 100) {
                throw new IllegalArgumentException("speaker volume is a percentage, 0 to 100: " + speakerVolume);
            }
        }
    }

    /** Counters of one direction of one stream. */
    record MediaCounters(long packets, long bytes, long lastSequence, long lost) { }

    /**
     * What the far end's media gave after decoding, as the room shows and plays it.
     *
     * @param framesDecoded  video: pictures decoded so far (0 for audio)
     * @param width          video: the decoded picture width, 0 until the first picture (or SPS) is seen
     * @param height         video: the decoded picture height, 0 until then
     * @param audioLevelDbov audio: RMS level of the last ~100 ms of decoded PCM in dB relative to full scale
     *                       (dBov, RFC 6464 §3: 0 is the loudest, -127 silence); empty for video, before the
     *                       first decoded audio, or where the codec cannot decode the encoding itself
     */
    record Playout(long framesDecoded, int width, int height, java.util.OptionalDouble audioLevelDbov) {
        public static final Playout NONE = new Playout(0, 0, 0, java.util.OptionalDouble.empty());

        /** The RMS of {@code n} 16-bit samples as dBov, floored at -127 (RFC 6464 §3). */
        public static double dbov(double sumOfSquares, int n) {
            if (n == 0 || sumOfSquares <= 0) {
                return -127;
            }
            double rms = Math.sqrt(sumOfSquares / n) / 32768.0;
            return Math.max(-127, 20 * Math.log10(rms));
        }
    }

    /** An open media session. */
    interface MediaSession extends AutoCloseable {

        /** The local RTP port of each stream: where the bridge sends what the far end sent. */
        Map<MediaKind, InetSocketAddress> localPorts();

        MediaCounters sent(MediaKind kind);

        MediaCounters received(MediaKind kind);

        /** What the far end's {@code kind} stream decoded to so far ({@link Playout#NONE} when not measured). */
        default Playout playout(MediaKind kind) {
            return Playout.NONE;
        }

        /**
         * The far end asked for a keyframe (RTCP PLI or FIR, RFC 4585 §6.3.1, RFC 5104 §4.3.1): the
         * next video frame is an IDR picture with its SPS and PPS. Without video it does nothing.
         */
        void requestKeyframe();

        /** Stops the streams and closes the ports. Idempotent. */
        @Override
        void close();
    }

    /** Applies the call controls to the open sessions at once and to sessions opened later. */
    void setControls(Controls controls);

    /** The controls last set ({@link Controls#DEFAULT} until then). */
    Controls controls();

    /** Starts sending and receiving the planned streams. */
    MediaSession open(List<StreamPlan> streams) throws java.io.IOException;

    /**
     * The room's camera and microphone as raw frames (I420 and 48 kHz PCM), for a path that encodes media
     * itself (WebRTC); empty when this codec can only send RTP. Opening it starts capture devices, so callers
     * open a session per call and close it with the call.
     */
    default java.util.Optional<RawCapture> rawCapture() {
        return java.util.Optional.empty();
    }

    /**
     * The room's display and speaker fed raw frames (I420 and 48 kHz PCM), for a path that decodes the far end's
     * media itself (WebRTC); empty when this codec can only play RTP. The speaker volume of {@link #controls()}
     * applies to it live. Opening it takes the display and speaker, so callers open a session per call and close it
     * with the call.
     */
    default java.util.Optional<RawPlayout> rawPlayout() {
        return java.util.Optional.empty();
    }

    /** The encodings this codec can produce and consume, in preference order. */
    List<String> audioEncodings();

    List<String> videoEncodings();
}
