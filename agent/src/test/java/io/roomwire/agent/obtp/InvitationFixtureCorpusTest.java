package io.roomwire.agent.obtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.roomwire.agent.config.AgentSettings;
import io.roomwire.agent.config.Config;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every invitation in the fixture corpus gives exactly the expected join targets (kind, URI,
 * provider, DTMF, source, in order), button state, reasons and notes, through the same
 * {@code obtp explain} JSON an admin sees.
 */
class InvitationFixtureCorpusTest {

    static Stream<String> fixtures() throws IOException {
        return ObtpFixtures.names();
    }

    @Test
    void corpusCoversEveryProviderWordingAndHostileCase() throws IOException {
        List<String> names = fixtures().toList();
        for (String p : List.of("cisco", "poly", "pexip", "generic")) {
            for (String w : List.of("join-with", "join-on-tenant-key", "one-line")) {
                assertTrue(names.contains("teams-" + p + "-" + w + ".json"), p + " " + w);
            }
        }
        for (String n : List.of("webex-meeting", "zoom-numeric-passcode", "pexip-vmr", "sip-in-location",
                "safelinks-teams-cisco", "private", "cancelled", "declined", "tentative-shown", "tentative-hidden",
                "recurring-exception-moved", "recurring-occurrence-cancelled", "dst-berlin", "dst-new-york",
                "hostile-lookalike-suffix", "hostile-lookalike-unicode", "hostile-javascript-links",
                "hostile-deeply-nested", "hostile-unterminated-comment", "hostile-entities")) {
            assertTrue(names.contains(n + ".json"), n);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void fixtureGivesTheExpectedDecision(String name) {
        JsonObject f = ObtpFixtures.load(name);
        Config config = ObtpFixtures.config(f);
        MeetingInvite invite = MeetingInvite.fromGraphJson(f.getAsJsonObject("event"));
        Optional<Instant> now = f.has("now") ? Optional.of(Instant.parse(f.get("now").getAsString())) : Optional.empty();
        ObtpExplain.Explanation x = new ObtpExplain(ObtpSettings.from(config), config.get(AgentSettings.TIME_ZONE))
                .explain(invite, now);
        JsonObject got = ObtpExplain.toJson(x);
        JsonObject want = f.getAsJsonObject("expect");

        assertEquals(lines(want.getAsJsonArray("targets")), lines(got.getAsJsonArray("targets")), name + ": targets");
        assertEquals(want.get("button").getAsString(), got.get("button").getAsString(), name + ": button " + got);
        assertEquals(codes(want.getAsJsonArray("reasons")), codes(got.getAsJsonArray("reasons")), name + ": reasons");
        if (want.has("notes")) {
            List<String> notes = codes(got.getAsJsonArray("notes"));
            codes(want.getAsJsonArray("notes")).forEach(n -> assertTrue(notes.contains(n), name + ": note " + n + " in " + got));
        }
        if (want.has("reasonText")) {
            assertTrue(got.getAsJsonArray("reasons").toString().contains(want.get("reasonText").getAsString()),
                    name + ": " + got.getAsJsonArray("reasons"));
        }
        if (want.has("noteText")) {
            assertTrue(got.getAsJsonArray("notes").toString().contains(want.get("noteText").getAsString()),
                    name + ": " + got.getAsJsonArray("notes"));
        }
        for (String k : List.of("title", "organizer")) {
            if (want.has(k)) {
                assertEquals(want.get(k).getAsString(), got.getAsJsonObject("event").get(k).getAsString(), name + ": " + k);
            }
        }
        if (want.has("window")) {
            want.getAsJsonObject("window").entrySet().forEach(e -> assertEquals(e.getValue().getAsString(),
                    got.getAsJsonObject("window").get(e.getKey()).getAsString(), name + ": window." + e.getKey()));
        }
        if (!got.getAsJsonArray("targets").isEmpty() && x.decision().eligible()) {
            assertTrue(got.getAsJsonArray("targets").get(0).getAsJsonObject().get("primary").getAsBoolean(),
                    name + ": the first target is the one the button dials");
        }
    }

    private static List<String> lines(JsonArray targets) {
        List<String> out = new ArrayList<>();
        for (JsonElement e : targets) {
            JsonObject t = e.getAsJsonObject();
            out.add(t.get("kind").getAsString() + " " + t.get("uri").getAsString() + " " + t.get("provider").getAsString()
                    + (t.has("dtmf") ? " dtmf=" + t.get("dtmf").getAsString() : "") + " from " + t.get("source").getAsString());
        }
        return out;
    }

    private static List<String> codes(JsonArray reasons) {
        List<String> out = new ArrayList<>();
        reasons.forEach(r -> out.add(r.isJsonObject() ? r.getAsJsonObject().get("code").getAsString() : r.getAsString()));
        return out;
    }
}
