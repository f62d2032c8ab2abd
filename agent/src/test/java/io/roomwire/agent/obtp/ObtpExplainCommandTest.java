package io.roomwire.agent.obtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.roomwire.agent.config.Config;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ObtpExplainCommandTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    // A room with a WebRTC gateway: Teams join links are join targets (without one they are not; see below).
    private final Config berlin = ObtpFixtures.config(Map.of("device.time-zone", "Europe/Berlin",
            "webrtc.gateway-url", "https://gw.example.com/whip/{meeting}"));

    private Path eventFile(String fixture) throws IOException {
        Path p = dir.resolve(fixture);
        Files.writeString(p, ObtpFixtures.load(fixture).getAsJsonObject("event").toString());
        return p;
    }

    private String output() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void explainsAJoinableMeetingInTextWithThePrimaryTargetMarked() throws IOException {
        int rc = ObtpExplainCommand.run(eventFile("teams-cisco-join-with.json"), Optional.empty(), false, berlin, out);
        assertEquals(ObtpExplainCommand.BUTTON, rc, output());
        String text = output();
        assertTrue(text.contains("1. sip     sips:1234567890.contoso@m.webex.com  [teams-cisco, from body]  <- the Join "
                + "button dials this"), text);
        assertTrue(text.contains("2. sip-ivr sips:contoso@m.webex.com  DTMF 1234567890#  [teams-cisco, from body]"), text);
        assertTrue(text.contains("webrtc  https://teams.microsoft.com/l/meetup-join/"), text);
        assertTrue(text.contains("Button window: 2026-03-30T08:55+02:00 to 2026-03-30T10:00+02:00"), text);
    }

    @Test
    void withoutAWebRtcGatewayTheTeamsLinkIsNoTargetAndTheExplanationSaysWhy() throws IOException {
        Config noGateway = ObtpFixtures.config(Map.of("device.time-zone", "Europe/Berlin"));
        ObtpExplainCommand.run(eventFile("teams-cisco-join-with.json"), Optional.empty(), false, noGateway, out);
        String text = output();
        assertTrue(!text.contains("webrtc  https://teams.microsoft.com/l/meetup-join/"), text);
        assertTrue(text.contains("webrtc target (teams) found, but no WebRTC gateway is configured"), text);
        assertTrue(text.contains("set webrtc.gateway-url"), text);
    }

    @Test
    void printsTheDocumentedJsonWithNow() throws IOException {
        int rc = ObtpExplainCommand.run(eventFile("teams-poly-join-on-tenant-key.json"),
                Optional.of(Instant.parse("2026-03-30T06:57:00Z")), true, berlin, out);
        assertEquals(0, rc);
        JsonObject o = JsonParser.parseString(output()).getAsJsonObject();
        assertEquals("shown", o.get("button").getAsString());
        assertEquals("2026-03-30T06:57:00Z", o.get("now").getAsString());
        JsonObject first = o.getAsJsonArray("targets").get(0).getAsJsonObject();
        assertEquals("sip", first.get("kind").getAsString());
        assertEquals("sips:823979477.1189497860@t.plcm.vc", first.get("uri").getAsString());
        assertEquals("teams-poly", first.get("provider").getAsString());
        assertEquals("body", first.get("source").getAsString());
        assertTrue(first.get("primary").getAsBoolean());
        JsonObject ivr = o.getAsJsonArray("targets").get(1).getAsJsonObject();
        assertEquals("1189497860#", ivr.get("dtmf").getAsString());
        assertEquals("Europe/Berlin", o.getAsJsonObject("window").get("zone").getAsString());
        for (String k : new String[] {"event", "targets", "window", "button", "reasons", "notes"}) {
            assertTrue(o.has(k), k);
        }
    }

    @Test
    void listsEveryReasonAndExitsOneWhenThereIsNoButton() throws IOException {
        int rc = ObtpExplainCommand.run(eventFile("empty-body.json"), Optional.empty(), false, berlin, out);
        assertEquals(ObtpExplainCommand.NO_BUTTON, rc);
        assertTrue(output().contains("No button because:\n  - no join information: the body is empty — check "
                + "Set-CalendarProcessing -DeleteComments $false"), output());
    }

    @Test
    void aCancelledAndDeclinedMeetingGivesBothReasons() throws IOException {
        JsonObject e = ObtpFixtures.load("cancelled.json").getAsJsonObject("event");
        JsonObject response = new JsonObject();
        response.addProperty("response", "declined");
        e.add("responseStatus", response);
        Path p = dir.resolve("both.json");
        Files.writeString(p, e.toString());
        assertEquals(1, ObtpExplainCommand.run(p, Optional.empty(), true, berlin, out));
        JsonObject o = JsonParser.parseString(output()).getAsJsonObject();
        assertEquals("none", o.get("button").getAsString());
        assertEquals("[\"cancelled\",\"declined\"]", o.getAsJsonArray("reasons").asList().stream()
                .map(r -> "\"" + r.getAsJsonObject().get("code").getAsString() + "\"").toList().toString().replace(" ", ""));
    }

    @Test
    void saysWhenTheButtonWillAppear() throws IOException {
        int rc = ObtpExplainCommand.run(eventFile("teams-only.json"), Optional.of(Instant.parse("2026-03-30T06:00:00Z")),
                false, berlin, out);
        assertEquals(1, rc);
        assertTrue(output().contains("the button appears at 2026-03-30T08:55+02:00 (Europe/Berlin)"), output());
    }

    @Test
    void acceptsAGraphListWithOneEvent() throws IOException {
        Path p = dir.resolve("list.json");
        Files.writeString(p, "{\"@odata.context\":\"x\",\"value\":[" + ObtpFixtures.load("webex-meeting.json")
                .getAsJsonObject("event") + "]}");
        assertEquals(0, ObtpExplainCommand.run(p, Optional.empty(), false, berlin, out));
    }

    @Test
    void unusableFilesExitTwoWithTheCause() throws IOException {
        assertEquals(2, ObtpExplainCommand.run(dir.resolve("missing.json"), Optional.empty(), false, berlin, out));
        assertTrue(output().contains("no such file"), output());
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"id\": ");
        assertEquals(2, ObtpExplainCommand.run(bad, Optional.empty(), false, berlin, out));
        assertTrue(output().contains("is not valid JSON"), output());
        Files.writeString(bad, "[1,2]");
        assertEquals(2, ObtpExplainCommand.run(bad, Optional.empty(), true, berlin, out));
        assertTrue(output().contains("\"error\":"), output());
        Files.writeString(bad, "{\"id\":\"x\",\"start\":{\"dateTime\":\"tomorrow\",\"timeZone\":\"UTC\"}}");
        assertEquals(2, ObtpExplainCommand.run(bad, Optional.empty(), false, berlin, out));
        assertTrue(output().contains("start is not a valid dateTimeTimeZone"), output());
    }
}
