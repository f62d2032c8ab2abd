package io.roomwire.hal.linux;

import io.roomwire.hal.Codec.Playout;
import io.roomwire.hal.MediaKind;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a receive pipeline decoded, read from gst-launch's output: with {@code -v} the identity element
 * named {@value #FRAMES} after the video decoder prints one {@code last-message = chain} line per decoded
 * picture and its source pad's negotiated caps (the picture size); with {@code -m} the level element
 * named {@value #METER} after the audio decoder posts its RMS in dB of full scale every 100 ms.
 */
final class GstPlayout {

    static final String FRAMES = "decoded";
    static final String METER = "meter";
    private static final String FRAME_LINE = "GstIdentity:" + FRAMES + ": last-message = chain";
    private static final String CAPS_LINE = "GstIdentity:" + FRAMES + ".GstPad:src: caps = video/x-raw";
    private static final String LEVEL_LINE = "from element \"" + METER + "\" (element): level";
    private static final Pattern WIDTH = Pattern.compile("width=\\(int\\)(\\d+)");
    private static final Pattern HEIGHT = Pattern.compile("height=\\(int\\)(\\d+)");
    private static final Pattern RMS = Pattern.compile("rms=\\(GValueArray\\)< ([^>]*) >");

    private final MediaKind kind;
    private long frames;
    private int width;
    private int height;
    private double level = Double.NaN;

    GstPlayout(MediaKind kind) {
        this.kind = kind;
    }

    /** The gst-launch flags that make the pipeline print what {@link #line} reads. */
    java.util.List<String> flags() {
        return java.util.List.of(kind == MediaKind.VIDEO ? "-v" : "-m");
    }

    /** Reads one line of gst-launch output; true when it was a measurement (not worth logging). */
    boolean line(String line) {
        if (line.contains(FRAME_LINE)) {
            synchronized (this) {
                frames++;
            }
            return true;
        }
        if (line.contains(CAPS_LINE)) {
            Matcher w = WIDTH.matcher(line);
            Matcher h = HEIGHT.matcher(line);
            if (w.find() && h.find()) {
                synchronized (this) {
                    width = Integer.parseInt(w.group(1));
                    height = Integer.parseInt(h.group(1));
                }
            }
            return true;
        }
        if (line.contains(LEVEL_LINE)) {
            Matcher m = RMS.matcher(line);
            if (m.find()) {
                double loudest = -127;
                for (String channel : m.group(1).split(",")) {
                    try {
                        loudest = Math.max(loudest, Double.parseDouble(channel.strip()));
                    } catch (NumberFormatException e) {
                        // "-inf" for digital silence: stays at the floor
                    }
                }
                synchronized (this) {
                    level = loudest;
                }
            }
            return true;
        }
        return line.contains("last-message = "); // identity's other events (caps, segment, tags)
    }

    synchronized Playout playout() {
        return new Playout(frames, width, height, Double.isNaN(level) ? OptionalDouble.empty() : OptionalDouble.of(level));
    }
}
