package io.roomwire.provisioning.entra.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An OAuth error answer as Entra writes it: {@code error}, {@code error_description} (first line
 * "AADSTSnnnn: text", then trace and correlation ids), {@code error_codes}, {@code suberror}.
 */
public record OAuthError(String error, String description, List<Integer> codes, Optional<String> suberror,
                         Optional<String> correlationId) {

    private static final Pattern AADSTS = Pattern.compile("AADSTS(\\d+)");

    public static OAuthError from(JsonObject o) {
        String error = str(o, "error").orElse("unknown_error");
        String desc = str(o, "error_description").orElse("");
        List<Integer> codes = new ArrayList<>();
        JsonElement c = o.get("error_codes");
        if (c != null && c.isJsonArray()) {
            c.getAsJsonArray().forEach(e -> {
                try {
                    codes.add(e.getAsInt());
                } catch (RuntimeException ignored) {
                    // not a number: ignore
                }
            });
        }
        if (codes.isEmpty()) {
            Matcher m = AADSTS.matcher(desc);
            if (m.find()) {
                codes.add(Integer.parseInt(m.group(1)));
            }
        }
        return new OAuthError(error, desc, List.copyOf(codes), str(o, "suberror"), str(o, "correlation_id"));
    }

    private static Optional<String> str(JsonObject o, String k) {
        JsonElement e = o.get(k);
        return e == null || e.isJsonNull() || !e.isJsonPrimitive() ? Optional.empty() : Optional.of(e.getAsString());
    }

    public boolean hasCode(int aadsts) {
        return codes.contains(aadsts);
    }

    /** The description's first line ("AADSTS53000: Device is not ..."), without trace/correlation lines. */
    public String firstLine() {
        int i = description.indexOf('\r');
        int j = description.indexOf('\n');
        int cut = i < 0 ? j : (j < 0 ? i : Math.min(i, j));
        return (cut < 0 ? description : description.substring(0, cut)).trim();
    }

    /** "error (AADSTSnnnn)" for logs. */
    public String summary() {
        return error + (codes.isEmpty() ? "" : " (AADSTS" + codes.get(0) + ")")
                + correlationId.map(c -> " correlation " + c).orElse("");
    }
}
