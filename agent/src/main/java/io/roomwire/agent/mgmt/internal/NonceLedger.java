package io.roomwire.agent.mgmt.internal;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.roomwire.core.store.CorruptStateException;
import io.roomwire.core.store.FileStore;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.tinylog.Logger;

/**
 * Nonces of signed commands seen until their expiry, kept on disk so that a restart does not
 * open a replay window. Bounded: expired nonces are forgotten; beyond {@code max} live ones,
 * new commands are refused (the signer should use shorter expiries).
 */
public final class NonceLedger {

    private static final String ENTRY = "mgmt-nonces.json";

    private final FileStore store;
    private final Clock clock;
    private final int max;
    private final Map<String, Instant> seen = new HashMap<>();

    public NonceLedger(FileStore store, Clock clock, int max) {
        this.store = store;
        this.clock = clock;
        this.max = max;
        try {
            store.readString(ENTRY).ifPresent(t -> {
                JsonObject o = JsonParser.parseString(t).getAsJsonObject();
                o.entrySet().forEach(e -> seen.put(e.getKey(), Instant.ofEpochSecond(e.getValue().getAsLong())));
            });
        } catch (CorruptStateException | IOException | RuntimeException e) {
            Logger.warn("Seen-nonce list unreadable ({}); starting empty", e.getMessage());
        }
    }

    /** Records {@code nonce} until {@code until}; false when it was already used (a replay) or the ledger is full. */
    public synchronized boolean claim(String nonce, Instant until) {
        Instant now = clock.instant();
        for (Iterator<Instant> it = seen.values().iterator(); it.hasNext(); ) {
            if (it.next().isBefore(now)) {
                it.remove();
            }
        }
        if (seen.containsKey(nonce) || seen.size() >= max) {
            return false;
        }
        seen.put(nonce, until);
        JsonObject o = new JsonObject();
        seen.forEach((k, v) -> o.addProperty(k, v.getEpochSecond()));
        try {
            store.writeString(ENTRY, o.toString(), FileStore.Sensitivity.PLAIN);
        } catch (IOException e) {
            Logger.warn("Cannot persist seen nonces in {}: {}", store.dir(), e.getMessage());
        }
        return true;
    }
}
