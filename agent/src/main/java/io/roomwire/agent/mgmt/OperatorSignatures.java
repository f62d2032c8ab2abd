package io.roomwire.agent.mgmt;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.roomwire.agent.mgmt.internal.NonceLedger;
import io.roomwire.agent.mgmt.internal.Pem;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * Checks operator signatures on commands (ECDSA P-256 or Ed25519, with the JDK). A signed command
 * is the envelope {@code {"signed": base64url(inner), "sig": base64url(signature over inner)}}, the
 * inner JSON being {@code {"cmd", "device", "exp", "nonce", "args"}}: the signature binds the
 * command name, the target device ({@code "*"} for fleet commands), an expiry (epoch seconds) and a
 * nonce, so a captured command cannot be replayed, redirected or kept for later.
 */
public final class OperatorSignatures {

    /** What a verified envelope carried. */
    public record Verified(JsonObject args, String keyFingerprint) { }

    /** Clock difference tolerated between the operator and the device. */
    public static final Duration SKEW = Duration.ofSeconds(30);

    private final List<PublicKey> keys;
    private final Clock clock;
    private final Duration maxLifetime;
    private final NonceLedger nonces;

    public OperatorSignatures(List<PublicKey> keys, Clock clock, Duration maxLifetime, NonceLedger nonces) {
        this.keys = List.copyOf(keys);
        this.clock = clock;
        this.maxLifetime = maxLifetime;
        this.nonces = nonces;
        for (PublicKey k : keys) {
            algorithm(k);
        }
    }

    /** Reads every public key of the given PEM texts. */
    public static List<PublicKey> parseKeys(String pem, String source) throws GeneralSecurityException {
        List<PublicKey> ks = Pem.publicKeys(pem, source);
        for (PublicKey k : ks) {
            algorithm(k);
        }
        return ks;
    }

    /** Closes the replay ledger's file; a later command opens it again. */
    public void close() {
        nonces.close();
    }

    /** True when operator keys are configured (commands that act or change must then be signed). */
    public boolean enforced() {
        return !keys.isEmpty();
    }

    public static boolean isSigned(JsonObject payload) {
        return payload.has("signed") || payload.has("sig");
    }

    /**
     * Verifies a signed envelope for command {@code cmd} to {@code device}; throws {@code forbidden}
     * for a wrong signature, another command or device, an expired or replayed command.
     */
    public Verified verify(String cmd, String device, JsonObject envelope) throws CommandException {
        String signedText = field(envelope, "signed");
        String sigText = field(envelope, "sig");
        byte[] inner;
        byte[] sig;
        try {
            inner = Base64.getUrlDecoder().decode(signedText.replace('+', '-').replace('/', '_').replace("=", ""));
            sig = Base64.getUrlDecoder().decode(sigText.replace('+', '-').replace('/', '_').replace("=", ""));
        } catch (IllegalArgumentException e) {
            throw CommandException.badRequest("signed", "expected base64url text (" + e.getMessage() + ")");
        }
        if (keys.isEmpty()) {
            throw CommandException.forbidden("command is signed but this device has no operator keys (mqtt.operator-keys)");
        }
        PublicKey by = null;
        for (PublicKey k : keys) {
            if (verifies(k, inner, sig)) {
                by = k;
                break;
            }
        }
        if (by == null) {
            throw CommandException.forbidden("signature does not verify with any operator key in mqtt.operator-keys");
        }
        JsonObject in;
        try {
            JsonElement e = JsonParser.parseString(new String(inner, StandardCharsets.UTF_8));
            if (!e.isJsonObject()) {
                throw CommandException.badRequest("signed", "expected a JSON object inside");
            }
            in = e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw CommandException.badRequest("signed", "not JSON inside");
        }
        String innerCmd = innerString(in, "cmd");
        String innerDevice = innerString(in, "device");
        String nonce = innerString(in, "nonce");
        if (!innerCmd.equals(cmd)) {
            throw CommandException.forbidden("signed for command '" + innerCmd + "', not '" + cmd + "'");
        }
        if (!innerDevice.equals(device)) {
            throw CommandException.forbidden("signed for device '" + innerDevice + "', not '" + device + "'");
        }
        if (!in.has("exp") || !in.get("exp").isJsonPrimitive() || !in.get("exp").getAsJsonPrimitive().isNumber()) {
            throw CommandException.badRequest("signed.exp", "expected the expiry as epoch seconds");
        }
        Instant exp = Instant.ofEpochSecond(in.get("exp").getAsLong());
        Instant now = clock.instant();
        if (exp.plus(SKEW).isBefore(now)) {
            throw CommandException.forbidden("command expired at " + exp + " (device time " + now + ")");
        }
        if (exp.isAfter(now.plus(maxLifetime).plus(SKEW))) {
            throw CommandException.forbidden("command expiry " + exp + " is further away than mqtt.signature-max-lifetime ("
                    + maxLifetime + ")");
        }
        if (!NonceLedger.NONCE.matcher(nonce).matches()) {
            throw CommandException.badRequest("signed.nonce", "expected 8 to 128 printable ASCII characters without spaces");
        }
        NonceLedger.Claim claim;
        try {
            claim = nonces.claim(nonce, exp.plus(SKEW));
        } catch (NonceLedger.UnavailableException e) {
            throw new CommandException(CommandException.Code.INTERNAL, e.getMessage());
        }
        if (claim == NonceLedger.Claim.REPLAYED) {
            throw CommandException.forbidden("replayed command (nonce already used)");
        }
        if (claim == NonceLedger.Claim.FULL) {
            throw new CommandException(CommandException.Code.RATE_LIMITED, "replay ledger full (too many unexpired "
                    + "signed commands); sign with shorter expiries or retry when earlier ones have expired");
        }
        JsonElement a = in.get("args");
        if (a != null && !a.isJsonNull() && !a.isJsonObject()) {
            throw CommandException.badRequest("signed.args", "expected a JSON object");
        }
        return new Verified(a == null || a.isJsonNull() ? new JsonObject() : a.getAsJsonObject(), fingerprint(by));
    }

    private static String field(JsonObject o, String name) throws CommandException {
        JsonElement e = o.get(name);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw CommandException.badRequest(name, "a signed command needs '" + name + "' as base64url text");
        }
        return e.getAsString();
    }

    private static String innerString(JsonObject o, String name) throws CommandException {
        JsonElement e = o.get(name);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw CommandException.badRequest("signed." + name, "expected text");
        }
        return e.getAsString();
    }

    private static boolean verifies(PublicKey k, byte[] data, byte[] sig) {
        try {
            String alg = algorithm(k);
            boolean plain = alg.equals("SHA256withECDSA") && sig.length == 64; // r||s (JOSE style) as well as DER
            // The JDK verifies the keys Pem reads with the JDK; BouncyCastle only the keys it read itself (SEC1 PEM).
            Signature s = k.getClass().getName().startsWith("org.bouncycastle.")
                    ? Signature.getInstance(plain ? "SHA256withPLAIN-ECDSA" : alg, Pem.provider())
                    : Signature.getInstance(plain ? "SHA256withECDSAinP1363Format" : alg);
            s.initVerify(k);
            s.update(data);
            return s.verify(sig);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    /** The signature algorithm for a key; only P-256 and Ed25519 are accepted. */
    static String algorithm(java.security.Key k) {
        String a = k.getAlgorithm();
        if (a.equals("Ed25519")) {
            return "Ed25519";
        }
        if (a.equals("EdDSA") && k instanceof java.security.interfaces.EdECKey ek) { // the JDK's name for its EdDSA keys
            if (!ek.getParams().getName().equalsIgnoreCase("Ed25519")) {
                throw new IllegalArgumentException("operator EdDSA keys must be Ed25519, got " + ek.getParams().getName());
            }
            return "Ed25519";
        }
        if (a.equals("EC") || a.equals("ECDSA")) {
            if (k instanceof ECPublicKey ek && ek.getParams().getCurve().getField().getFieldSize() != 256) {
                throw new IllegalArgumentException("operator EC keys must be P-256");
            }
            if (k instanceof java.security.interfaces.ECPrivateKey ek && ek.getParams().getCurve().getField().getFieldSize() != 256) {
                throw new IllegalArgumentException("operator EC keys must be P-256");
            }
            return "SHA256withECDSA";
        }
        throw new IllegalArgumentException("operator keys must be ECDSA P-256 or Ed25519, got " + a);
    }

    /** SHA-256 of the encoded public key, first 16 hex digits: names a key in logs and replies. */
    public static String fingerprint(PublicKey k) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(k.getEncoded()), 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
