package io.roomwire.sim.cloud;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The signing key of the simulated Entra: issues RS256 JWTs with Entra-like claims and verifies
 * them for every other simulated service (Graph, MDM), checking signature, issuer, audience and
 * expiry. One instance per simulated tenant; {@link #durable} keeps its key across restarts.
 */
public final class SimTokenAuthority {

    public static final String GRAPH_AUDIENCE = "https://graph.microsoft.com";

    private static final Gson GSON = new Gson();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    /** The {@link CloudState} entry of the signing key. */
    static final String KEY_ENTRY = "entra-signing-key";

    private final KeyPair keys;
    private final String keyId;
    private final String tenantId;
    private final Clock clock;

    public SimTokenAuthority(String tenantId, Clock clock) {
        this(tenantId, clock, newKeys(), UUID.randomUUID().toString());
    }

    private SimTokenAuthority(String tenantId, Clock clock, KeyPair keys, String keyId) {
        this.tenantId = tenantId;
        this.clock = clock;
        this.keys = keys;
        this.keyId = keyId;
    }

    /**
     * The authority whose signing key is kept in {@code state} (a new one is written there first): tokens it signed
     * before a restart still verify after it, as Entra's do.
     */
    public static SimTokenAuthority durable(String tenantId, Clock clock, CloudState state) {
        try {
            Optional<byte[]> kept = state.read(KEY_ENTRY);
            if (kept.isPresent()) {
                JsonObject o = JsonParser.parseString(new String(kept.get(), StandardCharsets.UTF_8)).getAsJsonObject();
                KeyFactory rsa = KeyFactory.getInstance("RSA");
                KeyPair keys = new KeyPair(
                        rsa.generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(o.get("public").getAsString()))),
                        rsa.generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(o.get("private").getAsString()))));
                return new SimTokenAuthority(tenantId, clock, keys, o.get("kid").getAsString());
            }
            SimTokenAuthority fresh = new SimTokenAuthority(tenantId, clock);
            JsonObject o = new JsonObject();
            o.addProperty("kid", fresh.keyId);
            o.addProperty("public", Base64.getEncoder().encodeToString(fresh.keys.getPublic().getEncoded()));
            o.addProperty("private", Base64.getEncoder().encodeToString(fresh.keys.getPrivate().getEncoded()));
            state.write(KEY_ENTRY, () -> o.toString().getBytes(StandardCharsets.UTF_8), true);
            return fresh;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot keep the token-signing key in the cloud's state: " + e.getMessage(), e);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalStateException("The kept token-signing key (" + KEY_ENTRY + ") cannot be read: " + e, e);
        }
    }

    private static KeyPair newKeys() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public String tenantId() {
        return tenantId;
    }

    public Clock clock() {
        return clock;
    }

    /** The v2.0 issuer string, as Entra writes it. */
    public String issuer() {
        return "https://login.microsoftonline.com/" + tenantId + "/v2.0";
    }

    /** Signs a JWT with the given claims plus {@code iss}, {@code tid}, {@code iat}, {@code nbf}, {@code exp}. */
    public String sign(Map<String, Object> claims, Duration lifetime) {
        Instant now = clock.instant();
        JsonObject header = new JsonObject();
        header.addProperty("typ", "JWT");
        header.addProperty("alg", "RS256");
        header.addProperty("kid", keyId);
        JsonObject body = GSON.toJsonTree(claims).getAsJsonObject();
        body.addProperty("iss", issuer());
        body.addProperty("tid", tenantId);
        body.addProperty("iat", now.getEpochSecond());
        body.addProperty("nbf", now.getEpochSecond());
        body.addProperty("exp", now.plus(lifetime).getEpochSecond());
        String signingInput = B64.encodeToString(header.toString().getBytes(StandardCharsets.UTF_8)) + "."
                + B64.encodeToString(body.toString().getBytes(StandardCharsets.UTF_8));
        try {
            Signature s = Signature.getInstance("SHA256withRSA");
            s.initSign(keys.getPrivate());
            s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + B64.encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Verifies a token for {@code audience}: the claims when valid, else empty with the reason in
     * {@code whyNot} (if non-null).
     */
    public Optional<JsonObject> verify(String token, String audience, StringBuilder whyNot) {
        String reason;
        try {
            String[] parts = token.split("\\.");
            if (parts.length != 3) {
                reason = "not a JWT";
            } else {
                Signature s = Signature.getInstance("SHA256withRSA");
                s.initVerify(keys.getPublic());
                s.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
                JsonObject header = JsonParser.parseString(new String(B64D.decode(parts[0]), StandardCharsets.UTF_8)).getAsJsonObject();
                if (!"RS256".equals(header.get("alg").getAsString())) {
                    reason = "alg is not RS256";
                } else if (!s.verify(B64D.decode(parts[2]))) {
                    reason = "bad signature";
                } else {
                    JsonObject c = JsonParser.parseString(new String(B64D.decode(parts[1]), StandardCharsets.UTF_8)).getAsJsonObject();
                    long now = clock.instant().getEpochSecond();
                    if (!issuer().equals(c.get("iss").getAsString())) {
                        reason = "wrong issuer";
                    } else if (!audience.equals(c.get("aud").getAsString())) {
                        reason = "wrong audience " + c.get("aud").getAsString();
                    } else if (c.get("exp").getAsLong() <= now) {
                        reason = "token expired";
                    } else if (c.get("nbf").getAsLong() > now + 300) {
                        reason = "token not yet valid";
                    } else {
                        return Optional.of(c);
                    }
                }
            }
        } catch (RuntimeException | GeneralSecurityException e) {
            reason = "malformed token: " + e.getClass().getSimpleName();
        }
        if (whyNot != null) {
            whyNot.append(reason);
        }
        return Optional.empty();
    }

    /** The JWKS document ({@code keys: [{kty, use, kid, n, e}]}) for the public key. */
    public JsonObject jwks() {
        RSAPublicKey pub = (RSAPublicKey) keys.getPublic();
        JsonObject k = new JsonObject();
        k.addProperty("kty", "RSA");
        k.addProperty("use", "sig");
        k.addProperty("kid", keyId);
        k.addProperty("alg", "RS256");
        k.addProperty("n", B64.encodeToString(unsigned(pub.getModulus())));
        k.addProperty("e", B64.encodeToString(unsigned(pub.getPublicExponent())));
        com.google.gson.JsonArray arr = new com.google.gson.JsonArray();
        arr.add(k);
        JsonObject doc = new JsonObject();
        doc.add("keys", arr);
        return doc;
    }

    private static byte[] unsigned(BigInteger v) {
        byte[] b = v.toByteArray();
        return b.length > 1 && b[0] == 0 ? java.util.Arrays.copyOfRange(b, 1, b.length) : b;
    }
}
