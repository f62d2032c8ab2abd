package io.roomwire.agent.obtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.sim.cloud.graph.InvitationBodies;
import io.roomwire.sip.JoinTarget;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class InvitationParserTest {

    private static final ThreadMXBean THREAD = ManagementFactory.getThreadMXBean();

    private final InvitationParser parser = new InvitationParser(ObtpSettings.defaults());

    private static MeetingInvite invite(Optional<String> joinUrl, List<String> locations, String body) {
        return new MeetingInvite("id", "s", "o", Instant.parse("2026-03-30T07:00:00Z"), Instant.parse("2026-03-30T08:00:00Z"),
                false, false, "accepted", "busy", "normal", "singleInstance", Optional.empty(), joinUrl,
                "teamsForBusiness", locations, "html", body);
    }

    @Test
    void linksWithControlOrInvisibleCharactersAreRejectedNotOffered() {
        for (String hidden : new String[] {"\u0000", "\n", "\u202E", "\u200B", "\u0085"}) {
            String href = "https://teams.microsoft.com/l/meetup-join/19%3amee" + hidden + "ting_abc%40thread.v2/0";
            ParsedInvitation p = parser.parse(invite(Optional.empty(), List.of(), "<a href=\"" + href + "\">Join</a>"));
            assertTrue(p.targets().isEmpty(), "offered " + p.targets() + " for U+" + Integer.toHexString(hidden.charAt(0)));
            assertTrue(p.rejected().stream().anyMatch(r -> r.why().contains("control or invisible")), p.rejected().toString());
        }
    }

    @Test
    void aTenMegabyteHostileBodyParsesInBoundedTimeAndKeepsBoundedResults() {
        String unit = "x@a.zoomcrc.com.evil.example sip:y@m.webex.com.evil.example https://zoom.us.evil.example/j/123456789 "
                + "sip:ok@vc.example.org 12345678901@zoomcrc.com <a href=\"https://teams.microsoft.com/meet/1\">t</a> "
                + "Video ID: 1 &#x40; @@@@ http://http://https:// sip:sip:sip: ";
        String body = unit.repeat(10 * 1024 * 1024 / unit.length());
        // CPU time of this thread, not wall time: the bound is about the parser's work, not the machine's load.
        long t0 = THREAD.getCurrentThreadCpuTime();
        ParsedInvitation p = parser.parse(invite(Optional.empty(), List.of(), body));
        long ms = (THREAD.getCurrentThreadCpuTime() - t0) / 1_000_000;
        assertTrue(ms < 5000, "took " + ms + " ms");
        assertTrue(p.targets().size() <= 200, "targets " + p.targets().size());
        assertTrue(p.rejected().size() <= 50, "rejections " + p.rejected().size());
        assertEquals("sip:ok@vc.example.org", p.primary().orElseThrow().uri());
    }

    @Test
    void bodiesBeyondTheLimitAreReadOnlyToTheLimitAndSaySo() {
        ObtpSettings small = ObtpSettings.defaults().withMaxBodyChars(2048);
        MeetingInvite m = invite(Optional.empty(), List.of(), "<p>" + "filler ".repeat(1000) + "</p><p>sip:late@vc.example.org</p>");
        ParsedInvitation p = new InvitationParser(small).parse(m);
        assertTrue(p.truncated());
        assertFalse(p.joinable());
        MeetingDecision d = MeetingDecision.decide(m, p, small, ZoneOffset.UTC);
        assertTrue(d.notes().stream().anyMatch(r -> r.code().equals("body-truncated")));
        assertTrue(parser.parse(m).joinable(), "the default limit (10 MB) reads it");
    }

    @Test
    void aStructuredJoinUrlOnALookAlikeHostIsRefusedAndReported() {
        ParsedInvitation p = parser.parse(invite(Optional.of("https://teams.microsoft.com.evil.example/l/meetup-join/x"),
                List.of(), ""));
        assertEquals(List.of(), p.targets());
        assertEquals(InvitationParser.SOURCE_JOIN_URL, p.rejected().get(0).source());
        assertTrue(p.rejected().get(0).why().contains("look-alike of teams.microsoft.com"));
    }

    @Test
    void theIvrAddressIsNeverOfferedAsADirectDialWithoutItsDigits() {
        String body = InvitationBodies.teamsCvi(InvitationBodies.Provider.CISCO, InvitationBodies.Wording.JOIN_WITH,
                "contoso", "1234567890", InvitationBodies.teamsJoinUrl("x")) + "<p>or dial sip:contoso@m.webex.com</p>";
        ParsedInvitation p = parser.parse(invite(Optional.empty(), List.of(), body));
        assertTrue(p.targets().stream().noneMatch(t -> t.kind() == JoinTarget.Kind.SIP && t.uri().contains(":contoso@")),
                p.targets().toString());
        assertEquals(JoinTarget.ivr("sips:contoso@m.webex.com", "1234567890#", "teams-cisco", "body"), p.targets().get(1));
    }

    @Test
    void theNewShortTeamsLinkIsAWebrtcTargetAndOtherTeamsPagesAreNot() {
        ParsedInvitation p = parser.parse(invite(Optional.empty(), List.of(), "<a href=\"https://teams.microsoft.com/meet/"
                + "2345678901234?p=AbCdEf\">Join</a> <a href=\"https://teams.microsoft.com/meetingOptions/?x=1\">Options</a>"));
        assertEquals(List.of(new JoinTarget(JoinTarget.Kind.WEBRTC, "https://teams.microsoft.com/meet/2345678901234?p=AbCdEf",
                "teams", Optional.empty(), "body")), p.targets());
    }

    @Test
    void locationUrisAreReadLikeLocations() {
        MeetingInvite m = Meetings.with(invite(Optional.empty(), List.of("Room 4.12", "sips:vmr-7@video.partner.example"),
                ""), "subject", "x");
        assertEquals(List.of(JoinTarget.sip("sips:vmr-7@video.partner.example", "sip", "location")), parser.parse(m).targets());
    }

    @Test
    void structuredSourcesComeBeforeTheBodyForTheSameMethod() {
        String join = InvitationBodies.teamsJoinUrl("a");
        ParsedInvitation p = parser.parse(invite(Optional.of(join), List.of("sip:loc@vc.example.org"),
                "<p>sip:body@vc.example.org</p>" + InvitationBodies.teams(InvitationBodies.teamsJoinUrl("b"))));
        assertEquals(List.of("location", "body", "onlineMeeting.joinUrl", "body"),
                p.targets().stream().map(JoinTarget::source).toList());
        assertEquals(join, p.targets().get(2).uri());
    }

    @Test
    void helpAndDownloadPagesOfMeetingServicesAreNotMeetings() {
        String body = InvitationBodies.webex("contoso", "25431234567")
                + "<a href=\"https://help.webex.com/en-us/article/nsmknjfb\">Help</a>"
                + "<a href=\"https://zoom.us/support/download\">Zoom client</a>";
        ParsedInvitation p = parser.parse(invite(Optional.empty(), List.of(), body));
        assertEquals(List.of(JoinTarget.sip("sip:25431234567@contoso.webex.com", "webex", "body")), p.targets());
    }
}
