package io.roomwire.agent.mgmt;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.roomwire.agent.config.AgentSettings;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.config.ConfigException;
import io.roomwire.agent.config.ConfigProblem;
import io.roomwire.agent.config.Setting;
import io.roomwire.agent.diag.DiagnosticsBundle;
import io.roomwire.agent.mgmt.CommandRegistry.Access;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
        r.register("status.get", "the status document", Access.READ, false, req -> {
            JsonObject st = s.status(true);
            st.addProperty("uptimeSeconds", Duration.between(Instant.parse(st.get("startedAt").getAsString()),
                    s.scheduler().now()).toSeconds());
            return done(st);
        });
        r.register("config.get", "configuration values, secrets masked", Access.READ, false,
                req -> configGet(room.config(), req));
        r.register("config.set", "change settings atomically; says which need a restart", Access.CHANGE, true,
                req -> configSet(room, req));
        r.register("call.dial", "dial a URI or a meeting id", Access.CHANGE, true, req -> dial(room, req));
        r.register("call.hangup", "end the call", Access.CHANGE, true, req -> room.hangup());
        r.register("call.dtmf", "send DTMF digits", Access.CHANGE, false,
                req -> done(room.dtmf(req.string("digits", DTMF, "1 to 32 of 0-9 * # A-D"))));
        r.register("obtp.list", "meetings and join buttons", Access.READ, false,
                req -> done(s.hidesTitlesFrom(req) ? ManagementService.redacted(room.obtpList()) : room.obtpList()));
        r.register("obtp.explain", "why a meeting has (no) join button, with its join targets", Access.ACT, false,
                req -> done(room.obtpExplain(req.string("meeting"))));
        r.register("calendar.sync", "synchronise the calendar now", Access.ACT, true, req -> room.calendarSync());
        r.register("enroll.start", "start enrollment (Entra device code, MDM)", Access.CHANGE, true,
                req -> room.enrollStart(req.bool("rekey", false)));
        r.register("logs.get", "last N log lines, scrubbed (chunked when large)", Access.ACT, false, req -> {
            int n = req.integer("lines", 1, 2000, 200);
            JsonArray lines = new JsonArray();
            s.recentLogs(n).forEach(lines::add);
            JsonObject o = new JsonObject();
            o.addProperty("count", lines.size());
            o.add("lines", lines);
            return done(o);
        });
        r.register("device.reboot", "reboot when idle (or in the maintenance window) unless force", Access.CHANGE, false,
                req -> done(s.requestReboot(req.bool("force", false))));
        r.register("selftest", "test every part of the room", Access.ACT, true, req -> room.selftest());
        // act: the bundle reveals more than the status (logs, network, peripherals), like logs.get.
        r.register("diagnostics.collect", "a support bundle (zip): version, masked config, health, logs, peripherals, "
                + "network, last call", Access.ACT, true, req -> done(diagnostics(s, room)));
    }

    /**
     * Signed: any target the room accepts. Unsigned (only with mqtt.allow-unsigned): a meeting or
     * button of obtp.list, never an arbitrary URI, so a publisher cannot send the room's camera
     * and microphone anywhere.
     */
    private static CompletionStage<JsonElement> dial(RoomControl room, CommandRequest req) throws CommandException {
        String target = req.string("target");
        if (req.signedBy().isEmpty() && !scheduledTargets(room.obtpList()).contains(target)) {
            throw CommandException.forbidden("an unsigned call.dial may only join a meeting of obtp.list (its meeting "
                    + "or button id); sign it with an operator key (mqtt.operator-keys) to dial other targets");
        }
        return room.dial(target);
    }

    /** The meeting and button ids of obtp.list items that have a join button (a list, or {"meetings": [...]}). */
    private static Set<String> scheduledTargets(JsonElement list) {
        Set<String> ids = new HashSet<>();
        if (list != null && list.isJsonObject() && list.getAsJsonObject().has("meetings")) {
            list = list.getAsJsonObject().get("meetings");
        }
        if (list != null && list.isJsonArray()) {
            for (JsonElement e : list.getAsJsonArray()) {
                if (!e.isJsonObject()) {
                    continue;
                }
                JsonObject item = e.getAsJsonObject();
                JsonElement button = item.get("button");
                if (button == null || !button.isJsonObject()) {
                    continue; // no join button: nothing the room would join by itself
                }
                text(item, "meeting").ifPresent(ids::add);
                text(button.getAsJsonObject(), "id").ifPresent(ids::add);
                text(button.getAsJsonObject(), "meeting").ifPresent(ids::add);
            }
        }
        return ids;
    }

    private static Optional<String> text(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e != null && e.isJsonPrimitive() ? Optional.of(e.getAsString()) : Optional.empty();
    }

    /** Piece size of the bundle's base64 in the reply: the chunked reply splits the {@code data} array. */
    static final int DIAGNOSTICS_PIECE = 16 * 1024;

    /**
     * Writes a diagnostics bundle into the state folder's {@code diagnostics/} (0600; the newest
     * three kept) and returns where, its size and SHA-256, and its bytes as base64 pieces in
     * {@code data} (joined in order they are the zip).
     */
    private static JsonObject diagnostics(ManagementService s, RoomControl room) throws CommandException {
        JsonObject health = new JsonObject();
        room.health().forEach((name, h) -> {
            JsonObject j = new JsonObject();
            j.addProperty("state", h.state().name());
            j.addProperty("reason", h.reason());
            health.add(name, j);
        });
        JsonObject telemetry = room.telemetry();
        DiagnosticsBundle.Contents contents = new DiagnosticsBundle.Contents(s.deviceId(), s.scheduler().now(),
                "diagnostics.collect (MQTT)", room.config(), health, s.recentLogs(DiagnosticsBundle.MAX_LOG_LINES),
                telemetry.has("peripherals") ? telemetry.get("peripherals") : new JsonArray(), room.lastCall());
        DiagnosticsBundle.Written w;
        try {
            w = DiagnosticsBundle.write(room.config().get(AgentSettings.STATE_DIR).resolve("diagnostics"), contents);
        } catch (IOException e) {
            throw new CommandException(CommandException.Code.INTERNAL, "diagnostics bundle not written: " + e.getMessage()
                    + "; check that the state folder (agent.state-dir) is writable and not full");
        }
        String b64 = Base64.getEncoder().encodeToString(w.bytes());
        JsonArray data = new JsonArray();
        for (int i = 0; i < b64.length(); i += DIAGNOSTICS_PIECE) {
            data.add(b64.substring(i, Math.min(b64.length(), i + DIAGNOSTICS_PIECE)));
        }
        JsonObject o = new JsonObject();
        o.addProperty("file", w.file().toString());
        o.addProperty("bytes", w.bytes().length);
        o.addProperty("sha256", w.sha256());
        JsonArray entries = new JsonArray();
        w.entries().forEach(entries::add);
        o.add("entries", entries);
        o.add("data", data);
        return o;
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
                    throw CommandException.badRequest("keys", "unknown setting '" + Config.printable(abbreviate(key)) + "'");
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

    private static CompletionStage<JsonElement> configSet(RoomControl room, CommandRequest req)
            throws CommandException {
        Config current = room.config();
        Map<String, String> changes = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : req.args().entrySet()) {
            String key = e.getKey();
            Optional<Setting<?>> setting = current.setting(key);
            if (setting.isEmpty()) {
                throw CommandException.badRequest(Config.printable(abbreviate(key)),
                        "unknown setting (see config.get for the keys)");
            }
            if (!MgmtSettings.REMOTELY_CHANGEABLE.contains(key)) {
                throw CommandException.forbidden(key + " can only be changed on the device (config file or "
                        + setting.get().envName() + "): endpoints, trust anchors, keys, secrets and security limits "
                        + "are never changed remotely");
            }
            if (current.fromEnvironment(key)) {
                throw CommandException.badRequest(key, "set by the environment variable " + setting.get().envName()
                        + ", which overrides the config file; change it there");
            }
            JsonElement v = e.getValue();
            if (v.isJsonNull()) {
                changes.put(key, "");
            } else if (v.isJsonPrimitive()) {
                String text = v.getAsString();
                Optional<String> bad = Config.controlCharacter(text);
                if (bad.isPresent()) {
                    throw CommandException.badRequest(key, "value holds the control character " + bad.get()
                            + "; give one line of printable characters");
                }
                changes.put(key, text);
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

    private static String abbreviate(String s) {
        return s.length() > 64 ? s.substring(0, 61) + "..." : s;
    }
}
