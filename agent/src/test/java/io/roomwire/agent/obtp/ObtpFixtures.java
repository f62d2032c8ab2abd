package io.roomwire.agent.obtp;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.roomwire.agent.config.AgentSettings;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.config.ConfigException;
import io.roomwire.agent.config.Setting;
import io.roomwire.agent.config.Settings;
import io.roomwire.sim.cloud.graph.InvitationBodies;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Loads the invitation fixture corpus (src/test/resources/obtp/fixtures, one case per file). */
final class ObtpFixtures {

    static final String JOIN_URL = InvitationBodies.teamsJoinUrl("weekly-sync");

    private ObtpFixtures() {
    }

    static Path dir() {
        try {
            return Path.of(ObtpFixtures.class.getResource("/obtp/fixtures").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Stream<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir())) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted().toList().stream();
        }
    }

    /** The fixture with {@code @TEAMS_JOIN_URL@} filled in and the body generated when it says so. */
    static JsonObject load(String name) {
        try {
            String text = Files.readString(dir().resolve(name), StandardCharsets.UTF_8).replace("@TEAMS_JOIN_URL@", JOIN_URL);
            JsonObject f = JsonParser.parseString(text).getAsJsonObject();
            if (f.has("bodyFrom")) {
                JsonObject body = new JsonObject();
                body.addProperty("contentType", "html");
                body.addProperty("content", body(f.getAsJsonObject("bodyFrom")));
                f.getAsJsonObject("event").add("body", body);
            }
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String body(JsonObject b) {
        String kind = b.get("kind").getAsString();
        String html = switch (kind) {
            case "teamsCvi" -> InvitationBodies.teamsCvi(InvitationBodies.Provider.valueOf(s(b, "provider")),
                    InvitationBodies.Wording.valueOf(s(b, "wording")), s(b, "tenantKey"), s(b, "videoId"), JOIN_URL);
            case "teams" -> InvitationBodies.teams(JOIN_URL);
            case "webex" -> InvitationBodies.webex(s(b, "site"), s(b, "number"));
            case "webexPersonalRoom" -> InvitationBodies.webexPersonalRoom(s(b, "site"), s(b, "user"));
            case "zoom" -> InvitationBodies.zoom(s(b, "id"), s(b, "passcode"));
            case "pexip" -> InvitationBodies.pexip(s(b, "alias"), s(b, "domain"));
            case "nested" -> "<div>".repeat(b.get("depth").getAsInt()) + s(b, "inner")
                    + "</div>".repeat(b.get("depth").getAsInt());
            default -> throw new IllegalArgumentException("unknown bodyFrom kind " + kind);
        };
        return b.has("safeLinks") ? InvitationBodies.safeLinks(html, s(b, "safeLinks")) : html;
    }

    private static String s(JsonObject o, String k) {
        return o.get(k).getAsString();
    }

    /** Defaults plus the fixture's "settings" and "zone". */
    static Config config(JsonObject f) {
        Map<String, String> kv = new LinkedHashMap<>();
        if (f.has("settings")) {
            f.getAsJsonObject("settings").entrySet().forEach(e -> kv.put(e.getKey(), e.getValue().getAsString()));
        }
        if (f.has("zone")) {
            kv.put(AgentSettings.TIME_ZONE.key(), f.get("zone").getAsString());
        }
        return config(kv);
    }

    static Config config(Map<String, String> kv) {
        StringBuilder sb = new StringBuilder();
        kv.forEach((k, v) -> sb.append(k).append(" = ").append(v).append('\n'));
        try {
            return Config.parse("test", sb.toString(), Map.of(), known());
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Every registered setting, plus the obtp ones (whether or not Settings lists them yet). */
    static List<Setting<?>> known() {
        Map<String, Setting<?>> m = new LinkedHashMap<>();
        Settings.all().forEach(s -> m.put(s.key(), s));
        for (Field f : ObtpSettings.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && Setting.class.isAssignableFrom(f.getType())) {
                try {
                    f.setAccessible(true);
                    Setting<?> s = (Setting<?>) f.get(null);
                    m.putIfAbsent(s.key(), s);
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return new ArrayList<>(m.values());
    }
}
