package io.roomwire.agent.obtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.roomwire.core.net.JsonNestingLimit;
import io.roomwire.sim.cloud.hostile.HostileInputs;
import io.roomwire.sim.cloud.hostile.HostileRun;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Invitation bodies written by an attacker (anyone can invite the room): deep nesting, huge
 * bodies, scripts, entity tricks and unicode look-alikes, in the body, the join URL and the
 * location. The parser never throws, stays bounded, and never offers a target whose host is not
 * exactly what the text says (no script, no bidi override, no look-alike host).
 */
class InvitationHostileInputTest {

    private static final long SEED = 0x0B7B1L;
    private static final String VALID = "<html><body><p>Join on a video system: <a href=\"sip:1234567890@vc.example.org\">"
            + "1234567890@vc.example.org</a></p><p>Video ID: 123 456 789 0</p><p><a href=\"https://teams.microsoft.com/l/meetup-join/"
            + "19%3ameeting_abc%40thread.v2/0\">Join the meeting now</a></p><p>https://zoom.us/j/123456789?pwd=abc</p></body></html>";

    private final InvitationParser parser = new InvitationParser(ObtpSettings.defaults());

    private static MeetingInvite invite(Optional<String> joinUrl, List<String> locations, String body) {
        return new MeetingInvite("id", "s", "o", Instant.parse("2026-03-30T07:00:00Z"), Instant.parse("2026-03-30T08:00:00Z"),
                false, false, "accepted", "busy", "normal", "singleInstance", Optional.empty(), joinUrl,
                "teamsForBusiness", locations, "html", body);
    }

    @Test
    void hostileBodiesJoinUrlsAndLocationsNeverCrashTheParser() {
        HostileInputs gen = new HostileInputs(SEED);
        List<String> inputs = gen.html(VALID, 1000);
        HostileRun run = HostileRun.start("invitation bodies", SEED);
        for (String s : inputs) {
            String head = s.length() > 4096 ? s.substring(0, 4096) : s;
            run.attempt(i -> check(parser.parse(invite(Optional.empty(), List.of(), s))), t -> false);
            run.attempt(i -> check(parser.parse(invite(Optional.of(head), List.of(head), "<p>" + head + "</p>"))), t -> false);
        }
        List<String> leaked = run.leakedThreads();
        System.out.println(run.summary(leaked));
        assertEquals(List.of(), run.crashes(), run.summary(leaked));
        assertEquals(List.of(), leaked);
        assertTrue(run.inputs() > 2000, run.summary(leaked));
        assertTrue(run.elapsed().compareTo(Duration.ofSeconds(30)) < 0, run.summary(leaked));
    }

    /** What the room would dial is never built from script, bidi controls or look-alike letters. */
    private static void check(ParsedInvitation p) {
        assertTrue(p.targets().size() <= 200, "targets bounded");
        for (var t : p.targets()) {
            String uri = t.uri();
            assertFalse(uri.toLowerCase(Locale.ROOT).startsWith("javascript:"), uri);
            assertTrue(uri.codePoints().noneMatch(c -> c == 0x202E || c == 0x202C || c == 0x200B || c == 0 || c == '\r'
                    || c == '\n'), "control or invisible character in " + uri);
            String host = uri.replaceFirst("^[a-z]+:(//)?", "").replaceFirst("^[^@/]*@", "").replaceFirst("[/:?#;].*$", "");
            assertTrue(StandardCharsets.US_ASCII.newEncoder().canEncode(host), "non-ASCII host in " + uri);
        }
    }

    @Test
    void hostileGraphEventsAreReadOrRefusedByName() throws Exception {
        HostileInputs gen = new HostileInputs(SEED + 1);
        String event = "{\"id\":\"AAMk-1\",\"subject\":\"Review\",\"organizer\":{\"emailAddress\":{\"name\":\"A\",\"address\":"
                + "\"a@contoso.example\"}},\"start\":{\"dateTime\":\"2026-03-30T07:00:00.0000000\",\"timeZone\":\"UTC\"},\"end\":"
                + "{\"dateTime\":\"2026-03-30T08:00:00.0000000\",\"timeZone\":\"W. Europe Standard Time\"},\"isAllDay\":false,"
                + "\"onlineMeeting\":{\"joinUrl\":\"https://teams.microsoft.com/l/meetup-join/19%3ameeting\"},\"locations\":"
                + "[{\"displayName\":\"Room 401\"}],\"body\":{\"contentType\":\"html\",\"content\":\"" + VALID.replace("\"", "\\\"") + "\"}}";
        HostileRun run = HostileRun.start("Graph events to invitations", SEED + 1);
        for (byte[] b : gen.json(event, 1500)) {
            run.attempt(i -> {
                JsonObject o;
                try {
                    // what the Graph client reads: nesting limited, an object (GraphHostileInputTest)
                    o = JsonParser.parseReader(new JsonNestingLimit(new StringReader(new String(b, StandardCharsets.UTF_8)),
                            JsonNestingLimit.DEFAULT)).getAsJsonObject();
                } catch (RuntimeException refusedByTheClient) {
                    return;
                }
                check(new InvitationParser(ObtpSettings.defaults()).parse(MeetingInvite.fromGraphJson(o)));
            }, t -> t instanceof IllegalArgumentException);
        }
        List<String> leaked = run.leakedThreads();
        System.out.println(run.summary(leaked));
        assertEquals(List.of(), run.crashes(), run.summary(leaked));
        assertTrue(run.inputs() > 1500, run.summary(leaked));
    }
}
