package io.roomwire.provisioning.entra;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.roomwire.provisioning.Account;
import io.roomwire.provisioning.entra.internal.Jwt;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The tokens the device holds: access token with its lifetime, the (rotating) refresh token, and
 * the account from the id token. {@link #toString()} never shows a token.
 *
 * @param issuedAt when the access token was received (local clock), start of its lifetime
 */
public record TokenSet(String accessToken, String refreshToken, Instant issuedAt, Instant expiresAt, String scope,
                       Account account, String clientId, String tenant) {

    public TokenSet {
        Objects.requireNonNull(accessToken, "accessToken");
        Objects.requireNonNull(refreshToken, "refreshToken");
        Objects.requireNonNull(issuedAt, "issuedAt");
        Objects.requireNonNull(expiresAt, "expiresAt");
        Objects.requireNonNull(account, "account");
        scope = scope == null ? "" : scope;
    }

    public Duration lifetime() {
        return Duration.between(issuedAt, expiresAt);
    }

    public boolean accessTokenValidAt(Instant now) {
        return now.isBefore(expiresAt);
    }

    /**
     * Builds the set from a successful token response. A response without {@code refresh_token}
     * or {@code id_token} keeps those of {@code previous}; without any refresh token the device
     * could not stay signed in, which is an error naming {@code entra.scopes}.
     */
    public static TokenSet fromResponse(JsonObject r, Instant now, EntraConfig config, Optional<TokenSet> previous) {
        String access = str(r, "access_token").orElseThrow(() -> new IllegalArgumentException(
                "token response has no access_token"));
        String refresh = str(r, "refresh_token").or(() -> previous.map(TokenSet::refreshToken))
                .orElseThrow(() -> new IllegalArgumentException("Entra issued no refresh token: add offline_access to "
                        + EntraConfig.KEY_SCOPES));
        long expiresIn = str(r, "expires_in").map(Long::parseLong).orElse(3599L);
        if (expiresIn <= 0) {
            throw new IllegalArgumentException("token response has expires_in " + expiresIn);
        }
        Optional<JsonObject> id = str(r, "id_token").flatMap(Jwt::claims);
        Account account = id.map(c -> new Account(
                        Jwt.string(c, "preferred_username").or(() -> Jwt.string(c, "upn")).orElse(""),
                        Jwt.string(c, "tid").orElse(""),
                        Jwt.string(c, "oid").orElse(""),
                        Jwt.string(c, "name").orElse("")))
                .or(() -> previous.map(TokenSet::account))
                .orElseThrow(() -> new IllegalArgumentException("Entra issued no id token: the scopes must include openid"));
        return new TokenSet(access, refresh, now, now.plusSeconds(expiresIn), str(r, "scope").orElse(""), account,
                config.clientId(), config.tenant());
    }

    private static Optional<String> str(JsonObject o, String k) {
        JsonElement e = o.get(k);
        return e == null || e.isJsonNull() || !e.isJsonPrimitive() ? Optional.empty() : Optional.of(e.getAsString());
    }

    @Override
    public String toString() {
        return "TokenSet[" + account + ", expires " + expiresAt + ", scope " + scope + "]";
    }
}
