package io.roomwire.agent.obtp;

import static io.roomwire.agent.obtp.Meetings.meeting;
import static io.roomwire.agent.obtp.Meetings.with;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.sip.JoinTarget;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ButtonScheduleTest {

    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
    private final ButtonSchedule utc = new ButtonSchedule(ObtpSettings.defaults(), ZoneOffset.UTC);

    private static List<String> ids(Agenda a) {
        return a.buttons().stream().map(b -> b.meetingKey().substring(0, b.meetingKey().indexOf('@'))).toList();
    }

    private static Instant t(String s) {
        return Instant.parse(s);
    }

    @Test
    void showsJoinButtonFiveMinutesBeforeStartUntilTheEnd() {
        List<MeetingInvite> ms = List.of(meeting("a", "2026-03-30T09:00:00Z", "2026-03-30T10:00:00Z"));
        Agenda before = utc.at(ms, t("2026-03-30T08:54:59Z"));
        assertEquals(List.of(), ids(before));
        assertEquals(Optional.of(t("2026-03-30T08:55:00Z")), before.nextChange());
        assertEquals(List.of("a"), ids(utc.at(ms, t("2026-03-30T08:55:00Z"))));
        assertEquals(List.of("a"), ids(utc.at(ms, t("2026-03-30T09:59:59Z"))));
        Agenda after = utc.at(ms, t("2026-03-30T10:00:00Z"));
        assertEquals(List.of(), ids(after));
        assertEquals(AgendaItem.State.ENDED, after.today().get(0).state());
        JoinButton b = utc.at(ms, t("2026-03-30T09:30:00Z")).buttons().get(0);
        assertEquals(JoinTarget.sip(Meetings.SIP, "sip", "location"), b.target());
        assertEquals("Meeting a · 09:00–10:00", b.detail());
    }

    @Test
    void prerollAndGraceComeFromSettings() {
        ButtonSchedule s = new ButtonSchedule(ObtpSettings.defaults().withPreroll(Duration.ofMinutes(15))
                .withGrace(Duration.ofMinutes(10)), ZoneOffset.UTC);
        List<MeetingInvite> ms = List.of(meeting("a", "2026-03-30T09:00:00Z", "2026-03-30T10:00:00Z"));
        assertEquals(List.of(), ids(s.at(ms, t("2026-03-30T08:44:59Z"))));
        assertEquals(List.of("a"), ids(s.at(ms, t("2026-03-30T08:45:00Z"))));
        assertEquals(List.of("a"), ids(s.at(ms, t("2026-03-30T10:09:59Z"))));
        assertEquals(List.of(), ids(s.at(ms, t("2026-03-30T10:10:00Z"))));
    }

    @Test
    void backToBackMeetingsBothShowInStartOrder() {
        List<MeetingInvite> ms = List.of(meeting("b", "2026-03-30T10:00:00Z", "2026-03-30T11:00:00Z"),
                meeting("a", "2026-03-30T09:00:00Z", "2026-03-30T10:00:00Z"));
        Agenda overlap = utc.at(ms, t("2026-03-30T09:56:00Z"));
        assertEquals(List.of("a", "b"), ids(overlap));
        assertEquals(Optional.of(t("2026-03-30T10:00:00Z")), overlap.nextChange());
        assertEquals(List.of("b"), ids(utc.at(ms, t("2026-03-30T10:00:00Z"))));
        assertTrue(!overlap.buttons().get(0).id().equals(overlap.buttons().get(1).id()), "distinct button ids");
    }

    @Test
    void cancelledAndDeclinedMeetingsAreListedButNeverGetAButton() {
        MeetingInvite cancelled = with(meeting("c", "2026-03-30T09:00:00Z", "2026-03-30T10:00:00Z"), "cancelled", true);
        MeetingInvite declined = with(meeting("d", "2026-03-30T09:00:00Z", "2026-03-30T10:00:00Z"), "response", "declined");
        Agenda a = utc.at(List.of(cancelled, declined), t("2026-03-30T09:30:00Z"));
        assertEquals(List.of(), a.buttons());
        assertEquals(2, a.today().size());
        assertEquals(List.of("cancelled"), a.today().get(0).reasons().stream().map(Reason::code).toList());
        assertEquals(List.of("declined"), a.today().get(1).reasons().stream().map(Reason::code).toList());
    }

    @Test
    void tentativeMeetingsFollowTheSetting() {
        MeetingInvite m = with(meeting("t", "2026-03-30T09:00:00Z", "2026-03-30T10:00:00Z"), "response",
                "tentativelyAccepted");
        assertEquals(List.of("t"), ids(utc.at(List.of(m), t("2026-03-30T09:00:00Z"))));
        ButtonSchedule hide = new ButtonSchedule(ObtpSettings.defaults().withShowTentative(false), ZoneOffset.UTC);
        assertEquals(List.of(), ids(hide.at(List.of(m), t("2026-03-30T09:00:00Z"))));
    }

    @Test
    void privateMeetingsShowPrivateMeetingButCanBeJoined() {
        MeetingInvite m = with(meeting("p", "2026-03-30T09:00:00Z", "2026-03-30T10:00:00Z"), "sensitivity", "private");
        Agenda a = utc.at(List.of(m), t("2026-03-30T09:00:00Z"));
        assertEquals("Private meeting", a.today().get(0).title());
        assertEquals("", a.today().get(0).organizer());
        assertEquals("Private meeting · 09:00–10:00", a.buttons().get(0).detail());
        assertTrue(a.buttons().get(0).detail().indexOf("Meeting p") < 0);
    }

    @Test
    void allDayEventsWithoutJoinInfoGetNoButtonButWithJoinInfoCoverTheLocalDay() {
        ButtonSchedule berlin = new ButtonSchedule(ObtpSettings.defaults(), BERLIN);
        MeetingInvite offsite = with(with(with(meeting("o", "2026-03-30T00:00:00Z", "2026-03-31T00:00:00Z"),
                "allDay", true), "locations", List.of()), "body", "Team offsite");
        Agenda a = berlin.at(List.of(offsite), t("2026-03-30T10:00:00Z"));
        assertEquals(List.of(), a.buttons());
        assertEquals(List.of("all-day-no-join"), a.today().get(0).reasons().stream().map(Reason::code).toList());

        MeetingInvite bridge = with(meeting("h", "2026-03-30T00:00:00Z", "2026-03-31T00:00:00Z"), "allDay", true);
        assertEquals(List.of(), ids(berlin.at(List.of(bridge), t("2026-03-29T21:59:59Z"))));
        assertEquals(List.of("h"), ids(berlin.at(List.of(bridge), t("2026-03-29T22:00:00Z"))), "local midnight CEST");
        assertEquals(List.of("h"), ids(berlin.at(List.of(bridge), t("2026-03-30T21:59:59Z"))));
        assertEquals(List.of(), ids(berlin.at(List.of(bridge), t("2026-03-30T22:00:00Z"))));
    }

    @Test
    void theSpringForwardDayInBerlinHas23HoursAndMeetingsKeepTheirInstants() {
        ButtonSchedule berlin = new ButtonSchedule(ObtpSettings.defaults(), BERLIN);
        // Sunday 29 March 2026: 02:00 CET -> 03:00 CEST. 09:00 local is 07:00Z; Saturday's 09:00 was 08:00Z.
        MeetingInvite sat = meeting("sat", "2026-03-28T08:00:00Z", "2026-03-28T09:00:00Z");
        MeetingInvite sun = meeting("sun", "2026-03-29T07:00:00Z", "2026-03-29T08:00:00Z");
        Agenda early = berlin.at(List.of(sat, sun), t("2026-03-29T00:30:00Z"));
        assertEquals(LocalDate.of(2026, 3, 29), early.day());
        assertEquals(List.of("sun"), early.today().stream().map(i -> i.meetingKey().substring(0, 3)).toList());
        assertEquals(Optional.of(t("2026-03-29T06:55:00Z")), early.nextChange(), "08:55 CEST");
        Agenda late = berlin.at(List.of(sat, sun), t("2026-03-29T20:00:00Z"));
        assertEquals(Optional.of(t("2026-03-29T22:00:00Z")), late.nextChange(), "local midnight after a 23-hour day");
        assertEquals("Meeting sun · 09:00–10:00", berlin.at(List.of(sun), t("2026-03-29T07:00:00Z")).buttons().get(0).detail());
    }

    @Test
    void theFallBackDayInNewYorkHas25HoursAndTheRepeatedHourIsRight() {
        ButtonSchedule nyc = new ButtonSchedule(ObtpSettings.defaults(), NEW_YORK);
        // Sunday 1 November 2026: 02:00 EDT -> 01:00 EST. 01:30 EST (the second one) is 06:30Z.
        MeetingInvite second = meeting("x", "2026-11-01T06:30:00Z", "2026-11-01T07:00:00Z");
        Agenda a = nyc.at(List.of(second), t("2026-11-01T05:00:00Z")); // 01:00 EDT
        assertEquals(Optional.of(t("2026-11-01T06:25:00Z")), a.nextChange());
        assertEquals(List.of(), a.buttons());
        assertEquals("Meeting x · 01:30–02:00", nyc.at(List.of(second), t("2026-11-01T06:25:00Z")).buttons().get(0).detail());
        Agenda evening = nyc.at(List.of(second), t("2026-11-02T01:00:00Z")); // 20:00 EST
        assertEquals(Optional.of(t("2026-11-02T05:00:00Z")), evening.nextChange(), "local midnight after a 25-hour day");
    }

    @Test
    void recurringSeriesUseTheirOccurrencesMovedOrCancelled() {
        MeetingInvite master = with(meeting("m", "2026-03-02T09:00:00Z", "2026-03-02T09:30:00Z"), "type", "seriesMaster");
        MeetingInvite occ = with(with(meeting("o1", "2026-03-30T09:00:00Z", "2026-03-30T09:30:00Z"), "type",
                "occurrence"), "seriesMasterId", "m");
        MeetingInvite moved = with(with(meeting("o2", "2026-03-31T14:00:00Z", "2026-03-31T14:30:00Z"), "type",
                "exception"), "seriesMasterId", "m");
        MeetingInvite cancelled = with(with(with(meeting("o3", "2026-04-01T09:00:00Z", "2026-04-01T09:30:00Z"), "type",
                "occurrence"), "seriesMasterId", "m"), "cancelled", true);
        List<MeetingInvite> ms = List.of(master, occ, moved, cancelled);
        assertEquals(List.of("o1"), ids(utc.at(ms, t("2026-03-30T09:00:00Z"))));
        assertEquals(List.of(), ids(utc.at(ms, t("2026-03-31T09:00:00Z"))), "the usual time of the moved one");
        assertEquals(List.of("o2"), ids(utc.at(ms, t("2026-03-31T13:55:00Z"))));
        assertEquals(List.of(), ids(utc.at(ms, t("2026-04-01T09:00:00Z"))));
        assertEquals(1, utc.at(ms, t("2026-03-30T12:00:00Z")).today().size(), "the series master is not listed");
    }

    @Test
    void nextChangeIsTheEarliestBoundaryOfAnyMeeting() {
        List<MeetingInvite> ms = List.of(meeting("a", "2026-03-30T09:00:00Z", "2026-03-30T10:00:00Z"),
                meeting("b", "2026-03-30T09:30:00Z", "2026-03-30T11:00:00Z"));
        Instant now = t("2026-03-30T08:00:00Z");
        List<Instant> seen = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Agenda a = utc.at(ms, now);
            now = a.nextChange().orElseThrow();
            seen.add(now);
        }
        assertEquals(List.of(t("2026-03-30T08:55:00Z"), t("2026-03-30T09:00:00Z"), t("2026-03-30T09:25:00Z"),
                t("2026-03-30T09:30:00Z"), t("2026-03-30T10:00:00Z"), t("2026-03-30T11:00:00Z"),
                t("2026-03-31T00:00:00Z"), t("2026-04-01T00:00:00Z")), seen);
    }

    @Test
    void buttonIdsAreStableForTheSameOccurrenceAndTarget() {
        MeetingInvite m = meeting("a", "2026-03-30T09:00:00Z", "2026-03-30T10:00:00Z");
        String id1 = utc.at(List.of(m), t("2026-03-30T09:00:00Z")).buttons().get(0).id();
        String id2 = new ButtonSchedule(ObtpSettings.defaults(), BERLIN).at(List.of(with(m, "subject", "Renamed")),
                t("2026-03-30T09:10:00Z")).buttons().get(0).id();
        assertEquals(id1, id2);
        assertTrue(id1.matches("join-[0-9a-f]{12}-[0-9a-f]{8}"), id1);
    }
    @Test
    void onlyMeetingsThatMatterTodayAreParsedAndTheRestAtTheirMidnight() {
        List<String> parsedIds = new java.util.ArrayList<>();
        InvitationParser parser = new InvitationParser(ObtpSettings.defaults());
        ButtonSchedule s = new ButtonSchedule(ObtpSettings.defaults(), ZoneOffset.UTC, m -> {
            parsedIds.add(m.id());
            return parser.parse(m);
        });
        List<MeetingInvite> ms = List.of(meeting("yesterday", "2026-03-29T09:00:00Z", "2026-03-29T10:00:00Z"),
                meeting("ended", "2026-03-30T07:00:00Z", "2026-03-30T08:00:00Z"),
                meeting("later", "2026-03-30T15:00:00Z", "2026-03-30T16:00:00Z"),
                meeting("just-after-midnight", "2026-03-31T00:03:00Z", "2026-03-31T00:30:00Z"),
                meeting("tomorrow", "2026-03-31T09:00:00Z", "2026-03-31T10:00:00Z"),
                meeting("next-week", "2026-04-06T09:00:00Z", "2026-04-06T10:00:00Z"));
        Agenda a = s.at(ms, t("2026-03-30T12:00:00Z"));
        // listed today (ended or not), and the one whose button appears (5 min pre-roll) before midnight
        assertEquals(List.of("ended", "later", "just-after-midnight"), parsedIds);
        assertEquals(List.of("ended", "later"), a.today().stream().map(i -> i.meetingKey().substring(0, i.meetingKey().indexOf('@'))).toList());
        assertEquals(Optional.of(t("2026-03-30T15:00:00Z").minus(Duration.ofMinutes(5))), a.nextChange());
        Agenda late = s.at(ms, t("2026-03-30T23:50:00Z"));
        assertEquals(Optional.of(t("2026-03-30T23:58:00Z")), late.nextChange(), "the button before midnight is still due");
        assertEquals(List.of("just-after-midnight"), ids(s.at(ms, t("2026-03-30T23:58:00Z"))));

        parsedIds.clear();
        Agenda tomorrow = s.at(ms, t("2026-03-31T00:00:00Z"));
        assertEquals(List.of("just-after-midnight", "tomorrow"), parsedIds);
        assertEquals(2, tomorrow.today().size());
    }

    @Test
    void skippingMeetingsThatDoNotMatterChangesNoAgenda() {
        java.util.Random r = new java.util.Random(0x0B7BL);
        ZoneId[] zones = {ZoneOffset.UTC, BERLIN, NEW_YORK};
        for (int round = 0; round < 300; round++) {
            Instant base = t("2026-03-27T00:00:00Z");
            List<MeetingInvite> ms = new java.util.ArrayList<>();
            for (int i = 0; i < 12; i++) {
                Instant start = base.plus(Duration.ofMinutes(r.nextInt(7 * 24 * 60)));
                MeetingInvite m = meeting("m" + i, start, start.plus(Duration.ofMinutes(r.nextInt(5) == 0 ? 0 : 15 + r.nextInt(180))));
                ms.add(r.nextInt(8) == 0 ? with(m, "allDay", true) : m);
            }
            ZoneId zone = zones[round % zones.length];
            ObtpSettings settings = ObtpSettings.defaults().withPreroll(Duration.ofMinutes(r.nextInt(90)))
                    .withGrace(Duration.ofMinutes(r.nextInt(30)));
            Instant now = base.plus(Duration.ofMinutes(r.nextInt(7 * 24 * 60)));
            Agenda lazy = new ButtonSchedule(settings, zone).at(ms, now);
            // the same agenda from only the meetings that matter, and from every meeting decided one by one
            ButtonSchedule all = new ButtonSchedule(settings, zone);
            Instant dayEnd = now.atZone(zone).toLocalDate().plusDays(1).atStartOfDay(zone).toInstant();
            Instant next = dayEnd;
            List<String> buttons = new java.util.ArrayList<>();
            for (MeetingInvite m : ms) {
                MeetingDecision d = all.decide(m);
                if (d.eligible()) {
                    for (Instant c : new Instant[] {d.from(), d.until()}) {
                        if (c.isAfter(now) && c.isBefore(next)) {
                            next = c;
                        }
                    }
                    if (!now.isBefore(d.from()) && now.isBefore(d.until())) {
                        buttons.add(d.meetingKey());
                    }
                }
            }
            Instant listedNext = lazy.today().stream().flatMap(i -> java.util.stream.Stream.of(i.start(), i.end()))
                    .filter(c -> c.isAfter(now)).min(Instant::compareTo).orElse(dayEnd);
            assertEquals(Optional.of(next.isBefore(listedNext) ? next : listedNext), lazy.nextChange(), "round " + round);
            assertEquals(buttons.stream().sorted().toList(), lazy.buttons().stream().map(JoinButton::meetingKey).sorted().toList(),
                    "round " + round);
        }
    }
}
