package io.roomwire.agent.update;

import io.roomwire.agent.cli.Args;
import io.roomwire.agent.cli.Cli;
import io.roomwire.agent.cli.UsageException;
import io.roomwire.updater.BundleBuilder;
import io.roomwire.updater.BundleFormat;
import io.roomwire.updater.BundleVerifier;
import io.roomwire.updater.Ed25519Keys;
import io.roomwire.updater.Manifest;
import io.roomwire.updater.SignedDocument;
import io.roomwire.updater.TrustRoot;
import io.roomwire.updater.UpdateRefused;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * The operator's side of updates, off the device (docs/updates.md, "Signing releases"): Ed25519 keys, trust roots
 * signed by a threshold of root keys (a new root by the old root's keys and its own), and signed bundles.
 */
final class ReleaseCli {

    static final Set<String> COMMANDS = Set.of("keygen", "make-root", "sign-root", "make-bundle", "inspect");

    static final String USAGE = """
            roomwire update keygen --out NAME             NAME.key (private, 0600) and NAME.pub; prints the key id
            roomwire update make-root --version N --root-keys P,.. --root-threshold T --update-keys P,..
                                      [--update-threshold 1] [--revoke KEYID|P,..] [--expires-days 365]
                                      [--sign K,..] --out FILE
                                                          a trust root (P: .pub or .key files), signed by the K .key files
            roomwire update sign-root FILE --sign K,.. [--out FILE]
                                                          adds signatures to a root (each holder of a root key in turn)
            roomwire update make-bundle --layout DIR --version V --model M --arch A --sign K,..
                                      [--minimum-version V] [--allow-downgrade] [--expires-days 30] [--roots R,..] --out FILE
                                                          zips a slot layout and signs its manifest; prints the SHA-256
                                                          that update.apply and rollout need
            roomwire update inspect FILE [--root ROOT]    a bundle's manifest, or a root; with --root, checks the
                                                          signatures as a device with that root would
            """;

    private ReleaseCli() {
    }

    static int run(List<String> words, Cli.Io io) throws UsageException {
        String cmd = words.get(0);
        Args a = Args.parse("update " + cmd, words.subList(1, words.size()), Set.of("--out", "--version", "--root-keys", "--root-threshold",
                "--update-keys", "--update-threshold", "--revoke", "--expires-days", "--sign", "--layout", "--model", "--arch",
                "--minimum-version", "--roots", "--root"), Set.of("--allow-downgrade"));
        try {
            return switch (cmd) {
                case "keygen" -> keygen(a, io);
                case "make-root" -> makeRoot(a, io);
                case "sign-root" -> signRoot(a, io);
                case "make-bundle" -> makeBundle(a, io);
                case "inspect" -> inspect(a, io);
                default -> throw new UsageException(USAGE.strip());
            };
        } catch (UsageException e) {
            throw e;
        } catch (UpdateRefused e) {
            io.err().println("roomwire: " + e.reason().wire() + ": " + e.getMessage());
            return 1;
        } catch (java.nio.file.NoSuchFileException e) {
            io.err().println("roomwire: update " + cmd + " failed: no such file " + e.getMessage());
            return 1;
        } catch (IOException | IllegalArgumentException | ArithmeticException e) {
            io.err().println("roomwire: update " + cmd + " failed: " + e.getMessage());
            return 1;
        }
    }

    private static int keygen(Args a, Cli.Io io) throws UsageException, IOException {
        a.expectPositional("update keygen", 0, 0, "--out NAME");
        String name = required(a, "--out", "update keygen");
        KeyPair k = Ed25519Keys.generate();
        String id = Ed25519Keys.keyId(k.getPublic());
        Path priv = Path.of(name + ".key");
        Path pub = Path.of(name + ".pub");
        if (Files.exists(priv) || Files.exists(pub)) {
            throw new FileAlreadyExistsException(priv + " or " + pub + " exists: a key is never overwritten");
        }
        String text = "# Roomwire update signing key (Ed25519). Keep it off-line; whoever holds it signs for its role.\n"
                + "keyid=" + id + "\npublic=" + Ed25519Keys.encodePublic(k.getPublic()) + "\nprivate=" + Ed25519Keys.encodePrivate(k.getPrivate()) + "\n";
        // Created 0600 before a byte of the secret is in it.
        Files.createFile(priv, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(priv, text, StandardOpenOption.TRUNCATE_EXISTING);
        Files.writeString(pub, Ed25519Keys.encodePublic(k.getPublic()) + "\n");
        io.out().println("key " + id + ": " + priv + " (private, 0600), " + pub);
        return Cli.OK;
    }

    private static int makeRoot(Args a, Cli.Io io) throws UsageException, IOException, UpdateRefused {
        a.expectPositional("update make-root", 0, 0, "--version N ... --out FILE");
        int version = positiveInt(required(a, "--version", "update make-root"), "--version");
        Map<String, PublicKey> keys = new LinkedHashMap<>();
        Set<String> rootIds = publicKeys(required(a, "--root-keys", "update make-root"), keys);
        Set<String> updateIds = publicKeys(required(a, "--update-keys", "update make-root"), keys);
        int rootThreshold = positiveInt(required(a, "--root-threshold", "update make-root"), "--root-threshold");
        int updateThreshold = positiveInt(a.option("--update-threshold").orElse("1"), "--update-threshold");
        if (rootThreshold > rootIds.size() || updateThreshold > updateIds.size()) {
            throw new IllegalArgumentException("a threshold is above its number of keys: root " + rootThreshold + " of " + rootIds.size()
                    + ", updates " + updateThreshold + " of " + updateIds.size());
        }
        Set<String> revoked = new LinkedHashSet<>();
        for (String r : list(a.option("--revoke").orElse(""))) {
            if (r.endsWith(".pub") || r.endsWith(".key")) {
                revoked.addAll(publicKeys(r, new LinkedHashMap<>()));
            } else if (r.matches("[0-9a-f]{32}")) {
                revoked.add(r);
            } else {
                throw new IllegalArgumentException("--revoke " + r + " is neither a key id (32 hex digits, as keygen prints it) nor a .pub file");
            }
        }
        for (String r : revoked) {
            if (keys.containsKey(r)) {
                throw new IllegalArgumentException("key " + r + " is both listed and revoked");
            }
        }
        Instant expires = Instant.now().plus(Duration.ofDays(positiveInt(a.option("--expires-days").orElse("365"), "--expires-days")));
        TrustRoot root = new TrustRoot(version, expires, keys, rootIds, rootThreshold, updateIds, updateThreshold, revoked);
        SignedDocument doc = addSignatures(new SignedDocument(root.toBody(), Map.of()), list(a.option("--sign").orElse("")));
        Path out = Path.of(required(a, "--out", "update make-root"));
        Files.write(out, doc.toBytes());
        io.out().println("root v" + version + " (" + rootIds.size() + " root keys, threshold " + rootThreshold + "; " + updateIds.size()
                + " update keys, threshold " + updateThreshold + "; " + revoked.size() + " revoked) -> " + out + ", "
                + doc.signatures().size() + " signature(s)");
        io.out().println(signatureNeeds(version, root));
        return Cli.OK;
    }

    private static int signRoot(Args a, Cli.Io io) throws UsageException, IOException, UpdateRefused {
        a.expectPositional("update sign-root", 1, 1, "FILE --sign K,.. [--out FILE]");
        Path in = Path.of(a.positional().get(0));
        SignedDocument doc = SignedDocument.parse(Files.readAllBytes(in));
        TrustRoot root = TrustRoot.parse(doc.body());
        SignedDocument signed = addSignatures(doc, list(required(a, "--sign", "update sign-root")));
        Path out = a.option("--out").map(Path::of).orElse(in);
        Files.write(out, signed.toBytes());
        io.out().println("root v" + root.version() + " -> " + out + ", " + signed.signatures().size() + " signature(s): "
                + String.join(", ", signed.signatures().keySet()));
        io.out().println(signatureNeeds(root.version(), root));
        return Cli.OK;
    }

    private static int makeBundle(Args a, Cli.Io io) throws UsageException, IOException, UpdateRefused {
        a.expectPositional("update make-bundle", 0, 0, "--layout DIR --version V --model M --arch A --sign K,.. --out FILE");
        Path layout = Path.of(required(a, "--layout", "update make-bundle"));
        if (!Files.isDirectory(layout)) {
            throw new IllegalArgumentException("--layout " + layout + " is not a folder (a slot: runtime/, lib/, ...)");
        }
        String version = required(a, "--version", "update make-bundle");
        if (!version.matches("\\d+(\\.\\d+)*([-.][0-9A-Za-z]+)*")) {
            throw new IllegalArgumentException("--version " + version + " is not a dotted version (1.2.0)");
        }
        List<String> signers = list(required(a, "--sign", "update make-bundle"));
        List<PrivateKey> priv = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (String f : signers) {
            Properties p = keyFile(Path.of(f));
            priv.add(Ed25519Keys.decodePrivate(p.getProperty("private")));
            ids.add(p.getProperty("keyid"));
        }
        List<SignedDocument> roots = new ArrayList<>();
        for (String r : list(a.option("--roots").orElse(""))) {
            roots.add(SignedDocument.parse(Files.readAllBytes(Path.of(r))));
        }
        Path out = Path.of(required(a, "--out", "update make-bundle"));
        // The version stamp the device's slot code reads (SlotStore.VERSION) travels in the payload.
        Files.writeString(layout.resolve("VERSION"), version + "\n");
        Path payload = out.resolveSibling(out.getFileName() + ".payload.zip");
        try {
            String sha = BundleBuilder.zipLayout(layout, payload);
            Instant now = Instant.now();
            Manifest m = BundleBuilder.write(payload, sha, new BundleBuilder.Target(version, required(a, "--model", "update make-bundle"),
                    required(a, "--arch", "update make-bundle"), a.option("--minimum-version").orElse("0"), a.flag("--allow-downgrade"),
                    now, now.plus(Duration.ofDays(positiveInt(a.option("--expires-days").orElse("30"), "--expires-days")))), priv, ids, roots, out);
            io.out().println("bundle " + m.version() + " for " + m.model() + "/" + m.arch() + " -> " + out + " (" + Files.size(out)
                    + " bytes, payload " + m.payloadSize() + ", signed by " + String.join(", ", ids) + ", expires " + m.expires() + ")");
            io.out().println("sha256 " + fileSha256(out));
            for (String name : BundleBuilder.LEFT_OUT) {
                if (name.endsWith(".jsa") && Files.isRegularFile(layout.resolve(name))) {
                    io.out().println("left out " + name + ": a CDS archive of one place (the package's or a slot's); the slot "
                            + "this bundle goes into writes its own in its first run");
                }
            }
        } finally {
            Files.deleteIfExists(payload);
        }
        return Cli.OK;
    }

    private static int inspect(Args a, Cli.Io io) throws UsageException, IOException, UpdateRefused {
        a.expectPositional("update inspect", 1, 1, "FILE [--root ROOT]");
        Path file = Path.of(a.positional().get(0));
        Optional<TrustRoot> trusted = Optional.empty();
        Optional<SignedDocument> trustedDoc = Optional.empty();
        if (a.option("--root").isPresent()) {
            SignedDocument r = SignedDocument.parse(Files.readAllBytes(Path.of(a.option("--root").get())));
            TrustRoot t = TrustRoot.parse(r.body());
            t.checkRootSignatures(r, "trust root v" + t.version());
            trusted = Optional.of(t);
            trustedDoc = Optional.of(r);
        }
        if (!BundleFormat.isBundle(file)) {
            SignedDocument doc = SignedDocument.parse(Files.readAllBytes(file));
            TrustRoot root = TrustRoot.parse(doc.body());
            io.out().println(doc.bodyText());
            io.out().println("signed by: " + String.join(", ", doc.signatures().keySet()));
            if (trusted.isPresent()) {
                BundleVerifier.rootChain(trustedDoc.orElseThrow(), List.of(doc));
                io.out().println("ok: v" + root.version() + " follows v" + trusted.get().version() + " with enough signatures");
            }
            return Cli.OK;
        }
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file))) {
            BundleFormat.Header h = BundleFormat.readHeader(in);
            io.out().println(h.manifest().bodyText());
            io.out().println("signed by: " + String.join(", ", h.manifest().signatures().keySet()) + "; " + h.roots().size() + " root(s) carried");
            if (trusted.isPresent()) {
                TrustRoot root = BundleVerifier.rootChain(trustedDoc.orElseThrow(), h.roots()).root();
                root.checkUpdateSignatures(h.manifest(), "the update manifest");
                io.out().println("ok: signatures check with root v" + root.version());
            }
        }
        io.out().println("sha256 " + fileSha256(file));
        return Cli.OK;
    }

    private static String signatureNeeds(int version, TrustRoot root) {
        return version == 1
                ? "a device trusts v1 as installed; it needs " + root.rootThreshold() + " signature(s) of its own root keys"
                : "devices on v" + (version - 1) + " take it with " + root.rootThreshold() + " valid signature(s) of its own root keys and "
                        + "a threshold of v" + (version - 1) + "'s root keys (sign-root adds them; inspect --root checks)";
    }

    private static SignedDocument addSignatures(SignedDocument doc, List<String> keyFiles) throws IOException {
        Map<String, byte[]> sigs = new LinkedHashMap<>(doc.signatures());
        for (String f : keyFiles) {
            Properties p = keyFile(Path.of(f));
            sigs.put(p.getProperty("keyid"), Ed25519Keys.sign(Ed25519Keys.decodePrivate(p.getProperty("private")), doc.body()));
        }
        return new SignedDocument(doc.body(), sigs);
    }

    /** Public keys by id from .pub files (one base64 X.509 line) or .key files (their public= line). */
    private static Set<String> publicKeys(String files, Map<String, PublicKey> into) throws IOException {
        Set<String> ids = new LinkedHashSet<>();
        for (String f : list(files)) {
            Path p = Path.of(f);
            PublicKey k = f.endsWith(".key") ? Ed25519Keys.decodePublic(keyFile(p).getProperty("public"))
                    : Ed25519Keys.decodePublic(Files.readString(p).strip());
            String id = Ed25519Keys.keyId(k);
            into.put(id, k);
            ids.add(id);
        }
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("no keys given: " + files);
        }
        return ids;
    }

    /** A keygen .key file: keyid, public, private; the id is checked against the public key. */
    static Properties keyFile(Path f) throws IOException {
        if (!f.toString().endsWith(".key")) {
            throw new IllegalArgumentException(f + ": signing needs a .key file from 'roomwire update keygen'");
        }
        Properties p = new Properties();
        try (var r = Files.newBufferedReader(f)) {
            p.load(r);
        }
        String pub = p.getProperty("public");
        if (pub == null || p.getProperty("private") == null || p.getProperty("keyid") == null) {
            throw new IllegalArgumentException(f + " is not a key file from 'roomwire update keygen' (keyid, public, private)");
        }
        if (!Ed25519Keys.keyId(Ed25519Keys.decodePublic(pub)).equals(p.getProperty("keyid"))) {
            throw new IllegalArgumentException(f + ": keyid does not match its public key");
        }
        return p;
    }

    private static List<String> list(String csv) {
        return Arrays.stream(csv.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    private static String required(Args a, String option, String command) throws UsageException {
        return a.option(option).orElseThrow(() -> new UsageException("roomwire " + command + ": " + option + " is required\n" + USAGE.strip()));
    }

    private static int positiveInt(String v, String option) {
        try {
            int n = Integer.parseInt(v);
            if (n < 1) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " " + v + " is not a positive whole number");
        }
    }

    private static String fileSha256(Path f) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (InputStream in = new DigestInputStream(Files.newInputStream(f), md)) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
