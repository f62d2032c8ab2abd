package io.roomwire.agent.bench;

import io.roomwire.agent.obtp.MeetingInvite;
import io.roomwire.sim.cloud.graph.InvitationBodies;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The invitations the OBTP parse benchmarks read. */
final class InvitationBodiesForBench {

    private InvitationBodiesForBench() {
    }

    /** A Teams invitation with the Cisco video-device section (about 5 KB of HTML). */
    static MeetingInvite typical() {
        String join = InvitationBodies.teamsJoinUrl("bench");
        return invite(InvitationBodies.teamsCvi(InvitationBodies.Provider.CISCO, InvitationBodies.Wording.JOIN_WITH,
                "contoso", "1234567890", join), join);
    }

    /**
     * The same invitation under a long reply thread: {@code chars} of quoted Outlook HTML (styles,
     * links, entities, e-mail addresses) before the Teams block, as a forwarded invitation looks.
     */
    static MeetingInvite large(int chars) {
        String join = InvitationBodies.teamsJoinUrl("bench");
        String teams = InvitationBodies.teamsCvi(InvitationBodies.Provider.POLY, InvitationBodies.Wording.JOIN_ON_TENANT_KEY,
                "823979477", "1189497860", join);
        String para = "<div class=\"x_elementToProof\" style=\"font-family:Calibri,Arial,Helvetica,sans-serif;"
                + "font-size:12pt;color:rgb(0,0,0)\">Hi team &ndash; see the notes from Tuesday&#8217;s review at "
                + "<a href=\"https://contoso.sharepoint.com/sites/proj/Shared%20Documents/notes.docx?d=w1&amp;csf=1\">"
                + "notes.docx</a>; questions to adele.vance@contoso.example or +1&nbsp;425&nbsp;555&nbsp;0100.</div>\n"
                + "<blockquote style=\"margin:0 0 0 .8ex;border-left:1px #ccc solid\"><p>&gt; Earlier: "
                + "<b>agenda</b> &amp; <i>actions</i></p></blockquote>\n";
        StringBuilder b = new StringBuilder(chars + teams.length());
        while (b.length() < chars) {
            b.append(para);
        }
        b.setLength(chars);
        b.append("\n</div>").append(teams);
        return invite(b.toString(), join);
    }

    private static MeetingInvite invite(String body, String join) {
        return new MeetingInvite("AAMkAD-bench", "Project review", "Adele Vance", Instant.parse("2026-03-30T07:00:00Z"),
                Instant.parse("2026-03-30T08:00:00Z"), false, false, "accepted", "busy", "normal", "singleInstance",
                Optional.empty(), Optional.of(join), "teamsForBusiness", List.of("Microsoft Teams Meeting"), "html", body);
    }
}
