package io.roomwire.hal.linux;

import io.roomwire.hal.Codec.StreamPlan;
import io.roomwire.hal.MediaKind;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The gst-launch-1.0 descriptions of the send and receive pipelines for one negotiated stream, and
 * the Debian package each element comes from (so a missing one names what to install).
 */
final class GstPipelines {

    /** Where media comes from and goes to: the room's devices, or test sources and fake sinks (CI). */
    enum Io { DEVICES, TEST }

    /**
     * @param io          devices or test sources/sinks
     * @param videoDevice the V4L2 capture device (e.g. /dev/video0), used with {@link Io#DEVICES}
     * @param width       the sent picture width
     * @param height      the sent picture height
     * @param fps         the sent frame rate
     * @param testPattern the picture of the test camera (videotestsrc's {@code pattern}: smpte, white, ball, ...),
     *                    used with {@link Io#TEST}
     */
    record Options(Io io, String videoDevice, int width, int height, int fps, String testPattern) {
        Options {
            if (!testPattern.matches("[a-z0-9-]+")) {
                throw new IllegalArgumentException("a videotestsrc pattern is a name like smpte or white, got " + testPattern);
            }
        }

        Options(Io io, String videoDevice, int width, int height, int fps) {
            this(io, videoDevice, width, height, fps, "smpte");
        }

        static Options test(int width, int height, int fps) {
            return new Options(Io.TEST, "/dev/video0", width, height, fps);
        }
    }

    /** Element -> Debian package (bookworm) that ships it. */
    static final Map<String, String> PACKAGES = new LinkedHashMap<>();

    static {
        for (String e : List.of("fakesink", "fdsink", "fdsrc", "queue", "valve", "capsfilter", "identity")) {
            PACKAGES.put(e, "libgstreamer1.0-0");
        }
        for (String e : List.of("videotestsrc", "audiotestsrc", "videoconvert", "videoscale", "videorate", "audioconvert",
                "audioresample", "volume", "rawvideoparse", "rawaudioparse", "opusenc", "opusdec", "alsasrc", "autoaudiosink", "autovideosink")) {
            PACKAGES.put(e, "gstreamer1.0-plugins-base");
        }
        for (String e : List.of("udpsrc", "udpsink", "rtpbin", "rtpjitterbuffer", "rtph264pay", "rtph264depay",
                "rtpopuspay", "rtpopusdepay", "rtpg722pay", "rtpg722depay", "rtppcmupay", "rtppcmudepay", "rtppcmapay",
                "rtppcmadepay", "mulawenc", "mulawdec", "alawenc", "alawdec", "v4l2src", "autoaudiosrc", "level")) {
            PACKAGES.put(e, "gstreamer1.0-plugins-good");
        }
        PACKAGES.put("autoaudiosink", "gstreamer1.0-plugins-good");
        PACKAGES.put("autovideosink", "gstreamer1.0-plugins-good");
        PACKAGES.put("x264enc", "gstreamer1.0-plugins-ugly");
        for (String e : List.of("avdec_h264", "avenc_g722", "avdec_g722")) {
            PACKAGES.put(e, "gstreamer1.0-libav");
        }
    }

    private final Options options;

    GstPipelines(Options options) {
        this.options = options;
    }

    static String normalise(String encoding) {
        return encoding.toUpperCase(Locale.ROOT);
    }

    /** The send pipeline: capture -> encode -> RTP to 127.0.0.1:{@code rtpPort}; RTCP feedback in on {@code rtcpPort}. */
    String send(StreamPlan plan, int ssrc, int rtpPort, int rtcpPort) {
        return send(plan, ssrc, rtpPort, rtcpPort, true);
    }

    /**
     * @param keyframeFeedback whether rtpbin sits in the video path to pass PLI/FIR to the encoder (the
     *                         latency tracer's probe does not cross rtpbin, so the latency bench leaves it out)
     */
    String send(StreamPlan plan, int ssrc, int rtpPort, int rtcpPort, boolean keyframeFeedback) {
        String pay = payloader(plan, ssrc);
        if (plan.kind() == MediaKind.VIDEO) {
            String src = options.io() == Io.TEST ? cameraSource() : cameraSource() + " ! videoconvert ! videoscale ! videorate";
            int kbps = plan.maxBitrateKbps() > 0 ? Math.max(64, plan.maxBitrateKbps() - 64) : 2000;
            // rtpbin's session turns an RTCP PLI/FIR for our SSRC into an upstream force-key-unit event
            // (RFC 4585 §6.3.1, RFC 5104 §4.3.1), which x264enc answers with an IDR picture.
            String head = keyframeFeedback ? "rtpbin name=rb " : "";
            String out = keyframeFeedback
                    ? " ! rb.send_rtp_sink_0 rb.send_rtp_src_0 ! udpsink host=127.0.0.1 port=" + rtpPort
                            + " sync=false async=false udpsrc address=127.0.0.1 port=" + rtcpPort
                            + " caps=application/x-rtcp ! rb.recv_rtcp_sink_0"
                    : " ! udpsink host=127.0.0.1 port=" + rtpPort + " sync=false async=false";
            return head + src + " ! video/x-raw,width=" + options.width() + ",height=" + options.height()
                    + ",framerate=" + options.fps() + "/1 ! videoconvert ! queue max-size-buffers=2 leaky=downstream"
                    + " ! x264enc name=enc tune=zerolatency speed-preset=ultrafast bitrate=" + kbps
                    + " key-int-max=" + (options.fps() * 10) + " bframes=0"
                    + " ! video/x-h264,profile=constrained-baseline ! " + pay + out;
        }
        return microphoneSource() + " ! audioconvert ! audioresample ! " + audioEncoder(plan) + " ! " + pay
                + " ! udpsink host=127.0.0.1 port=" + rtpPort + " sync=false async=false";
    }

    /** The camera's source element with its properties: the V4L2 device, or the test pattern (SMPTE colour bars). */
    private String cameraSource() {
        return options.io() == Io.TEST ? "videotestsrc is-live=true pattern=" + options.testPattern() : "v4l2src device=" + options.videoDevice();
    }

    /** The microphone's source element: the default audio input, or a 440 Hz tone under test. */
    private String microphoneSource() {
        return options.io() == Io.TEST ? "audiotestsrc is-live=true wave=sine freq=440 volume=0.4" : "autoaudiosrc";
    }

    /**
     * The camera as raw pictures on standard output: converted, scaled and rate-adapted to exactly {@code width}x
     * {@code height} I420 at {@code fps}, tightly packed, one picture after the other (see {@link GstCapture}).
     */
    String captureVideo(int width, int height, int fps) {
        return cameraSource() + " ! videoconvert ! videoscale ! videorate ! video/x-raw,format=I420,width=" + width
                + ",height=" + height + ",framerate=" + fps + "/1,pixel-aspect-ratio=1/1 ! fdsink fd=1";
    }

    /** The microphone as 48 kHz mono S16LE PCM on standard output. */
    String captureAudio() {
        return microphoneSource() + " ! audioconvert ! audioresample"
                + " ! audio/x-raw,format=S16LE,rate=48000,channels=1,layout=interleaved ! fdsink fd=1";
    }

    /** The elements the raw capture needs, to check they are installed before starting it. */
    List<String> captureElements() {
        return options.io() == Io.TEST
                ? List.of("videotestsrc", "videoconvert", "videoscale", "videorate", "fdsink", "audiotestsrc", "audioconvert",
                        "audioresample")
                : List.of("v4l2src", "videoconvert", "videoscale", "videorate", "fdsink", "autoaudiosrc", "audioconvert",
                        "audioresample");
    }

    /** The receive pipeline: RTP from 127.0.0.1:{@code rtpPort} -> depacketize -> decode -> sink. */
    String receive(StreamPlan plan, int rtpPort, int volumePercent) {
        String enc = normalise(plan.encoding());
        String caps = "application/x-rtp,media=" + (plan.kind() == MediaKind.VIDEO ? "video" : "audio")
                + ",clock-rate=" + plan.clockRate() + ",encoding-name=" + (enc.equals("OPUS") ? "OPUS" : enc)
                + ",payload=" + plan.payloadType();
        String head = "udpsrc address=127.0.0.1 port=" + rtpPort + " caps=\"" + caps + "\" ! rtpjitterbuffer latency=60 ! ";
        if (plan.kind() == MediaKind.VIDEO) {
            String sink = videoSink();
            // the identity prints a line per decoded picture and the decoded caps (with -v; GstPlayout reads them)
            return head + "rtph264depay ! avdec_h264 ! identity name=" + GstPlayout.FRAMES + " silent=false"
                    + " ! videoconvert ! " + sink;
        }
        String sink = audioSink();
        String dec = switch (enc) {
            case "OPUS" -> "rtpopusdepay ! opusdec";
            case "G722" -> "rtpg722depay ! avdec_g722";
            case "PCMU" -> "rtppcmudepay ! mulawdec";
            case "PCMA" -> "rtppcmadepay ! alawdec";
            default -> throw unsupported(plan);
        };
        // level measures what the far end sent, before the speaker volume (posted every 100 ms, read with -m)
        return head + dec + " ! audioconvert ! level name=" + GstPlayout.METER + " interval=100000000"
                + " ! volume name=speaker volume=" + (volumePercent / 100.0) + " ! " + sink;
    }

    /** The room's display: where every received picture goes (a fake sink under test). */
    private String videoSink() {
        return options.io() == Io.TEST ? "fakesink sync=false" : "autovideosink sync=false";
    }

    /** The room's speaker: where every received sound goes (a fake sink under test). */
    private String audioSink() {
        return options.io() == Io.TEST ? "fakesink sync=false" : "autoaudiosink sync=false";
    }

    /**
     * Raw pictures fed on standard input to the display (see {@link GstRawPlayout}): tightly packed {@code width}x
     * {@code height} I420, one after the other. The frame rate only stamps the buffers; the sink does not sync, so each
     * picture shows as it comes. The identity prints a line per picture and the caps (with -v; GstPlayout reads them).
     */
    String playoutVideo(int width, int height) {
        return "fdsrc fd=0 ! rawvideoparse format=i420 width=" + width + " height=" + height + " framerate=30/1"
                + " ! identity name=" + GstPlayout.FRAMES + " silent=false ! videoconvert ! " + videoSink();
    }

    /**
     * Raw 48 kHz S16LE PCM of {@code channels} fed on standard input to the speaker at {@code volumePercent}; level
     * measures what the speaker plays, after the volume (posted every 100 ms, read with -m).
     */
    String playoutAudio(int channels, int volumePercent) {
        return "fdsrc fd=0 ! rawaudioparse format=pcm pcm-format=s16le sample-rate=48000 num-channels=" + channels
                + " ! audioconvert ! audioresample ! volume name=speaker volume=" + (volumePercent / 100.0)
                + " ! level name=" + GstPlayout.METER + " interval=100000000 ! " + audioSink();
    }

    /** The elements the raw playout needs, to check they are installed before starting it. */
    List<String> playoutElements() {
        return options.io() == Io.TEST
                ? List.of("fdsrc", "rawvideoparse", "identity", "videoconvert", "fakesink", "rawaudioparse", "audioconvert",
                        "audioresample", "volume", "level")
                : List.of("fdsrc", "rawvideoparse", "identity", "videoconvert", "autovideosink", "rawaudioparse",
                        "audioconvert", "audioresample", "volume", "level", "autoaudiosink");
    }

    private static String audioEncoder(StreamPlan plan) {
        return switch (normalise(plan.encoding())) {
            case "OPUS" -> "audio/x-raw,rate=48000,channels=1 ! opusenc bitrate="
                    + (plan.maxBitrateKbps() > 0 ? Math.min(64, plan.maxBitrateKbps()) * 1000 : 32000)
                    + " frame-size=20";
            case "G722" -> "audio/x-raw,rate=16000,channels=1 ! avenc_g722";
            case "PCMU" -> "audio/x-raw,rate=8000,channels=1 ! mulawenc";
            case "PCMA" -> "audio/x-raw,rate=8000,channels=1 ! alawenc";
            default -> throw unsupported(plan);
        };
    }

    private static String payloader(StreamPlan plan, int ssrc) {
        String common = " pt=" + plan.payloadType() + " ssrc=" + Integer.toUnsignedString(ssrc);
        return switch (normalise(plan.encoding())) {
            // config-interval=-1: SPS/PPS before every IDR, so a keyframe alone lets a decoder start (RFC 6184 §8.4)
            case "H264" -> "rtph264pay config-interval=-1 mtu=1200 aggregate-mode=zero-latency" + common;
            case "OPUS" -> "rtpopuspay" + common;
            case "G722" -> "rtpg722pay" + common;
            case "PCMU" -> "rtppcmupay" + common;
            case "PCMA" -> "rtppcmapay" + common;
            default -> throw unsupported(plan);
        };
    }

    /** The elements a stream needs, to check they are installed before starting it. */
    List<String> elements(StreamPlan plan) {
        String enc = normalise(plan.encoding());
        if (plan.kind() == MediaKind.VIDEO) {
            return List.of(options.io() == Io.TEST ? "videotestsrc" : "v4l2src", "x264enc", "rtph264pay", "rtpbin",
                    "rtph264depay", "avdec_h264", "identity", "udpsrc", "udpsink", "rtpjitterbuffer");
        }
        String src = options.io() == Io.TEST ? "audiotestsrc" : "autoaudiosrc";
        return switch (enc) {
            case "OPUS" -> List.of(src, "opusenc", "rtpopuspay", "rtpopusdepay", "opusdec", "level", "udpsink", "udpsrc");
            case "G722" -> List.of(src, "avenc_g722", "rtpg722pay", "rtpg722depay", "avdec_g722", "level", "udpsink", "udpsrc");
            case "PCMU" -> List.of(src, "mulawenc", "rtppcmupay", "rtppcmudepay", "mulawdec", "level", "udpsink", "udpsrc");
            case "PCMA" -> List.of(src, "alawenc", "rtppcmapay", "rtppcmadepay", "alawdec", "level", "udpsink", "udpsrc");
            default -> throw unsupported(plan);
        };
    }

    private static IllegalArgumentException unsupported(StreamPlan plan) {
        return new IllegalArgumentException("the GStreamer codec cannot handle " + plan.kind() + " " + plan.encoding()
                + "; negotiate one of opus, G722, PCMU, PCMA (audio) or H264 (video)");
    }
}
