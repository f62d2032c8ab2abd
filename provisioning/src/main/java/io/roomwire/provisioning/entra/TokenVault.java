package io.roomwire.provisioning.entra;

import io.roomwire.core.net.JsonNestingLimit;
import com.google.gson.JsonObject;
import io.roomwire.core.store.CorruptStateException;
import io.roomwire.core.store.FileStore;
import io.roomwire.provisioning.Account;
import io.roomwire.provisioning.identity.AtRestCipher;
import io.roomwire.provisioning.identity.DeviceIdentity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Optional;
import javax.crypto.Cipher;
import org.tinylog.Logger;

/**
 * Tokens at rest: AES-256-GCM ({@link AtRestCipher}) under a key derived from this device's private
 * key (so a copy of the file on another device is useless), in a 0600 {@link FileStore} entry written atomically.
 * A file that fails its checksum, cannot be decrypted, or does not parse is moved aside and
 * reported; the caller then enrolls again.
 *
 * <p>Layout of the payload: {@code RWTV} magic, version byte 1, 12-byte nonce, ciphertext + tag;
 * the entry name is the associated data.
 */
public final class TokenVault {

    public static final String ENTRY = "entra-tokens";
    static final String KEY_PURPOSE = "roomwire/entra-token-vault/v1";

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    /** The stored tokens cannot be used; they have been moved aside to {@link #movedTo()} when possible. */
    public static final class VaultException extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient Optional<Path> movedTo;

        VaultException(String message, Optional<Path> movedTo, Throwable cause) {
            super(message, cause);
            this.movedTo = movedTo;
        }

        public Optional<Path> movedTo() {
            return movedTo;
        }
    }

    private final FileStore store;
    private final Clock clock;
    private final AtRestCipher cipher;

    public TokenVault(FileStore store, DeviceIdentity identity, Clock clock) {
        this.store = store;
        this.clock = clock;
        this.cipher = AtRestCipher.of(identity, KEY_PURPOSE, "RWTV");
    }

    /** Writes {@code tokens} atomically (readers see the old or the new set, never a mix). */
    public void save(TokenSet tokens) throws IOException {
        JsonObject o = new JsonObject();
        o.addProperty("v", 1);
        o.addProperty("access_token", tokens.accessToken());
        o.addProperty("refresh_token", tokens.refreshToken());
        o.addProperty("issued_at", tokens.issuedAt().toString());
        o.addProperty("expires_at", tokens.expiresAt().toString());
        o.addProperty("scope", tokens.scope());
        o.addProperty("upn", tokens.account().upn());
        o.addProperty("tid", tokens.account().tenantId());
        o.addProperty("oid", tokens.account().objectId());
        o.addProperty("name", tokens.account().displayName());
        o.addProperty("client_id", tokens.clientId());
        o.addProperty("tenant", tokens.tenant());
        byte[] plain = o.toString().getBytes(StandardCharsets.UTF_8);
        try {
            store.write(ENTRY, cipher.seal(ENTRY, plain), FileStore.Sensitivity.SECRET);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    /** The stored tokens; empty when none were ever stored (or they were deleted). */
    public Optional<TokenSet> load() throws VaultException {
        byte[] raw;
        try {
            Optional<byte[]> r = store.read(ENTRY);
            if (r.isEmpty()) {
                return Optional.empty();
            }
            raw = r.get();
        } catch (CorruptStateException e) {
            throw new VaultException("Stored Entra tokens failed their checksum and were moved aside to " + e.movedTo(),
                    Optional.ofNullable(e.movedTo()), e);
        } catch (IOException e) {
            throw new VaultException("Cannot read stored Entra tokens " + store.pathOf(ENTRY) + ": " + e.getMessage(),
                    Optional.empty(), e);
        }
        byte[] plain;
        try {
            plain = cipher.open(ENTRY, raw);
        } catch (AtRestCipher.OpenException e) {
            throw unusable(e.failure() == AtRestCipher.Failure.NOT_SEALED ? "is not a Roomwire token vault (unknown format or version)"
                    : e.getMessage(), e);
        }
        try {
            JsonObject o = JsonNestingLimit.parseObject(new String(plain, StandardCharsets.UTF_8));
            Account a = new Account(o.get("upn").getAsString(), o.get("tid").getAsString(), o.get("oid").getAsString(),
                    o.get("name").getAsString());
            return Optional.of(new TokenSet(o.get("access_token").getAsString(), o.get("refresh_token").getAsString(),
                    Instant.parse(o.get("issued_at").getAsString()), Instant.parse(o.get("expires_at").getAsString()),
                    o.get("scope").getAsString(), a, o.get("client_id").getAsString(), o.get("tenant").getAsString()));
        } catch (RuntimeException e) {
            throw unusable("does not hold a valid token set", e);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    /** Removes the stored tokens (sign-out, or after Entra refused the refresh token). */
    public void delete() throws IOException {
        store.delete(ENTRY);
    }

    private VaultException unusable(String why, Throwable cause) {
        Path p = store.pathOf(ENTRY);
        Path aside = p.resolveSibling(ENTRY + ".unusable-" + STAMP.format(clock.instant()));
        Optional<Path> moved;
        try {
            Files.move(p, aside, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            moved = Optional.of(aside);
        } catch (IOException e) {
            Logger.warn("Cannot move unusable token file {} aside: {}", p, e.getMessage());
            moved = Optional.empty();
        }
        return new VaultException("Stored Entra tokens " + p + " " + why + moved.map(m -> "; moved aside to " + m).orElse(""),
                moved, cause);
    }
}
