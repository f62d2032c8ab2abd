package io.roomwire.hal.sim;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A pre-encoded H.264 Annex B clip split into access units (one picture each, with the SPS and
 * PPS in front of every IDR), and their RTP payloads per RFC 6184 in packetization mode 1.
 */
final class H264Clip {

    static final int NAL_IDR = 5;
    static final int NAL_SPS = 7;
    static final int NAL_PPS = 8;
    private static final int NAL_AUD = 9;
    private static final int FU_A = 28;

    private final List<List<byte[]>> accessUnits;

    private H264Clip(List<List<byte[]>> accessUnits) {
        if (accessUnits.isEmpty() || !startsWithKeyframe(accessUnits.get(0))) {
            throw new IllegalArgumentException("an H.264 clip must start with SPS, PPS and an IDR picture");
        }
        this.accessUnits = accessUnits;
    }

    /** Loads a clip from the classpath (next to this class). */
    static H264Clip resource(String name) {
        try (InputStream in = H264Clip.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("media clip " + name + " is missing from the classpath: rebuild device-hal-sim");
            }
            return parse(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read media clip " + name, e);
        }
    }

    /** Splits an Annex B byte stream (ITU-T H.264 Annex B start codes) into access units. */
    static H264Clip parse(byte[] annexB) {
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
        List<List<byte[]>> units = new ArrayList<>();
        List<byte[]> current = new ArrayList<>();
        boolean hasPicture = false;
        for (byte[] nal : nals) {
            int type = nal[0] & 0x1f;
            boolean vcl = type >= 1 && type <= 5;
            // A new picture starts at parameter sets/AUD, or at a slice with first_mb_in_slice = 0 (ue(v) "1").
            boolean startsUnit = type == NAL_SPS || type == NAL_PPS || type == NAL_AUD
                    || (vcl && nal.length > 1 && (nal[1] & 0x80) != 0);
            if (hasPicture && startsUnit) {
                units.add(current);
                current = new ArrayList<>();
                hasPicture = false;
            }
            current.add(nal);
            hasPicture |= vcl;
        }
        if (hasPicture) {
            units.add(current);
        }
        return new H264Clip(List.copyOf(units));
    }

    /** Drops the zero byte of a four-byte start code that belongs to the next NAL unit. */
    private static byte[] trimmed(byte[] b, int from, int to) {
        int end = to;
        while (end > from && b[end - 1] == 0) {
            end--;
        }
        return Arrays.copyOfRange(b, from, end);
    }

    private static boolean startsWithKeyframe(List<byte[]> unit) {
        return unit.stream().anyMatch(n -> (n[0] & 0x1f) == NAL_IDR)
                && unit.stream().anyMatch(n -> (n[0] & 0x1f) == NAL_SPS)
                && unit.stream().anyMatch(n -> (n[0] & 0x1f) == NAL_PPS);
    }

    int size() {
        return accessUnits.size();
    }

    boolean isKeyframe(int index) {
        return startsWithKeyframe(accessUnits.get(index));
    }

    /** The next access unit at or after {@code index} (wrapping) that starts with SPS, PPS and an IDR. */
    int nextKeyframe(int index) {
        for (int i = 0; i < accessUnits.size(); i++) {
            int k = (index + i) % accessUnits.size();
            if (isKeyframe(k)) {
                return k;
            }
        }
        return 0;
    }

    /**
     * The RTP payloads of one access unit: a NAL unit that fits is sent alone (RFC 6184 §5.6), a
     * larger one in FU-A fragments (§5.8). The caller sets the marker bit on the last (§5.1).
     */
    List<byte[]> payloads(int index, int maxPayload) {
        List<byte[]> out = new ArrayList<>();
        for (byte[] nal : accessUnits.get(index)) {
            if (nal.length <= maxPayload) {
                out.add(nal);
                continue;
            }
            byte indicator = (byte) ((nal[0] & 0xe0) | FU_A); // F and NRI of the NAL unit, type 28
            int type = nal[0] & 0x1f;
            int chunk = maxPayload - 2;
            for (int off = 1; off < nal.length; off += chunk) {
                int len = Math.min(chunk, nal.length - off);
                byte[] fu = new byte[2 + len];
                fu[0] = indicator;
                fu[1] = (byte) ((off == 1 ? 0x80 : 0) | (off + len == nal.length ? 0x40 : 0) | type); // S, E, type
                System.arraycopy(nal, off, fu, 2, len);
                out.add(fu);
            }
        }
        return out;
    }
}
