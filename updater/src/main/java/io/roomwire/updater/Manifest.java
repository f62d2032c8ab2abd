package io.roomwire.updater;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.roomwire.updater.UpdateRefused.Reason;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** What a bundle claims about its payload; only trusted once its signatures check ({@link BundleVerifier}). */
public record Manifest(String version, String model, String arch, String minimumVersion, boolean allowDowngrade,
                       long payloadSize, String payloadSha256, Instant created, Instant expires, List<String> keyIds) {

    public Manifest {
        keyIds = List.copyOf(keyIds);
        if (!payloadSha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("payloadSha256 must be 64 lower-case hex digits");
        }
    }

    public byte[] toBody() {
        JsonObject o = new JsonObject();
        o.addProperty("type", "roomwire-update");
        o.addProperty("version", version);
        o.addProperty("model", model);
        o.addProperty("arch", arch);
        o.addProperty("minimumVersion", minimumVersion);
        o.addProperty("allowDowngrade", allowDowngrade);
        o.addProperty("payloadSize", payloadSize);
        o.addProperty("payloadSha256", payloadSha256);
        o.addProperty("created", created.toString());
        o.addProperty("expires", expires.toString());
        JsonArray ids = new JsonArray();
        keyIds.forEach(ids::add);
        o.add("keyIds", ids);
        return o.toString().getBytes(StandardCharsets.UTF_8);
    }

    public static Manifest parse(byte[] body) throws UpdateRefused {
        try {
            JsonObject o = JsonParser.parseString(new String(body, StandardCharsets.UTF_8)).getAsJsonObject();
            if (!"roomwire-update".equals(o.get("type").getAsString())) {
                throw new IllegalArgumentException("type is not roomwire-update");
            }
            List<String> ids = new ArrayList<>();
            o.getAsJsonArray("keyIds").forEach(e -> ids.add(e.getAsString()));
            return new Manifest(o.get("version").getAsString(), o.get("model").getAsString(), o.get("arch").getAsString(),
                    o.get("minimumVersion").getAsString(), o.get("allowDowngrade").getAsBoolean(), o.get("payloadSize").getAsLong(),
                    o.get("payloadSha256").getAsString(), Instant.parse(o.get("created").getAsString()),
                    Instant.parse(o.get("expires").getAsString()), ids);
        } catch (RuntimeException e) {
            throw new UpdateRefused(Reason.BAD_FORMAT, "update manifest is malformed: " + e.getMessage(), e);
        }
    }

    /** Compares dotted numeric versions ({@code 1.10.0 > 1.9.3}); a non-numeric part compares as text. */
    public static int compareVersions(String a, String b) {
        String[] x = a.split("[.-]");
        String[] y = b.split("[.-]");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            String p = i < x.length ? x[i] : "0";
            String q = i < y.length ? y[i] : "0";
            int c = p.matches("\\d{1,18}") && q.matches("\\d{1,18}") ? Long.compare(Long.parseLong(p), Long.parseLong(q)) : p.compareTo(q);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }
}
