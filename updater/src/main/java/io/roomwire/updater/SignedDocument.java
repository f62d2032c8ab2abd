package io.roomwire.updater;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A body and its signatures: {@code {"signed": base64(body), "signatures": [{"keyid", "sig"}]}}.
 * The body travels as the exact bytes that were signed, so no canonical JSON is needed (TUF 4.2 needs one
 * because it signs a parsed object).
 */
public record SignedDocument(byte[] body, Map<String, byte[]> signatures) {

    public SignedDocument {
        signatures = Map.copyOf(signatures);
    }

    public static SignedDocument sign(byte[] body, List<PrivateKey> keys, List<String> keyIds) {
        Map<String, byte[]> sigs = new LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            sigs.put(keyIds.get(i), Ed25519Keys.sign(keys.get(i), body));
        }
        return new SignedDocument(body, sigs);
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("signed", Base64.getEncoder().encodeToString(body));
        JsonArray sigs = new JsonArray();
        signatures.forEach((id, sig) -> {
            JsonObject s = new JsonObject();
            s.addProperty("keyid", id);
            s.addProperty("sig", Base64.getEncoder().encodeToString(sig));
            sigs.add(s);
        });
        o.add("signatures", sigs);
        return o;
    }

    public byte[] toBytes() {
        return toJson().toString().getBytes(StandardCharsets.UTF_8);
    }

    public static SignedDocument parse(JsonObject o) throws UpdateRefused {
        try {
            byte[] body = Base64.getDecoder().decode(o.get("signed").getAsString());
            Map<String, byte[]> sigs = new LinkedHashMap<>();
            for (var e : o.getAsJsonArray("signatures")) {
                JsonObject s = e.getAsJsonObject();
                sigs.put(s.get("keyid").getAsString(), Base64.getDecoder().decode(s.get("sig").getAsString()));
            }
            return new SignedDocument(body, sigs);
        } catch (RuntimeException e) {
            throw new UpdateRefused(UpdateRefused.Reason.BAD_FORMAT,
                    "signed document is malformed (" + e.getMessage() + "): expected {signed, signatures[{keyid, sig}]}", e);
        }
    }

    public static SignedDocument parse(byte[] json) throws UpdateRefused {
        try {
            return parse(JsonParser.parseString(new String(json, StandardCharsets.UTF_8)).getAsJsonObject());
        } catch (UpdateRefused e) {
            throw e;
        } catch (RuntimeException e) {
            throw new UpdateRefused(UpdateRefused.Reason.BAD_FORMAT, "signed document is not JSON: " + e.getMessage(), e);
        }
    }

    List<String> keyIds() {
        return new ArrayList<>(signatures.keySet());
    }
}
