package io.roomwire.sim.cloud.gateway.media;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The gateway's video: an H.264 Annex B clip as the RTP payloads of each picture (RFC 6184 packetization
 * mode 1: a NAL unit that fits alone, a larger one in FU-A fragments). The last payload of a picture
 * carries the marker bit (§5.1).
 */
final class VideoClip {

    static final int MAX_PAYLOAD = 1200;
    private static volatile VideoClip clip;
    private final List<List<byte[]>> pictures;

    private VideoClip(List<List<byte[]>> pictures) {
        this.pictures = pictures;
    }

    static VideoClip get() {
        VideoClip c = clip;
        if (c == null) {
            try (InputStream in = VideoClip.class.getResourceAsStream("colourbars-320x180-15fps.h264")) {
                if (in == null) {
                    throw new IllegalStateException("the gateway's video clip is missing from the classpath");
                }
                c = parse(in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            clip = c;
        }
        return c;
    }

    int size() {
        return pictures.size();
    }

    List<byte[]> payloads(int picture) {
        return pictures.get(picture % pictures.size());
    }

    static VideoClip parse(byte[] annexB) {
        List<byte[]> nals = new ArrayList<>();
        int start = -1;
        for (int i = 0; i + 2 < annexB.length; i++) {
            if (annexB[i] == 0 && annexB[i + 1] == 0 && annexB[i + 2] == 1) {
                if (start >= 0) {
                    nals.add(trimmed(annexB, start, i));
                }
                start = i + 3;
                i += 2;
            }
        }
        if (start >= 0 && start < annexB.length) {
            nals.add(trimmed(annexB, start, annexB.length));
        }
        List<List<byte[]>> pictures = new ArrayList<>();
        List<byte[]> current = new ArrayList<>();
        boolean hasSlice = false;
        for (byte[] nal : nals) {
            int type = nal[0] & 0x1f;
            boolean slice = type >= 1 && type <= 5;
            // a picture starts at SPS/PPS/AUD or at a slice whose first_mb_in_slice is 0 (ue(v) "1")
            boolean starts = type == 7 || type == 8 || type == 9 || (slice && nal.length > 1 && (nal[1] & 0x80) != 0);
            if (hasSlice && starts) {
                pictures.add(current);
                current = new ArrayList<>();
                hasSlice = false;
            }
            packetize(nal, current);
            hasSlice |= slice;
        }
        if (hasSlice) {
            pictures.add(current);
        }
        if (pictures.isEmpty()) {
            throw new IllegalArgumentException("no H.264 pictures in the clip");
        }
        return new VideoClip(List.copyOf(pictures));
    }

    private static void packetize(byte[] nal, List<byte[]> out) {
        if (nal.length <= MAX_PAYLOAD) {
            out.add(nal);
            return;
        }
        int type = nal[0] & 0x1f;
        int chunk = MAX_PAYLOAD - 2;
        for (int off = 1; off < nal.length; off += chunk) {
            int len = Math.min(chunk, nal.length - off);
            byte[] fu = new byte[2 + len];
            fu[0] = (byte) ((nal[0] & 0xe0) | 28); // FU indicator: F and NRI of the NAL unit, type 28
            fu[1] = (byte) ((off == 1 ? 0x80 : 0) | (off + len == nal.length ? 0x40 : 0) | type);
            System.arraycopy(nal, off, fu, 2, len);
            out.add(fu);
        }
    }

    private static byte[] trimmed(byte[] b, int from, int to) {
        int end = to;
        while (end > from && b[end - 1] == 0) {
            end--;
        }
        return Arrays.copyOfRange(b, from, end);
    }
}
