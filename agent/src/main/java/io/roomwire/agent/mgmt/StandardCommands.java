package io.roomwire.agent.mgmt;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.config.ConfigException;
import io.roomwire.agent.config.ConfigProblem;
import io.roomwire.agent.config.Setting;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/** The commands of the topic API that every device answers (docs/mqtt-api.md). */
final class StandardCommands {

    private static final Pattern DTMF = Pattern.compile("[0-9*#A-Da-d]{1,32}");

    private StandardCommands() {
    }

    static void register(ManagementService s) {
        RoomControl room = s.room();
        CommandRegistry r = s.commands();
        r.register("status.get", "the status document", false, false, req -> {
            JsonObject st = s.status(true);
            st.addProperty("uptimeSeconds", Duration.between(Instant.parse(st.get("startedAt").getAsString()),
                    s.scheduler().now()).toSeconds());
            return done(st);
        });
        r.register("config.get", "configuration values, secrets masked", false, false, req -> configGet(room.config(), req));
        r.register("config.set", "change settings atomically; says which need a restart", true, true,
                req -> configSet(s, room, req));
        r.register("call.dial", "dial a URI or a meeting id", true, true, req -> room.dial(req.string("target")));
        r.register("call.hangup", "end the call", true, true, req -> room.hangup());
        r.register("call.dtmf", "send DTMF digits", true, false,
                req -> done(room.dtmf(req.string("digits", DTMF, "1 to 32 of 0-9 * # A-D"))));
        r.register("obtp.list", "meetings and join buttons", false, false, req -> done(room.obtpList()));
        r.register("obtp.explain", "why a meeting has (no) join button", false, false,
                req -> done(room.obtpExplain(req.string("meeting"))));
        r.register("calendar.sync", "synchronise the calendar now", false, true, req -> room.calendarSync());
        r.register("enroll.start", "start enrollment (Entra device code, MDM)", true, true,
                req -> room.enrollStart(req.bool("rekey", false)));
        r.register("logs.get", "last N log lines, scrubbed (chunked when large)", true, false, req -> {
            int n = req.integer("lines", 1, 2000, 200);
            JsonArray lines = new JsonArray();
            s.recentLogs(n).forEach(lines::add);
            JsonObject o = new JsonObject();
            o.addProperty("count", lines.size());
            o.add("lines", lines);
            return done(o);
        });
        r.register("device.reboot", "reboot when idle (or in the maintenance window) unless force", true, false,
                req -> done(s.requestReboot(req.bool("force", false))));
        r.register("selftest", "test every part of the room", false, true, req -> room.selftest());
    }

    private static CompletionStage<JsonElement> done(JsonElement e) {
        return CompletableFuture.completedFuture(e);
    }

    private static CompletionStage<JsonElement> configGet(Config c, CommandRequest req) throws CommandException {
        Map<String, String> all = c.toMaskedMap();
        JsonObject values = new JsonObject();
        Optional<JsonElement> keys = req.get("keys");
        if (keys.isPresent()) {
            if (!keys.get().isJsonArray()) {
                throw CommandException.badRequest("keys", "expected an array of setting keys");
            }
            for (JsonElement k : keys.get().getAsJsonArray()) {
                if (!k.isJsonPrimitive() || !k.getAsJsonPrimitive().isString()) {
                    throw CommandException.badRequest("keys", "expected setting keys as text");
                }
                String key = k.getAsString();
                if (c.setting(key).isEmpty()) {
                    throw CommandException.badRequest("keys", "unknown setting '" + key + "'");
                }
                values.addProperty(key, all.get(key));
            }
        } else {
            all.forEach(values::addProperty);
        }
        JsonObject o = new JsonObject();
        o.add("values", values);
        return done(o);
    }

    private static CompletionStage<JsonElement> configSet(ManagementService s, RoomControl room, CommandRequest req)
            throws CommandException {
        Config current = room.config();
        Map<String, String> changes = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : req.args().entrySet()) {
            String key = e.getKey();
            Optional<Setting<?>> setting = current.setting(key);
            if (setting.isEmpty()) {
                throw CommandException.badRequest(key, "unknown setting (see config.get for the keys)");
            }
            JsonElement v = e.getValue();
            if (v.isJsonNull()) {
                changes.put(key, "");
            } else if (v.isJsonPrimitive()) {
                changes.put(key, v.getAsString());
            } else {
                throw CommandException.badRequest(key, "expected text, a number or a boolean, got " + CommandRequest.kind(v));
            }
        }
        if (changes.isEmpty()) {
            throw CommandException.badRequest("payload", "give at least one setting, e.g. {\"mqtt.telemetry-interval\": \"30s\"}");
        }
        Config next;
        try {
            next = current.with(changes);
        } catch (ConfigException e) {
            List<ConfigProblem> ps = e.problems();
            ConfigProblem p = ps.get(0);
            throw CommandException.badRequest(p.key().isEmpty() ? "payload" : p.key(), p.message()
                    + (ps.size() > 1 ? " (and " + (ps.size() - 1) + " more problems)" : ""));
        }
        try {
            room.applyConfig(next);
        } catch (IOException e) {
            throw new CommandException(CommandException.Code.INTERNAL, "configuration not saved: " + e.getMessage()
                    + "; nothing was changed");
        }
        s.configApplied(next);
        JsonArray changed = new JsonArray();
        JsonArray restart = new JsonArray();
        JsonObject values = new JsonObject();
        Map<String, String> masked = next.toMaskedMap();
        for (String k : changes.keySet()) {
            changed.add(k);
            if (current.setting(k).map(Setting::restart).orElse(true)) {
                restart.add(k);
            }
            values.addProperty(k, masked.getOrDefault(k, ""));
        }
        JsonObject o = new JsonObject();
        o.add("changed", changed);
        o.add("restartRequired", restart);
        o.add("values", values);
        return done(o);
    }
}
