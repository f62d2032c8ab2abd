package io.roomwire.provisioning.identity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.store.FileStore;
import io.roomwire.core.time.VirtualScheduler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.HexFormat;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceIdentityTest {

    @TempDir
    Path dir;

    private final Clock clock = new VirtualScheduler().clock();

    @Test
    void createsP256KeyAndSelfSignedCertOnFirstStartAndStoresThem0600() throws Exception {
        FileStore store = new FileStore(dir, clock);
        DeviceIdentity id = DeviceIdentity.loadOrCreate(store, clock, "room401");
        assertEquals("EC", id.keyPair().getPublic().getAlgorithm());
        assertEquals(256, ((java.security.interfaces.ECPublicKey) id.keyPair().getPublic()).getParams().getCurve().getField().getFieldSize());
        id.certificate().verify(id.keyPair().getPublic());
        assertTrue(id.certificate().getSubjectX500Principal().getName().contains("CN=room401"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store.pathOf(DeviceIdentity.KEY_ENTRY))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store.pathOf(DeviceIdentity.CERT_ENTRY))));
        assertTrue(id.privateKeyPem().startsWith("-----BEGIN PRIVATE KEY-----"));
        assertTrue(id.certificatePem().startsWith("-----BEGIN CERTIFICATE-----"));
        assertEquals(64, id.fingerprint().length());
        assertFalse(id.toString().contains("PRIVATE"));
    }

    @Test
    void aKeyRestoredGroupOrWorldReadableIsMadeOwnerOnlyAtStart() throws Exception {
        FileStore store = new FileStore(dir, clock);
        DeviceIdentity first = DeviceIdentity.loadOrCreate(store, clock, "room401");
        Path key = store.pathOf(DeviceIdentity.KEY_ENTRY);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));

        DeviceIdentity again = DeviceIdentity.loadOrCreate(new FileStore(dir, clock), clock, "room401");

        assertEquals(first.fingerprint(), again.fingerprint());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
    }

    @Test
    void aTokenSealedForOnePurposeDoesNotOpenForAnotherOrUnderAnotherEntryName() throws Exception {
        DeviceIdentity id = DeviceIdentity.loadOrCreate(new FileStore(dir, clock), clock, "room401");
        AtRestCipher tokens = AtRestCipher.of(id, "purpose/a", "RWXA");
        AtRestCipher other = AtRestCipher.of(id, "purpose/b", "RWXA");
        byte[] sealed = tokens.seal("entry", "secret".getBytes());
        assertEquals("secret", new String(tokens.open("entry", sealed)));
        assertEquals(AtRestCipher.Failure.WRONG_KEY, assertThrows(AtRestCipher.OpenException.class,
                () -> other.open("entry", sealed)).failure());
        assertEquals(AtRestCipher.Failure.WRONG_KEY, assertThrows(AtRestCipher.OpenException.class,
                () -> tokens.open("renamed", sealed)).failure());
        assertEquals(AtRestCipher.Failure.NOT_SEALED, assertThrows(AtRestCipher.OpenException.class,
                () -> tokens.open("entry", "{\"plain\":1}".getBytes())).failure());
        assertEquals(AtRestCipher.Failure.NO_KEY, assertThrows(AtRestCipher.OpenException.class,
                () -> AtRestCipher.lazy(java.util.Optional::empty, "p", "RWXA").open("entry", sealed)).failure());
    }

    @Test
    void loadsTheSameIdentityOnTheNextStart() throws Exception {
        FileStore store = new FileStore(dir, clock);
        DeviceIdentity first = DeviceIdentity.loadOrCreate(store, clock, "room401");
        DeviceIdentity second = DeviceIdentity.loadOrCreate(new FileStore(dir, clock), clock, "room401");
        assertEquals(first.fingerprint(), second.fingerprint());
        assertEquals(first.certificate(), second.certificate());
        assertArrayEquals(first.deriveKey("tokens", 32), second.deriveKey("tokens", 32));
    }

    @Test
    void reportsMissingKeyInsteadOfRekeyingSilently() throws Exception {
        FileStore store = new FileStore(dir, clock);
        DeviceIdentity first = DeviceIdentity.loadOrCreate(store, clock, "room401");
        store.delete(DeviceIdentity.KEY_ENTRY);
        IdentityException e = assertThrows(IdentityException.class, () -> DeviceIdentity.loadOrCreate(store, clock, "room401"));
        assertEquals(IdentityException.Reason.MISSING_KEY, e.reason());
        assertTrue(e.getMessage().contains("rekey"), e.getMessage());
        assertFalse(store.exists(DeviceIdentity.KEY_ENTRY), "no key must have been created");
        assertEquals(first.certificatePem(), store.readString(DeviceIdentity.CERT_ENTRY).orElseThrow());
    }

    @Test
    void reportsMissingCertificate() throws Exception {
        FileStore store = new FileStore(dir, clock);
        DeviceIdentity.loadOrCreate(store, clock, "room401");
        store.delete(DeviceIdentity.CERT_ENTRY);
        IdentityException e = assertThrows(IdentityException.class, () -> DeviceIdentity.loadOrCreate(store, clock, "room401"));
        assertEquals(IdentityException.Reason.MISSING_CERTIFICATE, e.reason());
    }

    @Test
    void reportsCorruptKeyFileAndMovesItAside() throws Exception {
        FileStore store = new FileStore(dir, clock);
        DeviceIdentity.loadOrCreate(store, clock, "room401");
        Path key = store.pathOf(DeviceIdentity.KEY_ENTRY);
        byte[] b = Files.readAllBytes(key);
        b[b.length - 10] ^= 0x55;
        Files.write(key, b);
        IdentityException e = assertThrows(IdentityException.class, () -> DeviceIdentity.loadOrCreate(store, clock, "room401"));
        assertEquals(IdentityException.Reason.CORRUPT, e.reason());
        assertTrue(e.getMessage().contains("moved aside"), e.getMessage());
    }

    @Test
    void reportsKeyThatDoesNotMatchItsCertificate() throws Exception {
        Path other = Files.createDirectory(dir.resolve("other"));
        FileStore a = new FileStore(dir.resolve("a"), clock);
        FileStore b = new FileStore(other, clock);
        DeviceIdentity.loadOrCreate(a, clock, "room401");
        DeviceIdentity.loadOrCreate(b, clock, "room402");
        a.write(DeviceIdentity.CERT_ENTRY, b.read(DeviceIdentity.CERT_ENTRY).orElseThrow(), FileStore.Sensitivity.SECRET);
        IdentityException e = assertThrows(IdentityException.class, () -> DeviceIdentity.loadOrCreate(a, clock, "room401"));
        assertEquals(IdentityException.Reason.MISMATCH, e.reason());
    }

    @Test
    void reportsUnparseableKeyWithValidChecksum() throws Exception {
        FileStore store = new FileStore(dir, clock);
        DeviceIdentity.loadOrCreate(store, clock, "room401");
        store.writeString(DeviceIdentity.KEY_ENTRY, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", FileStore.Sensitivity.SECRET);
        IdentityException e = assertThrows(IdentityException.class, () -> DeviceIdentity.loadOrCreate(store, clock, "room401"));
        assertEquals(IdentityException.Reason.CORRUPT, e.reason());
    }

    @Test
    void rekeyReplacesTheKeyExplicitly() throws Exception {
        FileStore store = new FileStore(dir, clock);
        DeviceIdentity first = DeviceIdentity.loadOrCreate(store, clock, "room401");
        DeviceIdentity second = DeviceIdentity.rekey(store, clock, "room401");
        assertNotEquals(first.fingerprint(), second.fingerprint());
        assertEquals(second.fingerprint(), DeviceIdentity.loadOrCreate(store, clock, "room401").fingerprint());
    }

    @Test
    void buildsCsrSignedByTheDeviceKey() throws Exception {
        DeviceIdentity id = DeviceIdentity.loadOrCreate(new FileStore(dir, clock), clock, "room401");
        JcaPKCS10CertificationRequest csr = new JcaPKCS10CertificationRequest(new PKCS10CertificationRequest(id.csr("dev-123")));
        assertTrue(csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(csr.getPublicKey())));
        assertEquals(id.keyPair().getPublic(), csr.getPublicKey());
        assertEquals("CN=dev-123", csr.getSubject().toString());
        assertEquals("1.2.840.10045.4.3.2", csr.getSignatureAlgorithm().getAlgorithm().getId());
        assertTrue(id.csrPem("dev-123").startsWith("-----BEGIN CERTIFICATE REQUEST-----"));
    }

    @Test
    void derivedKeysDifferByPurposeAndByDevice() throws Exception {
        DeviceIdentity a = DeviceIdentity.loadOrCreate(new FileStore(dir.resolve("a"), clock), clock, "room401");
        DeviceIdentity b = DeviceIdentity.loadOrCreate(new FileStore(dir.resolve("b"), clock), clock, "room401");
        assertEquals(32, a.deriveKey("tokens", 32).length);
        assertNotEquals(HexFormat.of().formatHex(a.deriveKey("tokens", 32)), HexFormat.of().formatHex(a.deriveKey("mqtt", 32)));
        assertNotEquals(HexFormat.of().formatHex(a.deriveKey("tokens", 32)), HexFormat.of().formatHex(b.deriveKey("tokens", 32)));
        assertThrows(IllegalArgumentException.class, () -> a.deriveKey("x", 0));
    }

    @Test
    void derivesTheSameKeysAsBouncyCastlesHkdfSoStoredTokensStillOpen() throws Exception {
        DeviceIdentity id = DeviceIdentity.loadOrCreate(new FileStore(dir, clock), clock, "room401");
        byte[] ikm = org.bouncycastle.util.BigIntegers.asUnsignedByteArray(32,
                ((java.security.interfaces.ECPrivateKey) id.keyPair().getPrivate()).getS());
        for (int length : new int[] {1, 16, 32, 33, 64, 100, 255 * 32}) {
            org.bouncycastle.crypto.generators.HKDFBytesGenerator bc =
                    new org.bouncycastle.crypto.generators.HKDFBytesGenerator(new org.bouncycastle.crypto.digests.SHA256Digest());
            bc.init(new org.bouncycastle.crypto.params.HKDFParameters(ikm,
                    "roomwire/device-identity/v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                    "tokens".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            byte[] expected = new byte[length];
            bc.generateBytes(expected, 0, length);
            assertArrayEquals(expected, id.deriveKey("tokens", length), "length " + length);
        }
        assertThrows(IllegalArgumentException.class, () -> id.deriveKey("tokens", 255 * 32 + 1));
    }

    @Test
    void writesPemAsBouncyCastleDidAndReadsItBack() throws Exception {
        DeviceIdentity id = DeviceIdentity.loadOrCreate(new FileStore(dir, clock), clock, "room401");
        java.io.StringWriter sw = new java.io.StringWriter();
        try (org.bouncycastle.openssl.jcajce.JcaPEMWriter w = new org.bouncycastle.openssl.jcajce.JcaPEMWriter(sw)) {
            w.writeObject(id.certificate());
        }
        assertEquals(sw.toString(), id.certificatePem());
        sw = new java.io.StringWriter();
        try (org.bouncycastle.openssl.jcajce.JcaPEMWriter w = new org.bouncycastle.openssl.jcajce.JcaPEMWriter(sw)) {
            w.writeObject(new org.bouncycastle.util.io.pem.PemObject("PRIVATE KEY", id.keyPair().getPrivate().getEncoded()));
        }
        assertEquals(sw.toString(), id.privateKeyPem());
        java.util.List<PemBlock> both = PemBlock.readAll("explanatory text\n" + id.certificatePem()
                + id.privateKeyPem().replace("\n", "\r\n"));
        assertEquals(java.util.List.of("CERTIFICATE", "PRIVATE KEY"), both.stream().map(PemBlock::label).toList());
        assertArrayEquals(id.certificate().getEncoded(), both.get(0).der());
        assertArrayEquals(id.keyPair().getPrivate().getEncoded(), both.get(1).der());
    }

    @Test
    void rejectsPemWithoutEndLineWithWrongEndOrWithBadBase64() {
        assertThrows(java.io.IOException.class, () -> PemBlock.readAll("-----BEGIN CERTIFICATE-----\nAAAA\n"));
        assertThrows(java.io.IOException.class,
                () -> PemBlock.readAll("-----BEGIN CERTIFICATE-----\nAAAA\n-----END PRIVATE KEY-----\n"));
        assertThrows(java.io.IOException.class,
                () -> PemBlock.readAll("-----BEGIN CERTIFICATE-----\nA*AA\n-----END CERTIFICATE-----\n"));
        assertThrows(java.io.IOException.class, () -> PemBlock.readAll("-----BEGIN EC PRIVATE KEY-----\n"
                + "Proc-Type: 4,ENCRYPTED\nAAAA\n-----END EC PRIVATE KEY-----\n"));
    }
}
