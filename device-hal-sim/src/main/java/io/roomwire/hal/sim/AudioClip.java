package io.roomwire.hal.sim;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A pre-encoded audio clip as a list of 20 ms RTP payloads, sent in a loop. */
final class AudioClip {

    private final List<byte[]> frames;

    private AudioClip(List<byte[]> frames) {
        if (frames.isEmpty()) {
            throw new IllegalArgumentException("an audio clip needs at least one frame");
        }
        this.frames = List.copyOf(frames);
    }

    int size() {
        return frames.size();
    }

    byte[] frame(int index) {
        return frames.get(index % frames.size());
    }

    /** G.722 at 64 kbit/s is one byte per two 16 kHz samples: 160 bytes per 20 ms (RFC 3551 §4.5.2). */
    static AudioClip g722(String resource) {
        byte[] all = read(resource);
        List<byte[]> out = new ArrayList<>();
        for (int off = 0; off + 160 <= all.length; off += 160) {
            out.add(Arrays.copyOfRange(all, off, off + 160));
        }
        return new AudioClip(out);
    }

    /**
     * The Opus packets of an Ogg Opus file (RFC 7845), each one RTP payload (RFC 7587 §4.2): Ogg
     * pages (RFC 3533 §6) are joined into packets by their lacing values, and the first two packets
     * (OpusHead, OpusTags) are headers, not audio.
     */
    static AudioClip oggOpus(String resource) {
        byte[] d = read(resource);
        List<byte[]> packets = new ArrayList<>();
        java.io.ByteArrayOutputStream current = new java.io.ByteArrayOutputStream();
        int at = 0;
        while (at + 27 <= d.length) {
            if (d[at] != 'O' || d[at + 1] != 'g' || d[at + 2] != 'g' || d[at + 3] != 'S') {
                throw new IllegalArgumentException("media clip " + resource + " is not Ogg at byte " + at);
            }
            int segments = d[at + 26] & 0xff;
            int body = at + 27 + segments;
            for (int i = 0; i < segments; i++) {
                int lacing = d[at + 27 + i] & 0xff;
                current.write(d, body, lacing);
                body += lacing;
                if (lacing < 255) {
                    packets.add(current.toByteArray());
                    current.reset();
                }
            }
            at = body;
        }
        if (packets.size() < 3 || !new String(packets.get(0), 0, 8, java.nio.charset.StandardCharsets.US_ASCII).equals("OpusHead")) {
            throw new IllegalArgumentException("media clip " + resource + " is not an Ogg Opus stream");
        }
        return new AudioClip(packets.subList(2, packets.size()));
    }

    private static byte[] read(String resource) {
        try (InputStream in = AudioClip.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("media clip " + resource + " is missing from the classpath: rebuild device-hal-sim");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read media clip " + resource, e);
        }
    }
}
