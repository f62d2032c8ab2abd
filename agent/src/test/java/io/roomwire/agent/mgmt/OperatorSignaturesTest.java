package io.roomwire.agent.mgmt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.roomwire.agent.mgmt.internal.NonceLedger;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.sim.cloud.SimPki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OperatorSignaturesTest {

    @TempDir
    Path dir;
    final VirtualScheduler time = new VirtualScheduler();

    OperatorSignatures verifier(KeyPair kp) throws Exception {
        return verifier(kp, 1000);
    }

    OperatorSignatures verifier(KeyPair kp, int maxNonces) throws Exception {
        return new OperatorSignatures(OperatorSignatures.parseKeys(SimPki.pem(kp.getPublic()), "test"), time.clock(),
                Duration.ofMinutes(10), new NonceLedger(dir.resolve("nonces.log"), time.clock(), maxNonces,
                        Duration.ofMinutes(11)));
    }

    @Test
    void aFullLedgerSaysLedgerFullNotReplayed() throws Exception {
        KeyPair kp = SimPki.ecKeyPair();
        CommandSigner signer = CommandSigner.fromPem(TestPem.key(kp.getPrivate()), "k");
        OperatorSignatures v = verifier(kp, 2);
        v.verify("call.hangup", "room-1", signer.sign("call.hangup", "room-1", new JsonObject(), time.now().plusSeconds(60), "nonce-0001"));
        v.verify("call.hangup", "room-1", signer.sign("call.hangup", "room-1", new JsonObject(), time.now().plusSeconds(60), "nonce-0002"));
        CommandException e = assertThrows(CommandException.class, () -> v.verify("call.hangup", "room-1",
                signer.sign("call.hangup", "room-1", new JsonObject(), time.now().plusSeconds(60), "nonce-0003")));
        assertEquals(CommandException.Code.RATE_LIMITED, e.code());
        assertTrue(e.getMessage().contains("ledger full"), e.getMessage());
        time.advance(Duration.ofSeconds(120));
        v.verify("call.hangup", "room-1", signer.sign("call.hangup", "room-1", new JsonObject(), time.now().plusSeconds(60), "nonce-0003"));
    }

    @Test
    void nonceWithASpaceOrLineBreakIsABadRequest() throws Exception {
        KeyPair kp = SimPki.ecKeyPair();
        CommandSigner signer = CommandSigner.fromPem(TestPem.key(kp.getPrivate()), "k");
        CommandException e = assertThrows(CommandException.class, () -> verifier(kp).verify("call.hangup", "room-1",
                signer.sign("call.hangup", "room-1", new JsonObject(), time.now().plusSeconds(60), "nonce-1\n9999 x")));
        assertEquals(CommandException.Code.BAD_REQUEST, e.code());
    }

    @Test
    void acceptsJoseStyleRawEcdsaSignaturesAsWellAsDer() throws Exception {
        KeyPair kp = SimPki.ecKeyPair();
        String inner = "{\"cmd\":\"call.hangup\",\"device\":\"room-1\",\"exp\":" + time.now().plusSeconds(60).getEpochSecond()
                + ",\"nonce\":\"nonce-0001\",\"args\":{}}";
        Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
        s.initSign(kp.getPrivate());
        s.update(inner.getBytes(StandardCharsets.UTF_8));
        byte[] raw = s.sign();
        assertEquals(64, raw.length);
        JsonObject env = new JsonObject();
        env.addProperty("signed", Base64.getUrlEncoder().withoutPadding().encodeToString(inner.getBytes(StandardCharsets.UTF_8)));
        env.addProperty("sig", Base64.getUrlEncoder().withoutPadding().encodeToString(raw));
        assertEquals(0, verifier(kp).verify("call.hangup", "room-1", env).args().size());
    }

    @Test
    void aReplayIsRefusedEvenAfterARestart() throws Exception {
        KeyPair kp = SimPki.ecKeyPair();
        CommandSigner signer = CommandSigner.fromPem(TestPem.key(kp.getPrivate()), "k");
        JsonObject env = signer.sign("device.reboot", "room-1", new JsonObject(), time.now().plusSeconds(60), "nonce-1234");
        verifier(kp).verify("device.reboot", "room-1", env);
        CommandException e = assertThrows(CommandException.class, () -> verifier(kp).verify("device.reboot", "room-1", env));
        assertEquals(CommandException.Code.FORBIDDEN, e.code());
    }

    @Test
    void refusesKeysThatAreNeitherP256NorEd25519() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        assertThrows(IllegalArgumentException.class,
                () -> OperatorSignatures.parseKeys(SimPki.pem(rsa.generateKeyPair().getPublic()), "rsa.pub"));
        KeyPairGenerator p384 = KeyPairGenerator.getInstance("EC");
        p384.initialize(new ECGenParameterSpec("secp384r1"));
        assertThrows(IllegalArgumentException.class,
                () -> OperatorSignatures.parseKeys(SimPki.pem(p384.generateKeyPair().getPublic()), "p384.pub"));
        assertEquals(1, OperatorSignatures.parseKeys(SimPki.pem(
                KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic()), "ed.pub").size());
    }
}
