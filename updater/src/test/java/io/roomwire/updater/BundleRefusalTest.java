package io.roomwire.updater;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.updater.UpdateRefused.Reason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleRefusalTest {

    @TempDir
    Path tmp;
    UpdateFixture f;
    byte[] rootBefore;

    @BeforeEach
    void setUp() throws Exception {
        f = new UpdateFixture(tmp);
        rootBefore = Files.readAllBytes(f.slots.home().resolve("root.json"));
    }

    private UpdateRefused refused(Path bundle, long free) {
        return assertThrows(UpdateRefused.class, () -> f.updater(free).apply(bundle, Updater.Progress.NONE));
    }

    private void assertNothingChanged() throws Exception {
        assertEquals("a", f.slots.currentSlot());
        assertFalse(Files.exists(f.slots.slot("b")), "slot b was written");
        try (Stream<Path> s = Files.list(f.slots.home().resolve("slots"))) {
            assertEquals(List.of("a"), s.map(p -> p.getFileName().toString()).toList(), "staging left behind");
        }
        assertFalse(Files.exists(f.slots.home().resolve(SlotStore.TRIAL)));
        assertArrayEquals(rootBefore, Files.readAllBytes(f.slots.home().resolve("root.json")));
    }

    private void assertRefused(Reason reason, Path bundle) throws Exception {
        UpdateRefused e = refused(bundle, Long.MAX_VALUE);
        assertEquals(reason, e.reason(), e.getMessage());
        assertNothingChanged();
    }

    @Test
    void installsAGoodBundleOnTrialInTheOtherSlot() throws Exception {
        Path b = f.bundle("ok", f.target("1.1.0"), List.of(), f.update1);
        Updater.Installed i = f.updater(Long.MAX_VALUE).apply(b, Updater.Progress.NONE);
        assertEquals("b", i.slot());
        assertEquals("b", f.slots.currentSlot());
        assertEquals("1.1.0", f.slots.version("b").orElseThrow());
        assertEquals("a", f.slots.trial().orElseThrow().get("from"));
        assertTrue(Files.exists(f.slots.slot("b").resolve("lib/agent.jar")));
        assertTrue(Files.isExecutable(f.slots.slot("b").resolve("runtime/bin/java")));
    }

    @Test
    void refusesATamperedSignature() throws Exception {
        Path b = f.bundle("ok", f.target("1.1.0"), List.of(), f.update1);
        byte[] bytes = Files.readAllBytes(b);
        BundleFormat.Header h = BundleFormat.readHeader(new java.io.ByteArrayInputStream(bytes));
        Manifest m = Manifest.parse(h.manifest().body());
        Manifest forged = new Manifest("9.9.9", m.model(), m.arch(), m.minimumVersion(), true, m.payloadSize(), m.payloadSha256(),
                m.created(), m.expires(), m.keyIds());
        SignedDocument tampered = new SignedDocument(forged.toBody(), h.manifest().signatures());
        Path t = tmp.resolve("tampered.rwu");
        Files.write(t, BundleFormat.header(tampered, List.of()));
        Files.write(t, java.util.Arrays.copyOfRange(bytes, (int) h.payloadOffset(), bytes.length), java.nio.file.StandardOpenOption.APPEND);
        assertRefused(Reason.BAD_SIGNATURE, t);
    }

    @Test
    void refusesAnUnknownKey() throws Exception {
        assertRefused(Reason.UNKNOWN_KEY, f.bundle("stranger", f.target("1.1.0"), List.of(), Ed25519Keys.generate()));
    }

    @Test
    void refusesAnExpiredManifest() throws Exception {
        BundleBuilder.Target t = f.target("1.1.0");
        t = new BundleBuilder.Target(t.version(), t.model(), t.arch(), t.minimumVersion(), false, t.created().minus(Duration.ofDays(9)),
                UpdateFixture.NOW.minusSeconds(1));
        assertRefused(Reason.EXPIRED, f.bundle("old", t, List.of(), f.update1));
    }

    @Test
    void refusesAnotherModel() throws Exception {
        BundleBuilder.Target t = f.target("1.1.0");
        t = new BundleBuilder.Target(t.version(), "rw-200", t.arch(), t.minimumVersion(), false, t.created(), t.expires());
        assertRefused(Reason.WRONG_MODEL, f.bundle("model", t, List.of(), f.update1));
    }

    @Test
    void refusesAnotherArchitecture() throws Exception {
        BundleBuilder.Target t = f.target("1.1.0");
        t = new BundleBuilder.Target(t.version(), t.model(), "aarch64", t.minimumVersion(), false, t.created(), t.expires());
        UpdateRefused e = refused(f.bundle("arch", t, List.of(), f.update1), Long.MAX_VALUE);
        assertEquals(Reason.WRONG_ARCH, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains("is for aarch64, this device is x86_64"), e.getMessage());
        assertNothingChanged();
    }

    @Test
    void refusesABundleThatNeedsANewerRunningVersion() throws Exception {
        BundleBuilder.Target t = f.target("2.0.0");
        t = new BundleBuilder.Target(t.version(), t.model(), t.arch(), "1.5.0", false, t.created(), t.expires());
        UpdateRefused e = refused(f.bundle("leap", t, List.of(), f.update1), Long.MAX_VALUE);
        assertEquals(Reason.BELOW_MINIMUM, e.reason(), e.getMessage());
        assertEquals("below_minimum_version", e.reason().wire());
        assertTrue(e.getMessage().contains("needs at least version 1.5.0 installed, this device runs 1.0.0"), e.getMessage());
        assertNothingChanged();
    }

    /** The device's root moved to {@code version} with these keys, expiring at {@code expires}. */
    private SignedDocument rotateTo(int version, java.time.Instant expires) throws Exception {
        TrustRoot r = UpdateFixture.root(version, List.of(f.root1, f.root2), 2, List.of(f.update1), 1, Set.of());
        SignedDocument doc = UpdateFixture.signed(new TrustRoot(r.version(), expires, r.keys(), r.rootKeys(), r.rootThreshold(),
                r.updateKeys(), r.updateThreshold(), r.revoked()).toBody(), f.root1, f.root2);
        return doc;
    }

    @Test
    void refusesEverythingSignedUnderAnExpiredRootButMovesOnWithANewerRootItSigned() throws Exception {
        SignedDocument lapsed = rotateTo(2, UpdateFixture.NOW.minusSeconds(1));
        f.trust.rotate(lapsed); // the device's root v2 expired a second ago
        rootBefore = Files.readAllBytes(f.slots.home().resolve("root.json"));
        UpdateRefused e = refused(f.bundle("under-v2", f.target("1.1.0"), List.of(), f.update1), Long.MAX_VALUE);
        assertEquals(Reason.ROOT_EXPIRED, e.reason(), e.getMessage());
        assertEquals("root_expired", e.reason().wire());
        assertTrue(e.getMessage().contains("trust root v2 expired at " + UpdateFixture.NOW.minusSeconds(1)), e.getMessage());
        assertNothingChanged();
        // A newer root the lapsed one signed, itself expired too: the newest root decides, so still refused.
        assertRefused(Reason.ROOT_EXPIRED, f.bundle("v3-lapsed", f.target("1.1.0"),
                List.of(rotateTo(3, UpdateFixture.NOW.minus(Duration.ofDays(1)))), f.update1));
        // A current v3 signed by v2's root keys (TUF 5.3.10: the expired v2 may still lead to it): installed, v3 stored.
        Updater.Installed i = f.updater(Long.MAX_VALUE).apply(f.bundle("v3", f.target("1.1.0"),
                List.of(lapsed, rotateTo(3, UpdateFixture.NOW.plus(Duration.ofDays(30)))), f.update1), Updater.Progress.NONE);
        assertEquals("1.1.0", i.manifest().version());
        assertEquals(3, new TrustStore(f.slots.home().resolve("root.json")).root().version());
    }

    @Test
    void refusesADownloadThatKeepsFailingAfterTheRetriesAndChangesNothing() throws Exception {
        Path b = f.bundle("ok", f.target("1.1.0"), List.of(), f.update1);
        long size = Files.size(b);
        io.roomwire.sim.cloud.SimPki pki = new io.roomwire.sim.cloud.SimPki("download-failed");
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().sslContext(pki.sslContext(null)).build();
        try (LoopbackHttps failing = new LoopbackHttps(pki, "failing", ex -> {
            if (ex.getRequestURI().getPath().equals("/500")) {
                ex.sendResponseHeaders(503, -1);
                return;
            }
            // The connection drops after 100 bytes of a response that announced the whole file.
            ex.sendResponseHeaders(200, size);
            ex.getResponseBody().write(Files.readAllBytes(b), 0, 100);
            ex.getResponseBody().flush();
            throw new java.io.IOException("simulated cut");
        })) {
            for (String path : List.of("/500", "/cut")) {
                f.pauses.clear();
                java.net.URI url = failing.baseUrl().resolve(path);
                UpdateRefused e = assertThrows(UpdateRefused.class,
                        () -> f.updater(Long.MAX_VALUE, http).apply(url, java.util.Optional.empty(), Updater.Progress.NONE), path);
                assertEquals(Reason.DOWNLOAD_FAILED, e.reason(), path + ": " + e.getMessage());
                assertTrue(e.getMessage().contains("failed 4 times"), e.getMessage());
                assertEquals(3, f.pauses.size(), path + ": a back-off between each of the 4 attempts: " + f.pauses);
                assertNothingChanged();
            }
            assertEquals(8, failing.seen().size(), "4 attempts each: " + failing.seen());
            // What arrived of the cut download is kept for the next try to resume; nothing else is left.
            try (Stream<Path> s = Files.list(f.slots.home().resolve("download"))) {
                List<Path> left = s.toList();
                assertEquals(1, left.size(), left.toString());
                assertEquals(100, Files.size(left.get(0)));
            }
        }
    }

    @Test
    void refusesALowerVersionUnlessSignedAsDowngrade() throws Exception {
        assertRefused(Reason.LOWER_VERSION, f.bundle("lower", f.target("0.9.5"), List.of(), f.update1));
        BundleBuilder.Target t = f.target("0.9.5");
        t = new BundleBuilder.Target(t.version(), t.model(), t.arch(), t.minimumVersion(), true, t.created(), t.expires());
        assertEquals("0.9.5", f.updater(Long.MAX_VALUE).apply(f.bundle("down", t, List.of(), f.update1), Updater.Progress.NONE)
                .manifest().version());
    }

    @Test
    void refusesAPayloadWhoseHashDiffers() throws Exception {
        Path b = f.bundle("ok", f.target("1.1.0"), List.of(), f.update1);
        byte[] bytes = Files.readAllBytes(b);
        bytes[bytes.length - 30] ^= 0x01;
        Files.write(b, bytes);
        assertRefused(Reason.HASH_MISMATCH, b);
    }

    @Test
    void refusesAPayloadWhoseSizeDiffers() throws Exception {
        Path b = f.bundle("ok", f.target("1.1.0"), List.of(), f.update1);
        byte[] bytes = Files.readAllBytes(b);
        Files.write(b, java.util.Arrays.copyOf(bytes, bytes.length - 100));
        assertRefused(Reason.SIZE_MISMATCH, b);
        Files.write(b, java.util.Arrays.copyOf(bytes, bytes.length + 100));
        assertRefused(Reason.SIZE_MISMATCH, b);
    }

    @Test
    void refusesWhenTheDiskIsTooFullBeforeUnpacking() throws Exception {
        UpdateRefused e = refused(f.bundle("big", f.target("1.1.0"), List.of(), f.update1), 1000);
        assertEquals(Reason.NO_SPACE, e.reason(), e.getMessage());
        assertNothingChanged();
    }

    @Test
    void acceptsAKeyAddedByARotatedRootAndPersistsTheRoot() throws Exception {
        KeyPair update3 = Ed25519Keys.generate();
        TrustRoot v2 = UpdateFixture.root(2, List.of(f.root1, f.root2), 2, List.of(f.update1, update3), 1, Set.of());
        SignedDocument r2 = UpdateFixture.signed(v2.toBody(), f.root1, f.root2);
        f.updater(Long.MAX_VALUE).apply(f.bundle("rotated", f.target("1.1.0"), List.of(r2), update3), Updater.Progress.NONE);
        assertEquals(2, new TrustStore(f.slots.home().resolve("root.json")).root().version());
    }

    @Test
    void refusesARevokedKeyEvenWithTheRevokingRootInTheBundle() throws Exception {
        TrustRoot v2 = UpdateFixture.root(2, List.of(f.root1, f.root2), 2, List.of(f.update1), 1, Set.of(UpdateFixture.id(f.update2)));
        SignedDocument r2 = UpdateFixture.signed(v2.toBody(), f.root1, f.root2);
        f.trust.rotate(r2);
        rootBefore = Files.readAllBytes(f.slots.home().resolve("root.json"));
        assertRefused(Reason.REVOKED_KEY, f.bundle("revoked", f.target("1.1.0"), List.of(), f.update2));
    }

    @Test
    void refusesARootSignedByTooFewOldRootKeys() throws Exception {
        KeyPair evil = Ed25519Keys.generate();
        TrustRoot v2 = UpdateFixture.root(2, List.of(f.root1, evil), 1, List.of(evil), 1, Set.of());
        SignedDocument r2 = UpdateFixture.signed(v2.toBody(), f.root1, evil);
        assertRefused(Reason.UNKNOWN_KEY, f.bundle("takeover", f.target("1.1.0"), List.of(r2), evil));
    }

    @Test
    void refusesAnOlderRootThatIsNotTheDevicesOwnHistoryBeforeTouchingTheOtherSlot() throws Exception {
        SignedDocument r1 = SignedDocument.parse(rootBefore);
        TrustRoot v2 = UpdateFixture.root(2, List.of(f.root1, f.root2), 2, List.of(f.update1), 1, Set.of());
        SignedDocument r2 = UpdateFixture.signed(v2.toBody(), f.root1, f.root2);
        f.trust.rotate(r2);
        rootBefore = Files.readAllBytes(f.slots.home().resolve("root.json"));
        // A v1 of other keys in front of the device's own v2: its keys never signed v2.
        KeyPair other = Ed25519Keys.generate();
        TrustRoot foreign = UpdateFixture.root(1, List.of(other), 1, List.of(other), 1, Set.of());
        assertRefused(Reason.ROOT_ROLLBACK, f.bundle("foreign", f.target("1.1.0"), List.of(UpdateFixture.signed(foreign.toBody(), other), r2),
                f.update1));
        // The device's v1, then a v2 that is not the device's v2.
        TrustRoot fork = UpdateFixture.root(2, List.of(f.root1, f.root2), 2, List.of(f.update1, f.update2), 1, Set.of());
        assertRefused(Reason.ROOT_ROLLBACK, f.bundle("fork", f.target("1.1.0"), List.of(r1, UpdateFixture.signed(fork.toBody(), f.root1, f.root2)),
                f.update1));
    }

    @Test
    void acceptsTheWholeRootChainOnADeviceThatAlreadyHasItsNewestRoots() throws Exception {
        SignedDocument r1 = SignedDocument.parse(rootBefore);
        TrustRoot v2 = UpdateFixture.root(2, List.of(f.root1, f.root2), 2, List.of(f.update1), 1, Set.of(UpdateFixture.id(f.update2)));
        SignedDocument r2 = UpdateFixture.signed(v2.toBody(), f.root1, f.root2);
        f.trust.rotate(r2); // this device installed an earlier bundle that carried v2
        byte[] v2File = Files.readAllBytes(f.slots.home().resolve("root.json"));
        // A release carries every root since v1, for devices still on v1: here v1 and v2 are this device's own.
        Updater.Installed i = f.updater(Long.MAX_VALUE).apply(f.bundle("chain", f.target("1.1.0"), List.of(r1, r2), f.update1),
                Updater.Progress.NONE);
        assertEquals("1.1.0", i.manifest().version());
        assertArrayEquals(v2File, Files.readAllBytes(f.slots.home().resolve("root.json")), "the older roots are not written");
        f.slots.commit();
        // The next release adds v3 (a new update key) to the chain: the device moves to v3 only.
        KeyPair update3 = Ed25519Keys.generate();
        TrustRoot v3 = UpdateFixture.root(3, List.of(f.root1, f.root2), 2, List.of(update3), 1, Set.of(UpdateFixture.id(f.update2)));
        SignedDocument r3 = UpdateFixture.signed(v3.toBody(), f.root1, f.root2);
        assertEquals("1.2.0", f.updater(Long.MAX_VALUE).apply(f.bundle("chain3", f.target("1.2.0"), List.of(r1, r2, r3), update3),
                Updater.Progress.NONE).manifest().version());
        assertEquals(3, new TrustStore(f.slots.home().resolve("root.json")).root().version());
    }

    @Test
    void neverRollsTheTrustRootBack() throws Exception {
        TrustRoot v2 = UpdateFixture.root(2, List.of(f.root1, f.root2), 2, List.of(f.update1), 1, Set.of());
        f.trust.rotate(UpdateFixture.signed(v2.toBody(), f.root1, f.root2));
        TrustRoot v1again = UpdateFixture.root(1, List.of(f.root1, f.root2), 2, List.of(f.update1, f.update2), 1, Set.of());
        UpdateRefused e = assertThrows(UpdateRefused.class, () -> f.trust.rotate(UpdateFixture.signed(v1again.toBody(), f.root1, f.root2)));
        assertEquals(Reason.ROOT_ROLLBACK, e.reason());
        assertEquals(2, f.trust.root().version());
    }
}
