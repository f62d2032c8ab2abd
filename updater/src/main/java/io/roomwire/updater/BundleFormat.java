package io.roomwire.updater;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.roomwire.updater.UpdateRefused.Reason;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The bundle file: {@code RWUPD1\n}, a 4-byte big-endian header length, the header JSON
 * ({@code {"manifest": signed, "roots": [signed...]}}), then the payload (a zip of the slot's layout).
 * The header comes first so a device can check it before downloading the payload.
 */
public final class BundleFormat {

    static final byte[] MAGIC = "RWUPD1\n".getBytes(StandardCharsets.US_ASCII);
    /** Headers are a few KiB; the bound keeps a hostile length from allocating. */
    public static final int MAX_HEADER = 256 * 1024;

    /** The parsed header and where the payload starts. */
    /** True when {@code file} starts like a bundle (its magic); a trust root or any other file does not. */
    public static boolean isBundle(java.nio.file.Path file) throws IOException {
        try (InputStream in = java.nio.file.Files.newInputStream(file)) {
            return Arrays.equals(in.readNBytes(MAGIC.length), MAGIC);
        }
    }

    public record Header(SignedDocument manifest, List<SignedDocument> roots, long payloadOffset) { }

    private BundleFormat() {
    }

    public static byte[] header(SignedDocument manifest, List<SignedDocument> roots) {
        JsonObject o = new JsonObject();
        o.add("manifest", manifest.toJson());
        JsonArray r = new JsonArray();
        roots.forEach(d -> r.add(d.toJson()));
        o.add("roots", r);
        byte[] json = o.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 4 + json.length);
        b.put(MAGIC).putInt(json.length).put(json);
        return b.array();
    }

    public static void write(OutputStream out, SignedDocument manifest, List<SignedDocument> roots, InputStream payload) throws IOException {
        out.write(header(manifest, roots));
        payload.transferTo(out);
    }

    /** Reads the header from the start of a bundle; the stream is left at the first payload byte. */
    public static Header readHeader(InputStream in) throws UpdateRefused, IOException {
        DataInputStream data = new DataInputStream(in);
        byte[] magic = new byte[MAGIC.length];
        int len;
        try {
            data.readFully(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new UpdateRefused(Reason.BAD_FORMAT, "not a Roomwire update bundle (no RWUPD1 marker): build it with `roomwire ctl update bundle`");
            }
            len = data.readInt();
            if (len <= 0 || len > MAX_HEADER) {
                throw new UpdateRefused(Reason.BAD_FORMAT, "bundle header length " + len + " is outside 1.." + MAX_HEADER);
            }
        } catch (EOFException e) {
            throw new UpdateRefused(Reason.BAD_FORMAT, "bundle is shorter than its header", e);
        }
        byte[] json = new byte[len];
        try {
            data.readFully(json);
        } catch (EOFException e) {
            throw new UpdateRefused(Reason.BAD_FORMAT, "bundle ends inside its " + len + "-byte header", e);
        }
        try {
            JsonObject o = JsonParser.parseString(new String(json, StandardCharsets.UTF_8)).getAsJsonObject();
            List<SignedDocument> roots = new ArrayList<>();
            if (o.has("roots")) {
                for (var e : o.getAsJsonArray("roots")) {
                    roots.add(SignedDocument.parse(e.getAsJsonObject()));
                }
            }
            return new Header(SignedDocument.parse(o.getAsJsonObject("manifest")), roots, MAGIC.length + 4L + len);
        } catch (RuntimeException e) {
            throw new UpdateRefused(Reason.BAD_FORMAT, "bundle header is not the expected JSON: " + e.getMessage(), e);
        }
    }
}
