package io.roomwire.updater;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Keys, a trust root, a slotted install prefix and bundles for tests. */
final class UpdateFixture {

    static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");
    final Path dir;
    final KeyPair root1 = Ed25519Keys.generate();
    final KeyPair root2 = Ed25519Keys.generate();
    final KeyPair update1 = Ed25519Keys.generate();
    final KeyPair update2 = Ed25519Keys.generate();
    final SlotStore slots;
    final TrustStore trust;

    UpdateFixture(Path dir) throws Exception {
        this.dir = dir;
        Path home = Files.createDirectories(dir.resolve("home"));
        slots = new SlotStore(home);
        slots.initialize("a");
        Files.createDirectories(slots.slot("a"));
        Files.writeString(slots.slot("a").resolve(SlotStore.VERSION), "1.0.0\n");
        TrustRoot v1 = root(1, List.of(root1, root2), 2, List.of(update1, update2), 1, Set.of());
        Path rootFile = home.resolve("root.json");
        Files.write(rootFile, SignedDocument.sign(v1.toBody(), List.of(root1.getPrivate(), root2.getPrivate()),
                List.of(id(root1), id(root2))).toBytes());
        trust = new TrustStore(rootFile);
    }

    static String id(KeyPair k) {
        return Ed25519Keys.keyId(k.getPublic());
    }

    static TrustRoot root(int version, List<KeyPair> rootKeys, int rootThreshold, List<KeyPair> updateKeys, int updateThreshold,
                          Set<String> revoked) {
        Map<String, java.security.PublicKey> keys = new LinkedHashMap<>();
        rootKeys.forEach(k -> keys.put(id(k), k.getPublic()));
        updateKeys.forEach(k -> keys.put(id(k), k.getPublic()));
        return new TrustRoot(version, NOW.plus(Duration.ofDays(365)), keys, ids(rootKeys), rootThreshold, ids(updateKeys),
                updateThreshold, revoked);
    }

    static Set<String> ids(List<KeyPair> ks) {
        return Set.copyOf(ks.stream().map(UpdateFixture::id).toList());
    }

    static SignedDocument signed(byte[] body, KeyPair... keys) {
        List<PrivateKey> priv = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (KeyPair k : keys) {
            priv.add(k.getPrivate());
            ids.add(id(k));
        }
        return SignedDocument.sign(body, priv, ids);
    }

    final List<Duration> pauses = new java.util.concurrent.CopyOnWriteArrayList<>();

    Updater updater(long freeBytes) {
        return updater(freeBytes, null);
    }

    Updater updater(long freeBytes, java.net.http.HttpClient http) {
        Downloader downloader = http == null ? null : new Downloader(http, new io.roomwire.core.time.Backoff(Duration.ofSeconds(1),
                Duration.ofSeconds(30)), pauses::add, 4, Duration.ofSeconds(60));
        return new Updater(slots, trust, new DeviceIdentity("rw-100", "x86_64", "1.0.0"), java.time.Clock.fixed(NOW, java.time.ZoneOffset.UTC),
                downloader, new Updater.Settings(3, Duration.ofSeconds(60), 64L << 20, 64L << 20), () -> freeBytes);
    }

    /** A slot layout with a version stamp and some bytes standing in for the runtime and jars. */
    Path layout(String version, int bytes) throws IOException {
        Path l = Files.createDirectories(dir.resolve("layout-" + version));
        Files.createDirectories(l.resolve("lib"));
        Files.createDirectories(l.resolve("runtime/bin"));
        Files.writeString(l.resolve("runtime/bin/java"), "#!/bin/sh\necho " + version + "\n");
        byte[] data = new byte[bytes];
        new java.util.Random(version.hashCode()).nextBytes(data);
        Files.write(l.resolve("lib/agent.jar"), data);
        return l;
    }

    BundleBuilder.Target target(String version) {
        return new BundleBuilder.Target(version, "rw-100", "x86_64", "0.9.0", false, NOW.minusSeconds(60), NOW.plus(Duration.ofDays(30)));
    }

    Path bundle(String name, BundleBuilder.Target t, List<SignedDocument> roots, KeyPair... signers) throws IOException {
        return bundle(name, 4096, t, roots, signers);
    }

    Path bundle(String name, int bytes, BundleBuilder.Target t, List<SignedDocument> roots, KeyPair... signers) throws IOException {
        Path payload = dir.resolve(name + ".zip");
        String sha = BundleBuilder.zipLayout(layout(t.version(), bytes), payload);
        List<PrivateKey> priv = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (KeyPair k : signers) {
            priv.add(k.getPrivate());
            ids.add(id(k));
        }
        Path bundle = dir.resolve(name + ".rwu");
        BundleBuilder.write(payload, sha, t, priv, ids, roots, bundle);
        return bundle;
    }
}
