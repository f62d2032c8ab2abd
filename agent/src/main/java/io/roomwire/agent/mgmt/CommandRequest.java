package io.roomwire.agent.mgmt;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One command as a handler sees it: its name, its arguments (already size-checked, parsed and,
 * when signed, verified) and who signed it. The typed getters answer {@code bad_request} naming
 * the field.
 *
 * @param fleet   true when it came on {@code roomwire/v1/fleet/cmd/...}
 * @param signedBy fingerprint of the operator key that signed it, when signed
 */
public record CommandRequest(String name, JsonObject args, boolean fleet, Optional<String> signedBy) {

    public CommandRequest {
        args = args == null ? new JsonObject() : args;
    }

    public Optional<JsonElement> get(String field) {
        JsonElement e = args.get(field);
        return e == null || e.isJsonNull() ? Optional.empty() : Optional.of(e);
    }

    public String string(String field) throws CommandException {
        return optString(field).orElseThrow(() -> CommandException.badRequest(field, "required text value missing"));
    }

    public Optional<String> optString(String field) throws CommandException {
        Optional<JsonElement> e = get(field);
        if (e.isEmpty()) {
            return Optional.empty();
        }
        if (!e.get().isJsonPrimitive() || !e.get().getAsJsonPrimitive().isString()) {
            throw CommandException.badRequest(field, "expected a string, got " + kind(e.get()));
        }
        return Optional.of(e.get().getAsString());
    }

    public String string(String field, Pattern allowed, String what) throws CommandException {
        String s = string(field);
        if (!allowed.matcher(s).matches()) {
            throw CommandException.badRequest(field, "expected " + what);
        }
        return s;
    }

    public int integer(String field, int min, int max, int defaultValue) throws CommandException {
        Optional<JsonElement> e = get(field);
        if (e.isEmpty()) {
            return defaultValue;
        }
        JsonElement v = e.get();
        if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
            throw CommandException.badRequest(field, "expected a whole number " + min + ".." + max + ", got " + kind(v));
        }
        double d = v.getAsDouble();
        if (d != Math.rint(d) || d < min || d > max) {
            throw CommandException.badRequest(field, "expected a whole number " + min + ".." + max + ", got " + v);
        }
        return (int) d;
    }

    public boolean bool(String field, boolean defaultValue) throws CommandException {
        Optional<JsonElement> e = get(field);
        if (e.isEmpty()) {
            return defaultValue;
        }
        if (!e.get().isJsonPrimitive() || !e.get().getAsJsonPrimitive().isBoolean()) {
            throw CommandException.badRequest(field, "expected true or false, got " + kind(e.get()));
        }
        return e.get().getAsBoolean();
    }

    static String kind(JsonElement e) {
        if (e.isJsonObject()) {
            return "an object";
        }
        if (e.isJsonArray()) {
            return "an array";
        }
        if (e.isJsonNull()) {
            return "null";
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        return p.isBoolean() ? "a boolean" : p.isNumber() ? "a number" : "a string";
    }
}
