package io.roomwire.agent.obtp;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.roomwire.agent.config.AgentSettings;
import io.roomwire.agent.config.Config;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * {@code roomwire obtp explain --event FILE [--now INSTANT] [--json]}: reads one Graph event
 * (as Graph Explorer or {@code GET /users/{room}/events/{id}} returns it) and prints the decision.
 * Exit codes: 0 the room shows a Join button (at {@code --now}, or during its window when no
 * instant is given), 1 it does not (every reason is printed), 2 the file cannot be used.
 */
public final class ObtpExplainCommand {

    public static final int BUTTON = 0;
    public static final int NO_BUTTON = 1;
    public static final int BAD_INPUT = 2;

    /** Larger files are refused before reading: an event with a 10 MB body is well below this. */
    static final long MAX_FILE_BYTES = 64L * 1024 * 1024;

    private ObtpExplainCommand() {
    }

    public static int run(Path eventFile, Optional<Instant> now, boolean json, Config config, PrintStream out) {
        JsonObject event;
        try {
            long size = Files.size(eventFile);
            if (size > MAX_FILE_BYTES) {
                return fail(out, json, eventFile + " is " + size + " bytes; an event file is at most " + MAX_FILE_BYTES);
            }
            JsonElement e = JsonParser.parseString(Files.readString(eventFile, StandardCharsets.UTF_8));
            event = eventOf(e).orElse(null);
            if (event == null) {
                return fail(out, json, eventFile + " is not one Graph event: expected a JSON object with id, start "
                        + "and end (or a Graph list with exactly one event in 'value')");
            }
        } catch (NoSuchFileException e) {
            return fail(out, json, "no such file: " + eventFile);
        } catch (IOException e) {
            return fail(out, json, "cannot read " + eventFile + ": " + e.getMessage());
        } catch (JsonParseException | IllegalStateException e) {
            return fail(out, json, eventFile + " is not valid JSON: " + rootMessage(e));
        }
        MeetingInvite invite;
        try {
            invite = MeetingInvite.fromGraphJson(event);
        } catch (IllegalArgumentException e) {
            return fail(out, json, eventFile + ": " + e.getMessage());
        }
        ObtpExplain.Explanation x = new ObtpExplain(ObtpSettings.forRoom(config), config.get(AgentSettings.TIME_ZONE))
                .explain(invite, now);
        if (json) {
            out.println(new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create()
                    .toJson(ObtpExplain.toJson(x)));
        } else {
            out.print(ObtpExplain.toText(x));
        }
        return x.hasButton() ? BUTTON : NO_BUTTON;
    }

    private static Optional<JsonObject> eventOf(JsonElement e) {
        if (!e.isJsonObject()) {
            return Optional.empty();
        }
        JsonObject o = e.getAsJsonObject();
        if (o.has("value") && o.get("value").isJsonArray() && !o.has("start")) {
            var a = o.getAsJsonArray("value");
            return a.size() == 1 && a.get(0).isJsonObject() ? Optional.of(a.get(0).getAsJsonObject()) : Optional.empty();
        }
        return Optional.of(o);
    }

    private static int fail(PrintStream out, boolean json, String message) {
        if (json) {
            JsonObject o = new JsonObject();
            o.addProperty("error", message);
            out.println(new GsonBuilder().disableHtmlEscaping().create().toJson(o));
        } else {
            out.println("obtp explain: " + message);
        }
        return BAD_INPUT;
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return String.valueOf(c.getMessage());
    }
}
