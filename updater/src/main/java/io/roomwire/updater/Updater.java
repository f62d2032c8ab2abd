package io.roomwire.updater;

import io.roomwire.updater.UpdateRefused.Reason;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.tinylog.Logger;

/**
 * Installs a bundle into the inactive slot and starts its trial: header checks first (nothing changes on a
 * refusal; the roots the bundle carries are checked there too, in memory), then one streaming pass that hashes and
 * unpacks into a staging folder; only then the trust-root rotation, the slot rename and the pointer switch. The caller restarts the agent; the launcher takes it from there.
 */
public final class Updater {

    /** Where an apply is; phases are download, verify, unpack, switch. */
    @FunctionalInterface
    public interface Progress {
        void step(String phase, long done, long total);

        Progress NONE = (phase, done, total) -> { };
    }

    /** Trial boot and size limits. */
    public record Settings(int trialStarts, Duration trialTimeout, long maxBundleBytes, long maxInstalledBytes) {
        public static Settings defaults() {
            return new Settings(3, Duration.ofMinutes(3), 512L << 20, 1024L << 20);
        }
    }

    /** What was installed and into which slot; the agent restarts into it. */
    public record Installed(Manifest manifest, String slot) { }

    private final SlotStore slots;
    private final TrustStore trust;
    private final DeviceIdentity device;
    private final Clock clock;
    private final Downloader downloader;
    private final Settings settings;
    private final LongSupplier freeBytes;

    public Updater(SlotStore slots, TrustStore trust, DeviceIdentity device, Clock clock, Downloader downloader, Settings settings,
                   LongSupplier freeBytes) {
        this.slots = slots;
        this.trust = trust;
        this.device = device;
        this.clock = clock;
        this.downloader = downloader;
        this.settings = settings;
        this.freeBytes = freeBytes;
    }

    /**
     * Free space on the install prefix's file system: statvfs(2) of the folder itself. Not through
     * {@code Files.getFileStore}, which looks the mount up in /proc/mounts and fails where that table does not
     * name the path (a chroot, as InstalledPackageIT found: every update was refused no_space with 0 MiB free).
     */
    public static LongSupplier freeSpaceOf(Path home) {
        return () -> home.toFile().getUsableSpace();
    }

    /** The version the device runs now: the current slot's stamp, or the package's before the first update. */
    public DeviceIdentity identity() {
        return new DeviceIdentity(device.model(), device.arch(), slots.version(slots.currentSlot()).orElse(device.version()));
    }

    /** Installs a bundle file and starts its trial. */
    public Installed apply(Path bundle, Progress progress) throws UpdateRefused, IOException {
        return apply(bundle, progress, 2);
    }

    private Installed apply(Path bundle, Progress progress, int spaceFactor) throws UpdateRefused, IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(bundle), 64 * 1024)) {
            BundleFormat.Header header = BundleFormat.readHeader(in);
            BundleVerifier.RootChain chain = trust.chain(header.roots());
            Manifest m = BundleVerifier.checkHeader(header, chain.root(), identity(), clock.instant(), freeBytes.getAsLong(), spaceFactor);
            progress.step("verify", 0, m.payloadSize());
            Path staging = slots.freshStaging();
            try {
                BundleVerifier.PayloadCheck check = new BundleVerifier.PayloadCheck(in, m);
                unpack(check, staging, m, progress);
                check.finish();
            } catch (UpdateRefused | IOException | RuntimeException e) {
                SlotStore.deleteTree(staging);
                if (e instanceof BundleVerifier.PayloadTooLong) {
                    throw new UpdateRefused(Reason.SIZE_MISMATCH, "payload is longer than the " + m.payloadSize() + " bytes its manifest says");
                }
                throw e;
            }
            // The whole bundle verified, its roots included: only now does anything on the device change.
            try {
                trust.advance(chain);
            } catch (UpdateRefused | IOException e) {
                SlotStore.deleteTree(staging);
                throw e;
            }
            String slot = slots.install(staging, m.version());
            progress.step("switch", m.payloadSize(), m.payloadSize());
            slots.switchOnTrial(slot, settings.trialStarts(), settings.trialTimeout());
            Logger.info("update {} installed in slot {}, on trial ({} starts, {} s to commit)", m.version(), slot,
                    settings.trialStarts(), settings.trialTimeout().toSeconds());
            return new Installed(m, slot);
        }
    }

    /**
     * Downloads a bundle (resuming a partial one), checks its header before fetching the payload, checks the
     * whole file's SHA-256 when one is given (the {@code update.apply} command's), then installs it.
     */
    public Installed apply(URI url, Optional<String> sha256, Progress progress) throws UpdateRefused, IOException, InterruptedException {
        return apply(url, java.util.Map.of(), sha256, progress);
    }

    /** As {@link #apply(URI, Optional, Progress)}, sending {@code headers} (e.g. hawkBit's target token) with each request. */
    public Installed apply(URI url, java.util.Map<String, String> headers, Optional<String> sha256, Progress progress)
            throws UpdateRefused, IOException, InterruptedException {
        Path dir = Files.createDirectories(slots.home().resolve("download"));
        String name = sha256.map(s -> s.toLowerCase(java.util.Locale.ROOT)).orElse(HexFormat.of().formatHex(
                sha256Of(url.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        Path part = dir.resolve(name + ".part");
        long probe = BundleFormat.MAGIC.length + 4L + BundleFormat.MAX_HEADER;
        downloader.fetch(url, headers, part, Optional.of(probe), settings.maxBundleBytes(), done -> progress.step("download", done, -1));
        BundleFormat.Header header;
        try (InputStream in = Files.newInputStream(part)) {
            header = BundleFormat.readHeader(in);
        } catch (UpdateRefused e) {
            Files.deleteIfExists(part);
            throw e;
        }
        // Checked before the payload is fetched (roots included): a refused bundle costs one header's worth of traffic.
        Manifest m = BundleVerifier.checkHeader(header, trust.chain(header.roots()).root(), identity(), clock.instant(),
                freeBytes.getAsLong(), 3);
        long total = header.payloadOffset() + m.payloadSize();
        if (total > settings.maxBundleBytes()) {
            throw new UpdateRefused(Reason.NO_SPACE, "bundle of " + total + " bytes is over update.max-bundle-size " + settings.maxBundleBytes());
        }
        downloader.fetch(url, headers, part, Optional.empty(), total, done -> progress.step("download", done, total));
        progress.step("download", total, total);
        if (sha256.isPresent()) {
            progress.step("verify", 0, total);
            String actual = HexFormat.of().formatHex(fileSha256(part));
            if (!actual.equalsIgnoreCase(sha256.get())) {
                Files.deleteIfExists(part);
                throw new UpdateRefused(Reason.HASH_MISMATCH, "downloaded bundle's SHA-256 is " + actual + ", the command said "
                        + sha256.get() + ": the file on the server is not the one meant");
            }
        }
        try {
            return apply(part, progress, 2);
        } finally {
            Files.deleteIfExists(part);
        }
    }

    private void unpack(InputStream payload, Path staging, Manifest m, Progress progress) throws IOException, UpdateRefused {
        long written = 0;
        byte[] buf = new byte[64 * 1024];
        ZipInputStream zip = new ZipInputStream(payload);
        ZipEntry e;
        while ((e = zip.getNextEntry()) != null) {
            Path target = staging.resolve(e.getName()).normalize();
            if (!target.startsWith(staging) || e.getName().startsWith("/")) {
                throw new UpdateRefused(Reason.BAD_FORMAT, "payload entry " + e.getName() + " points outside the slot");
            }
            if (e.isDirectory()) {
                Files.createDirectories(target);
                continue;
            }
            Files.createDirectories(target.getParent());
            try (OutputStream out = Files.newOutputStream(target)) {
                int n;
                while ((n = zip.read(buf)) > 0) {
                    written += n;
                    if (written > settings.maxInstalledBytes()) {
                        throw new UpdateRefused(Reason.NO_SPACE, "payload unpacks to more than update.max-installed-size "
                                + settings.maxInstalledBytes() + " bytes");
                    }
                    out.write(buf, 0, n);
                }
            }
            // Zip keeps no Unix modes: programs are the files under bin/, shell scripts and the helpers the JDK
            // executes (runtime/lib/jspawnhelper starts every child process, runtime/lib/jexec).
            String name = e.getName();
            if (name.contains("bin/") || name.endsWith(".sh") || name.endsWith("lib/jspawnhelper") || name.endsWith("lib/jexec")) {
                Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            progress.step("unpack", written, m.payloadSize());
        }
    }

    private static byte[] fileSha256(Path file) throws IOException {
        MessageDigest md = sha();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return md.digest();
    }

    private static byte[] sha256Of(byte[] data) {
        return sha().digest(data);
    }

    private static MessageDigest sha() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
