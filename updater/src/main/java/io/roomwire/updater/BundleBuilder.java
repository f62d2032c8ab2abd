package io.roomwire.updater;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Builds a signed bundle from a slot layout folder (the operator's side: {@code roomwire update make-bundle}). */
public final class BundleBuilder {

    /** What the manifest says besides the payload's size and hash. */
    public record Target(String version, String model, String arch, String minimumVersion, boolean allowDowngrade,
                         Instant created, Instant expires) { }

    private BundleBuilder() {
    }

    /**
     * CDS archives a layout may hold that no slot can use, left out of every payload: the package's
     * ({@code lib/roomwire.jsa}, made for {@code /usr/lib/roomwire}; the launcher maps it only there, ~7 MB
     * compressed) and a slot's own ({@code lib/slot.jsa} and its marker, tied to the slot it was written in, if
     * a layout was copied from a device). A slot an update installs writes its own in its first run.
     */
    public static final List<String> LEFT_OUT = List.of("lib/roomwire.jsa", "lib/slot.jsa", "lib/slot.jsa.tried");

    /** Zips {@code layout}, less {@link #LEFT_OUT}, into {@code payload} and returns its SHA-256 (hex). */
    public static String zipLayout(Path layout, Path payload) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (OutputStream file = Files.newOutputStream(payload);
             ZipOutputStream zip = new ZipOutputStream(new DigestOutputStream(file, md));
             Stream<Path> walk = Files.walk(layout)) {
            // Jars are compressed already; storing keeps unpacking cheap on the device.
            zip.setLevel(1);
            for (Path p : walk.sorted().toList()) {
                String name = layout.relativize(p).toString().replace('\\', '/');
                if (Files.isRegularFile(p) && !LEFT_OUT.contains(name)) {
                    zip.putNextEntry(new ZipEntry(name));
                    Files.copy(p, zip);
                    zip.closeEntry();
                }
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Writes the bundle: header (manifest signed by {@code keys}, then any trust roots to rotate to) and payload. */
    public static Manifest write(Path payload, String payloadSha256, Target t, List<PrivateKey> keys, List<String> keyIds,
                                 List<SignedDocument> roots, Path bundle) throws IOException {
        Manifest m = new Manifest(t.version(), t.model(), t.arch(), t.minimumVersion(), t.allowDowngrade(), Files.size(payload),
                payloadSha256, t.created(), t.expires(), keyIds);
        SignedDocument signed = SignedDocument.sign(m.toBody(), keys, keyIds);
        try (OutputStream out = Files.newOutputStream(bundle); InputStream in = Files.newInputStream(payload)) {
            BundleFormat.write(out, signed, roots, in);
        }
        return m;
    }
}
