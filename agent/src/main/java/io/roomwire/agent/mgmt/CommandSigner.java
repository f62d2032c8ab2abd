package io.roomwire.agent.mgmt;

import com.google.gson.JsonObject;
import io.roomwire.agent.mgmt.internal.Pem;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.time.Instant;
import java.util.Base64;

/** Signs commands with an operator's private key (ECDSA P-256 or Ed25519); the operator side of {@link OperatorSignatures}. */
public final class CommandSigner {

    private static final SecureRandom RANDOM = new SecureRandom();
    private final PrivateKey key;
    private final String algorithm;

    public CommandSigner(PrivateKey key) {
        this.key = key;
        this.algorithm = OperatorSignatures.algorithm(key);
    }

    /** Reads an unencrypted PEM private key (PKCS#8 or SEC1). */
    public static CommandSigner fromPem(String pem, String source) throws GeneralSecurityException {
        return new CommandSigner(Pem.signingKey(pem, source));
    }

    /** A fresh random nonce (128 bits, base64url). */
    public static String newNonce() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** The signed envelope for {@code cmd} to {@code device} ({@code "*"} for fleet commands). */
    public JsonObject sign(String cmd, String device, JsonObject args, Instant expires, String nonce) {
        JsonObject inner = new JsonObject();
        inner.addProperty("cmd", cmd);
        inner.addProperty("device", device);
        inner.addProperty("exp", expires.getEpochSecond());
        inner.addProperty("nonce", nonce);
        inner.add("args", args == null ? new JsonObject() : args);
        byte[] bytes = inner.toString().getBytes(StandardCharsets.UTF_8);
        return signRaw(bytes);
    }

    /** Signs exact inner bytes (tests use this to build hostile envelopes). */
    public JsonObject signRaw(byte[] inner) {
        try {
            Signature s = Signature.getInstance(algorithm, Pem.provider());
            s.initSign(key);
            s.update(inner);
            JsonObject env = new JsonObject();
            env.addProperty("signed", Base64.getUrlEncoder().withoutPadding().encodeToString(inner));
            env.addProperty("sig", Base64.getUrlEncoder().withoutPadding().encodeToString(s.sign()));
            return env;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with " + algorithm + ": " + e.getMessage(), e);
        }
    }
}
