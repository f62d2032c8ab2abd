package io.roomwire.provisioning.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.store.CorruptStateException;
import io.roomwire.core.store.FileStore;
import io.roomwire.provisioning.Account;
import io.roomwire.provisioning.entra.TokenSet;
import io.roomwire.provisioning.entra.TokenVault;
import io.roomwire.provisioning.identity.AtRestCipher;
import io.roomwire.provisioning.identity.DeviceIdentity;
import io.roomwire.provisioning.identity.IdentityException;
import io.roomwire.provisioning.mdm.internal.EnrollmentStore;
import io.roomwire.provisioning.mdm.internal.PolicyState;
import io.roomwire.sim.cloud.hostile.HostileInputs;
import io.roomwire.sim.cloud.hostile.HostileRun;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * State files after a power cut, a full disk, a bad restore or tampering: truncated, corrupt,
 * wrong checksum, binary, and well-framed files whose content is hostile. Each loader must refuse
 * with its own exception (and the store moves bad files aside); nothing else may escape.
 */
class StateFileHostileInputTest {

    private static final long SEED = 0x57A7EL;
    /** Moves a second per reading, so each file set aside gets its own name (as in real life). */
    private final Clock clock = new Clock() {
        private final java.util.concurrent.atomic.AtomicLong seconds = new java.util.concurrent.atomic.AtomicLong();

        @Override
        public Instant instant() {
            return Instant.parse("2026-03-02T10:00:00Z").plusSeconds(seconds.incrementAndGet());
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    };

    @TempDir
    Path dir;

    /** Bytes a FileStore would accept as intact (magic + SHA-256 header), for hostile payloads. */
    private static byte[] framed(byte[] payload) throws Exception {
        byte[] sha = MessageDigest.getInstance("SHA-256").digest(payload);
        byte[] out = new byte[4 + 32 + payload.length];
        System.arraycopy("RWS1".getBytes(StandardCharsets.US_ASCII), 0, out, 0, 4);
        System.arraycopy(sha, 0, out, 4, 32);
        System.arraycopy(payload, 0, out, 36, payload.length);
        return out;
    }

    @Test
    void hostileStateFilesAreRefusedByTheirLoadersAndNothingElseEscapes() throws Exception {
        HostileInputs gen = new HostileInputs(SEED);
        FileStore store = new FileStore(dir.resolve("state"), clock);
        DeviceIdentity id = DeviceIdentity.loadOrCreate(store, clock, "room401");
        TokenVault vault = new TokenVault(store, id, clock);
        vault.save(new TokenSet("at", "rt", clock.instant(), clock.instant().plusSeconds(3600), "openid",
                new Account("room@contoso.example", "t", "o", "Room"), "client", "contoso.example"));
        byte[] tokensOnDisk = Files.readAllBytes(store.pathOf(TokenVault.ENTRY));
        byte[] keyOnDisk = Files.readAllBytes(store.pathOf(DeviceIdentity.KEY_ENTRY));
        byte[] certOnDisk = Files.readAllBytes(store.pathOf(DeviceIdentity.CERT_ENTRY));
        String enrollment = "{\"version\":1,\"deviceId\":\"d\",\"upn\":\"u\",\"providerId\":\"p\",\"managementUrl\":\"https://mdm/x\","
                + "\"enrollmentServiceUrl\":\"https://mdm/e\",\"roots\":[\"MIIB\"],\"clientCertificate\":\"MIIB\",\"schedule\":"
                + "{\"firstCount\":3,\"firstMinutes\":3,\"secondCount\":5,\"secondMinutes\":15,\"remainingCount\":0,"
                + "\"remainingMinutes\":480},\"renewPeriodSeconds\":86400,\"renewRetrySeconds\":3600,\"enrolledAt\":\"2026-03-02T10:00:00Z\"}";
        AtRestCipher tokenCipher = AtRestCipher.of(id, "roomwire/entra-token-vault/v1", "RWTV");

        List<byte[]> raw = new ArrayList<>();
        for (byte[] whole : List.of(tokensOnDisk, keyOnDisk, certOnDisk)) {
            for (int cut : new int[] {0, 1, 3, 4, 20, 35, 36, 37, whole.length / 2, whole.length - 1}) {
                raw.add(Arrays.copyOf(whole, cut));
            }
            raw.addAll(gen.mutants(whole, 40));
        }
        raw.addAll(gen.binary(50, 2048));
        List<byte[]> payloads = new ArrayList<>(gen.json(enrollment, 150));
        payloads.addAll(gen.mutants(Arrays.copyOfRange(keyOnDisk, 36, keyOnDisk.length), 60));
        List<byte[]> sealedPayloads = gen.json("{\"v\":1,\"access_token\":\"a\",\"refresh_token\":\"r\",\"issued_at\":"
                + "\"2026-03-02T10:00:00Z\",\"expires_at\":\"2026-03-02T11:00:00Z\",\"scope\":\"s\",\"upn\":\"u\",\"tid\":\"t\","
                + "\"oid\":\"o\",\"name\":\"n\",\"client_id\":\"c\",\"tenant\":\"x\"}", 200);

        HostileRun run = HostileRun.start("state files", SEED);
        for (byte[] b : raw) {
            run.attempt(i -> {
                Files.write(store.pathOf(TokenVault.ENTRY), b);
                vault.load();
            }, t -> t instanceof TokenVault.VaultException);
            run.attempt(i -> {
                Files.write(store.pathOf(DeviceIdentity.KEY_ENTRY), b);
                Files.write(store.pathOf(DeviceIdentity.CERT_ENTRY), certOnDisk);
                DeviceIdentity.loadOrCreate(store, clock, "room401");
            }, t -> t instanceof IdentityException);
            run.attempt(i -> {
                Files.write(store.pathOf(EnrollmentStore.ENROLLMENT), b);
                new EnrollmentStore(store).load();
            }, t -> t instanceof IOException);
            run.attempt(i -> {
                Files.write(store.pathOf("any-entry"), b);
                store.read("any-entry");
            }, t -> t instanceof CorruptStateException);
        }
        for (byte[] p : payloads) {
            run.attempt(i -> {
                Files.write(store.pathOf(EnrollmentStore.ENROLLMENT), framed(p));
                new EnrollmentStore(store).load();
            }, t -> t instanceof IOException);
            run.attempt(i -> {
                Files.write(store.pathOf(EnrollmentStore.POLICY), framed(p));
                new EnrollmentStore(store).loadPolicy(new PolicyState());
            }, t -> t instanceof IOException);
            run.attempt(i -> {
                Files.write(store.pathOf(DeviceIdentity.KEY_ENTRY), framed(p));
                Files.write(store.pathOf(DeviceIdentity.CERT_ENTRY), certOnDisk);
                DeviceIdentity.loadOrCreate(store, clock, "room401");
            }, t -> t instanceof IdentityException);
        }
        for (byte[] p : sealedPayloads) {
            run.attempt(i -> {
                Files.write(store.pathOf(TokenVault.ENTRY), framed(tokenCipher.seal(TokenVault.ENTRY, p)));
                vault.load();
            }, t -> t instanceof TokenVault.VaultException);
        }
        List<String> leaked = run.leakedThreads();
        System.out.println(run.summary(leaked));
        assertEquals(List.of(), run.crashes(), run.summary(leaked));
        assertEquals(List.of(), leaked);
        assertTrue(run.inputs() > 1500, run.summary(leaked));
        assertTrue(run.elapsed().compareTo(Duration.ofSeconds(30)) < 0, run.summary(leaked));
    }
}
