package io.roomwire.image.build;

import io.roomwire.agent.config.Settings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.Deflater;
import java.util.zip.CRC32;

/**
 * Writes the package files made at build time into OUT_DIR: {@code changelog.gz} from the template
 * with the version being built (gzip at maximum compression, no timestamp or file name in the
 * header: Policy 12.7), and {@code roomwire.properties}, the conffile, which is the agent's own
 * documented sample ({@code roomwire config sample}) so that the two never drift.
 *
 * It also writes {@code VERSION}, the build's version stamp that the package puts at
 * {@code /usr/lib/roomwire/VERSION}: the updater's slot code reads it for slot a (docs/updates.md).
 *
 * <p>Arguments: {@code CHANGELOG_TEMPLATE OUT_DIR DEBIAN_VERSION PROJECT_VERSION}; {@code @VERSION@} in the template is replaced.
 */
public final class DebianFiles {

    private DebianFiles() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 4) {
            throw new IllegalArgumentException("usage: DebianFiles CHANGELOG_TEMPLATE OUT_DIR DEBIAN_VERSION PROJECT_VERSION");
        }
        String changelog = Files.readString(Path.of(args[0])).replace("@VERSION@", args[2]);
        Path out = Files.createDirectories(Path.of(args[1]));
        writeGzip(out.resolve("changelog.gz"), changelog.getBytes(StandardCharsets.UTF_8));
        Files.writeString(out.resolve("roomwire.properties"), Settings.sample());
        Files.writeString(out.resolve("VERSION"), args[3] + "\n");
    }

    /** RFC 1952 member: no name, mtime 0, XFL 2 (maximum compression, which lintian reads), OS 3 (Unix). */
    static void writeGzip(Path out, byte[] data) throws IOException {
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
        deflater.setInput(data);
        deflater.finish();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        while (!deflater.finished()) {
            body.write(buf, 0, deflater.deflate(buf));
        }
        deflater.end();
        CRC32 crc = new CRC32();
        crc.update(data);
        try (OutputStream os = Files.newOutputStream(out)) {
            os.write(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 2, 3});
            body.writeTo(os);
            os.write(littleEndian((int) crc.getValue()));
            os.write(littleEndian(data.length));
        }
    }

    private static byte[] littleEndian(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }
}
