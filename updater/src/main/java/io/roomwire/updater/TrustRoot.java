package io.roomwire.updater;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.roomwire.updater.UpdateRefused.Reason;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The keys a device trusts, TUF-style (theupdateframework.io specification, 5.3): root keys sign the next
 * root, update keys sign bundles, each with a threshold; revoked ids are refused by name. A root is only
 * replaced by version N+1 signed by a threshold of both N's and N+1's root keys (5.3.4), never rolled back. Past
 * {@code expires} a root signs no bundle; it may still sign its successor (5.3.10, {@link BundleVerifier#checkHeader}).
 */
public record TrustRoot(int version, Instant expires, Map<String, PublicKey> keys, Set<String> rootKeys, int rootThreshold,
                        Set<String> updateKeys, int updateThreshold, Set<String> revoked) {

    public TrustRoot {
        keys = Map.copyOf(keys);
        rootKeys = Set.copyOf(rootKeys);
        updateKeys = Set.copyOf(updateKeys);
        revoked = Set.copyOf(revoked);
        if (rootThreshold < 1 || updateThreshold < 1) {
            throw new IllegalArgumentException("thresholds must be at least 1");
        }
    }

    public byte[] toBody() {
        JsonObject o = new JsonObject();
        o.addProperty("type", "roomwire-root");
        o.addProperty("version", version);
        o.addProperty("expires", expires.toString());
        JsonObject k = new JsonObject();
        keys.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> k.addProperty(e.getKey(), Ed25519Keys.encodePublic(e.getValue())));
        o.add("keys", k);
        o.add("root", role(rootKeys, rootThreshold));
        o.add("updates", role(updateKeys, updateThreshold));
        JsonArray r = new JsonArray();
        revoked.stream().sorted().forEach(r::add);
        o.add("revoked", r);
        return o.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static JsonObject role(Set<String> ids, int threshold) {
        JsonObject o = new JsonObject();
        JsonArray a = new JsonArray();
        ids.stream().sorted().forEach(a::add);
        o.add("keyids", a);
        o.addProperty("threshold", threshold);
        return o;
    }

    public static TrustRoot parse(byte[] body) throws UpdateRefused {
        try {
            JsonObject o = JsonParser.parseString(new String(body, StandardCharsets.UTF_8)).getAsJsonObject();
            if (!"roomwire-root".equals(o.get("type").getAsString())) {
                throw new IllegalArgumentException("type is not roomwire-root");
            }
            Map<String, PublicKey> keys = new LinkedHashMap<>();
            for (var e : o.getAsJsonObject("keys").entrySet()) {
                PublicKey key = Ed25519Keys.decodePublic(e.getValue().getAsString());
                if (!Ed25519Keys.keyId(key).equals(e.getKey())) {
                    throw new IllegalArgumentException("key id " + e.getKey() + " does not match its key");
                }
                keys.put(e.getKey(), key);
            }
            Set<String> revoked = new LinkedHashSet<>();
            o.getAsJsonArray("revoked").forEach(e -> revoked.add(e.getAsString()));
            return new TrustRoot(o.get("version").getAsInt(), Instant.parse(o.get("expires").getAsString()), keys,
                    ids(o.getAsJsonObject("root")), o.getAsJsonObject("root").get("threshold").getAsInt(),
                    ids(o.getAsJsonObject("updates")), o.getAsJsonObject("updates").get("threshold").getAsInt(), revoked);
        } catch (RuntimeException e) {
            throw new UpdateRefused(Reason.BAD_FORMAT, "trust root is malformed: " + e.getMessage(), e);
        }
    }

    private static Set<String> ids(JsonObject role) {
        Set<String> ids = new LinkedHashSet<>();
        role.getAsJsonArray("keyids").forEach(e -> ids.add(e.getAsString()));
        return ids;
    }

    /** Checks that a threshold of the update keys signed {@code doc}; the reason names the first problem found. */
    public void checkUpdateSignatures(SignedDocument doc, String what) throws UpdateRefused {
        checkThreshold(doc, updateKeys, updateThreshold, what);
    }

    public void checkRootSignatures(SignedDocument doc, String what) throws UpdateRefused {
        checkThreshold(doc, rootKeys, rootThreshold, what);
    }

    private void checkThreshold(SignedDocument doc, Set<String> role, int threshold, String what) throws UpdateRefused {
        int valid = 0;
        String revokedId = null;
        String unknownId = null;
        String badId = null;
        for (var e : doc.signatures().entrySet()) {
            String id = e.getKey();
            if (revoked.contains(id)) {
                revokedId = id;
            } else if (!role.contains(id) || !keys.containsKey(id)) {
                unknownId = id;
            } else if (Ed25519Keys.verify(keys.get(id), doc.body(), e.getValue())) {
                valid++;
            } else {
                badId = id;
            }
        }
        if (valid >= threshold) {
            return;
        }
        String need = what + " has " + valid + " valid signature(s) of the " + threshold + " needed (trust root v" + version + ")";
        if (revokedId != null) {
            throw new UpdateRefused(Reason.REVOKED_KEY, need + ": key " + revokedId + " is revoked; re-sign with a current key");
        }
        if (badId != null) {
            throw new UpdateRefused(Reason.BAD_SIGNATURE, need + ": the signature of key " + badId + " does not match; the file was altered or signed wrongly");
        }
        if (unknownId != null) {
            throw new UpdateRefused(Reason.UNKNOWN_KEY, need + ": key " + unknownId + " is not trusted here; send the rotated trust root first");
        }
        throw new UpdateRefused(Reason.BAD_SIGNATURE, need + ": it carries no signature");
    }
}
