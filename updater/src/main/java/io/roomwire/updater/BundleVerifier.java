package io.roomwire.updater;

import io.roomwire.updater.UpdateRefused.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/** Decides whether a bundle may be installed; every check runs before anything on the device changes. */
public final class BundleVerifier {

    private BundleVerifier() {
    }

    /**
     * Checks {@code root} (the newest after the roots the bundle carries, TUF 5.3) has not expired, then the signed
     * manifest against it, its expiry, model, architecture, version and free space. {@code freeBytes} is what the
     * staging file system has; {@code spaceFactor} how much this source needs per payload byte (a download keeps the
     * bundle and the unpacked slot).
     */
    public static Manifest checkHeader(BundleFormat.Header header, TrustRoot root, DeviceIdentity device, Instant now,
                                       long freeBytes, int spaceFactor) throws UpdateRefused {
        // TUF 5.3.10 (freeze attack): only the newest root must be current; the ones a chain passes through may have
        // expired, so a device whose root lapsed still moves on with a newer root that root signed.
        if (!now.isBefore(root.expires())) {
            throw new UpdateRefused(Reason.ROOT_EXPIRED, "trust root v" + root.version() + " expired at " + root.expires() + " (now "
                    + now + "): nothing it signs is trusted; send a bundle that carries a newer root, signed by v"
                    + root.version() + "'s root keys, that has not expired");
        }
        root.checkUpdateSignatures(header.manifest(), "the update manifest");
        Manifest m = Manifest.parse(header.manifest().body());
        if (!now.isBefore(m.expires())) {
            throw new UpdateRefused(Reason.EXPIRED, "update " + m.version() + " expired at " + m.expires() + " (now " + now
                    + "): ask for a freshly signed bundle");
        }
        if (!m.model().equals(device.model())) {
            throw new UpdateRefused(Reason.WRONG_MODEL, "update " + m.version() + " is for model " + m.model()
                    + ", this device is " + device.model());
        }
        if (!m.arch().equals(device.arch())) {
            throw new UpdateRefused(Reason.WRONG_ARCH, "update " + m.version() + " is for " + m.arch() + ", this device is " + device.arch());
        }
        if (Manifest.compareVersions(device.version(), m.minimumVersion()) < 0) {
            throw new UpdateRefused(Reason.BELOW_MINIMUM, "update " + m.version() + " needs at least version " + m.minimumVersion()
                    + " installed, this device runs " + device.version() + ": apply an intermediate update first");
        }
        if (Manifest.compareVersions(m.version(), device.version()) < 0 && !m.allowDowngrade()) {
            throw new UpdateRefused(Reason.LOWER_VERSION, "update " + m.version() + " is older than the running " + device.version()
                    + " and its manifest does not allow a downgrade: sign one with allowDowngrade to go back");
        }
        long need = Math.multiplyExact(m.payloadSize(), spaceFactor);
        if (freeBytes < need) {
            throw new UpdateRefused(Reason.NO_SPACE, "update " + m.version() + " needs " + need / (1024 * 1024) + " MiB free, "
                    + freeBytes / (1024 * 1024) + " MiB are: free space under the install prefix");
        }
        return m;
    }

    /** A bundle's trust roots set against the device's: the root its manifest is checked with, and the roots to store. */
    public record RootChain(TrustRoot root, List<SignedDocument> newer) {
        public RootChain {
            newer = List.copyOf(newer);
        }
    }

    /**
     * Sets the roots a bundle carries against the device's root document {@code current}, in memory (TUF 5.3). A
     * bundle carries consecutive versions, oldest first, so that devices on any of them can catch up. The ones up to the
     * device's version must be the device's own history: the same body at its version, and each older one signed into
     * the next by a threshold of its root keys, the last into the device's own root; such roots are skipped. Any other
     * older root is refused {@code root_rollback}. Each newer root needs a threshold of the previous root's keys and of
     * its own (5.3.4). Expiry is not checked here: a root on the way may have expired, only the newest must not
     * ({@link #checkHeader}, 5.3.10). Nothing is written here: {@link TrustStore#advance(RootChain)} stores {@code newer}.
     */
    public static RootChain rootChain(SignedDocument current, List<SignedDocument> roots) throws UpdateRefused {
        TrustRoot device = TrustRoot.parse(current.body());
        List<TrustRoot> parsed = new ArrayList<>();
        for (SignedDocument doc : roots) {
            parsed.add(TrustRoot.parse(doc.body()));
        }
        for (int i = 1; i < parsed.size(); i++) {
            if (parsed.get(i).version() != parsed.get(i - 1).version() + 1) {
                throw new UpdateRefused(Reason.BAD_FORMAT, "bundle's trust roots go from v" + parsed.get(i - 1).version() + " to v"
                        + parsed.get(i).version() + ": a bundle carries consecutive roots, oldest first");
            }
        }
        int i = 0;
        for (; i < roots.size() && parsed.get(i).version() <= device.version(); i++) {
            TrustRoot old = parsed.get(i);
            if (old.version() == device.version()) {
                if (!Arrays.equals(roots.get(i).body(), current.body())) {
                    throw new UpdateRefused(Reason.ROOT_ROLLBACK, "the bundle's trust root v" + old.version()
                            + " is not the device's v" + device.version() + ": roots never change without a new version");
                }
                continue;
            }
            // Older than the device's: only accepted as the root the device's own chain came from.
            SignedDocument next = i + 1 < roots.size() ? roots.get(i + 1) : current;
            int nextVersion = i + 1 < roots.size() ? parsed.get(i + 1).version() : device.version();
            String notOurs = "the bundle's trust root v" + old.version() + " is older than the device's v" + device.version()
                    + " and is not the root it came from";
            if (nextVersion != old.version() + 1) {
                throw new UpdateRefused(Reason.ROOT_ROLLBACK, notOurs + ": the bundle's roots stop at v" + old.version()
                        + "; carry every root up to the newest, oldest first");
            }
            try {
                old.checkRootSignatures(next, "trust root v" + nextVersion + " (by the keys of v" + old.version() + ")");
            } catch (UpdateRefused e) {
                throw new UpdateRefused(Reason.ROOT_ROLLBACK, notOurs + ": " + e.getMessage(), e);
            }
        }
        TrustRoot root = device;
        List<SignedDocument> newer = new ArrayList<>();
        for (; i < roots.size(); i++) {
            TrustRoot candidate = parsed.get(i);
            if (candidate.version() != root.version() + 1) {
                throw new UpdateRefused(Reason.BAD_FORMAT, "bundle's trust roots skip from v" + root.version() + " to v" + candidate.version());
            }
            root.checkRootSignatures(roots.get(i), "trust root v" + candidate.version() + " (by the keys of v" + root.version() + ")");
            candidate.checkRootSignatures(roots.get(i), "trust root v" + candidate.version() + " (by its own keys)");
            root = candidate;
            newer.add(roots.get(i));
        }
        return new RootChain(root, newer);
    }

    /** A stream wrapper that hashes and counts, and refuses to read past the manifest's size. */
    public static final class PayloadCheck extends InputStream {
        private final InputStream in;
        private final Manifest manifest;
        private final MessageDigest digest;
        private long count;

        public PayloadCheck(InputStream in, Manifest manifest) {
            this.in = in;
            this.manifest = manifest;
            try {
                this.digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            long left = manifest.payloadSize() + 1 - count;
            if (left <= 0) {
                throw new PayloadTooLong(manifest.payloadSize());
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                count += n;
                if (count > manifest.payloadSize()) {
                    throw new PayloadTooLong(manifest.payloadSize());
                }
                digest.update(b, off, n);
            }
            return n;
        }

        /** Reads what is left and checks size and SHA-256 against the manifest. */
        public void finish() throws UpdateRefused, IOException {
            try {
                transferTo(OutputStreamSink.INSTANCE);
            } catch (PayloadTooLong e) {
                throw new UpdateRefused(Reason.SIZE_MISMATCH, "payload is longer than the " + manifest.payloadSize() + " bytes its manifest says");
            }
            if (count != manifest.payloadSize()) {
                throw new UpdateRefused(Reason.SIZE_MISMATCH, "payload has " + count + " bytes, its manifest says " + manifest.payloadSize()
                        + ": the bundle is truncated or altered");
            }
            String sha = HexFormat.of().formatHex(digest.digest());
            if (!sha.equals(manifest.payloadSha256())) {
                throw new UpdateRefused(Reason.HASH_MISMATCH, "payload SHA-256 is " + sha + ", its manifest says " + manifest.payloadSha256()
                        + ": the bundle is corrupt or altered");
            }
        }
    }

    /** Thrown inside a payload read so that the reader (the unzipper) stops at once. */
    static final class PayloadTooLong extends IOException {
        PayloadTooLong(long size) {
            super("payload longer than its manifest's " + size + " bytes");
        }
    }

    private static final class OutputStreamSink extends java.io.OutputStream {
        static final OutputStreamSink INSTANCE = new OutputStreamSink();

        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] b, int off, int len) {
        }
    }
}
