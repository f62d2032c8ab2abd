package io.roomwire.sim.cloud.graph;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A realistic day for a simulated room: meetings of every provider the agent recognises, starting
 * a few minutes from {@code now} so that Join buttons appear soon, plus the cases that must show no
 * button (cancelled, declined) and a recurring series with a moved occurrence.
 */
public final class DemoMeetings {

    private DemoMeetings() {
    }

    /** Books the demo day into {@code mailbox}; returns the ids by subject. */
    public static Map<String, String> book(SimGraph graph, String mailbox, ZonedDateTime now) {
        ZonedDateTime t = now.truncatedTo(ChronoUnit.MINUTES).plusMinutes(3);
        Duration half = Duration.ofMinutes(30);
        Map<String, String> ids = new LinkedHashMap<>();
        ids.put("Teams: weekly sync", graph.book(mailbox, Booking.of("Weekly sync", t, half)
                .organizer("Megan Bowen", "megan@contoso.com").teamsInvitation().build()));
        ids.put("Teams with Cisco CVI", graph.book(mailbox, Booking.of("Customer review", t.plusMinutes(30), half)
                .organizer("Alex Wilber", "alex@contoso.com").teamsCviInvitation(InvitationBodies.Provider.CISCO,
                        InvitationBodies.Wording.JOIN_WITH, "contoso", "1187654321").safeLinks().build()));
        ids.put("Teams with Poly RealConnect", graph.book(mailbox, Booking.of("Architecture board", t.plusMinutes(60), half)
                .teamsCviInvitation(InvitationBodies.Provider.POLY, InvitationBodies.Wording.JOIN_ON_TENANT_KEY,
                        "823979477", "2233445566").build()));
        ids.put("Webex", graph.book(mailbox, Booking.of("Partner call (Webex)", t.plusMinutes(90), half)
                .organizer("Partner PM", "pm@fabrikam.example").webexInvitation("fabrikam", "25431234567").build()));
        ids.put("Zoom", graph.book(mailbox, Booking.of("Vendor demo (Zoom)", t.plusMinutes(120), half)
                .organizer("Vendor", "sales@tailspin.example").zoomInvitation("85012345678", "424242").build()));
        ids.put("Private", graph.book(mailbox, Booking.of("1:1", t.plusMinutes(150), half)
                .privateMeeting().teamsInvitation().build()));
        String cancelled = graph.book(mailbox, Booking.of("Cancelled planning", t.plusMinutes(180), half)
                .teamsInvitation().build());
        graph.cancel(mailbox, cancelled);
        ids.put("Cancelled", cancelled);
        String declined = graph.book(mailbox, Booking.of("Double-booked offsite prep", t.plusMinutes(180), half)
                .teamsInvitation().build());
        graph.respond(mailbox, declined, "declined");
        ids.put("Declined", declined);
        String series = graph.book(mailbox, Booking.of("Daily standup", t.plusMinutes(240), Duration.ofMinutes(15))
                .teamsInvitation().recurring(Recurrence.weekly(40, DayOfWeek.MONDAY, DayOfWeek.TUESDAY,
                        DayOfWeek.WEDNESDAY, DayOfWeek.THURSDAY, DayOfWeek.FRIDAY)).build());
        ids.put("Series", series);
        return ids;
    }
}
