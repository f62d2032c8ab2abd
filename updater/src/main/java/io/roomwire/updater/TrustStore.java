package io.roomwire.updater;

import io.roomwire.core.store.AtomicFiles;
import io.roomwire.updater.UpdateRefused.Reason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.tinylog.Logger;

/** The device's current trust root on disk ({@code root.json}, a {@link SignedDocument}); it only moves forward. */
public final class TrustStore {

    private final Path file;
    private SignedDocument document;
    private TrustRoot root;

    public TrustStore(Path file) throws IOException, UpdateRefused {
        this.file = file;
        if (!Files.exists(file)) {
            throw new IOException("no trust root at " + file + ": install the root.json shipped with the image there");
        }
        this.document = SignedDocument.parse(Files.readAllBytes(file));
        // The first root is trusted because it was installed with the image (TUF 5.2); it must still be self-consistent.
        this.root = TrustRoot.parse(document.body());
        root.checkRootSignatures(document, "trust root v" + root.version());
    }

    public synchronized TrustRoot root() {
        return root;
    }

    /** The roots a bundle carries set against this device's, in memory: nothing is written (see {@link #advance}). */
    public synchronized BundleVerifier.RootChain chain(List<SignedDocument> roots) throws UpdateRefused {
        return BundleVerifier.rootChain(document, roots);
    }

    /** Stores the newer roots of a chain that verified with its whole bundle, one version at a time. */
    public synchronized void advance(BundleVerifier.RootChain chain) throws UpdateRefused, IOException {
        for (SignedDocument next : chain.newer()) {
            rotate(next);
        }
    }

    /**
     * Moves to the next root (TUF 5.3.4): exactly version N+1, signed by a threshold of N's root keys and of its
     * own. A root already applied is a no-op; an older one is refused.
     */
    public synchronized void rotate(SignedDocument next) throws UpdateRefused, IOException {
        TrustRoot candidate = TrustRoot.parse(next.body());
        if (candidate.version() <= root.version()) {
            if (candidate.version() == root.version() && Arrays.equals(next.body(), document.body())) {
                return;
            }
            throw new UpdateRefused(Reason.ROOT_ROLLBACK, "trust root v" + candidate.version()
                    + " is not newer than the device's v" + root.version() + ": roots never go back");
        }
        if (candidate.version() != root.version() + 1) {
            throw new UpdateRefused(Reason.BAD_FORMAT, "trust root v" + candidate.version() + " skips versions after v"
                    + root.version() + ": send every root in between, in order");
        }
        root.checkRootSignatures(next, "trust root v" + candidate.version() + " (by the keys of v" + root.version() + ")");
        candidate.checkRootSignatures(next, "trust root v" + candidate.version() + " (by its own keys)");
        AtomicFiles.write(file, new String(next.toBytes(), StandardCharsets.UTF_8));
        Logger.info("update trust root rotated from v{} to v{} ({} revoked key(s))", root.version(), candidate.version(), candidate.revoked().size());
        document = next;
        root = candidate;
    }
}
