package io.roomwire.agent.obtp;

import static io.roomwire.agent.obtp.Meetings.meeting;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.health.Health;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.PanelButton;
import io.roomwire.hal.Screen;
import io.roomwire.hal.sim.SimTouchPanel;
import io.roomwire.sim.cloud.graph.InvitationBodies;
import io.roomwire.sip.JoinTarget;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class ObtpServiceTest {

    private final VirtualScheduler scheduler = new VirtualScheduler(Instant.parse("2026-03-30T05:00:00Z"));
    private final SimTouchPanel panel = new SimTouchPanel();
    private final List<JoinTarget> joined = new CopyOnWriteArrayList<>();
    private final List<DeviceEvent> events = new CopyOnWriteArrayList<>();
    private volatile List<MeetingInvite> calendar = new CopyOnWriteArrayList<>();

    private ObtpService service(Supplier<List<MeetingInvite>> source) {
        return ObtpService.builder().meetings(source).scheduler(scheduler).zone(ZoneId.of("Europe/Berlin"))
                .panel(panel).joinHandler(joined::add).events(events::add).title("Room 4.12").build();
    }

    private Screen screen() {
        return panel.current().orElseThrow();
    }

    private static MeetingInvite teamsCisco(String id, String start, String end) {
        String join = InvitationBodies.teamsJoinUrl(id);
        String body = InvitationBodies.teamsCvi(InvitationBodies.Provider.CISCO, InvitationBodies.Wording.JOIN_WITH,
                "contoso", "1234567890", join);
        return new MeetingInvite(id, "Project review", "Adele Vance", Instant.parse(start), Instant.parse(end), false,
                false, "accepted", "busy", "normal", "singleInstance", Optional.empty(), Optional.of(join),
                "teamsForBusiness", List.of("Microsoft Teams Meeting"), "html", body);
    }

    @Test
    void showsTodaysMeetingsOnTheHomeScreenInLocalTime() throws Exception {
        calendar.add(teamsCisco("a", "2026-03-30T07:00:00Z", "2026-03-30T08:00:00Z"));
        calendar.add(meeting("tomorrow", "2026-03-31T07:00:00Z", "2026-03-31T08:00:00Z"));
        ObtpService s = service(() -> calendar);
        s.start();
        Screen home = screen();
        assertEquals("home", home.kind());
        assertEquals("Room 4.12", home.title());
        assertEquals(List.of("09:00–10:00  Project review · Adele Vance"), home.lines());
        assertEquals(List.of(), home.buttons());
        assertEquals("2026-03-30", home.data().get("date"));
        assertEquals(Health.up(), s.health());
    }

    @Test
    void joinButtonAppearsAtPrerollFromOneTimerNotATick() throws Exception {
        calendar.add(teamsCisco("a", "2026-03-30T07:00:00Z", "2026-03-30T08:00:00Z"));
        service(() -> calendar).start();
        assertEquals(1, scheduler.pending(), "exactly one timer: the next boundary");
        assertEquals(Optional.of(Instant.parse("2026-03-30T06:55:00Z")), scheduler.nextDue());
        scheduler.advanceTo(Instant.parse("2026-03-30T06:54:59Z"));
        assertEquals(List.of(), screen().buttons());
        scheduler.advance(Duration.ofSeconds(1));
        List<PanelButton> buttons = screen().buttons();
        assertEquals(1, buttons.size());
        assertEquals("Join", buttons.get(0).label());
        assertEquals("Project review · 09:00–10:00", buttons.get(0).detail());
        assertEquals(1, scheduler.pending());
        int shown = panel.history().size();
        scheduler.advanceTo(Instant.parse("2026-03-30T07:59:59Z"));
        assertEquals(shown + 1, panel.history().size(), "one re-render at the start (now), none in between");
        scheduler.advance(Duration.ofSeconds(1));
        assertEquals(List.of(), screen().buttons(), "gone at the end");
    }

    @Test
    void pressingJoinHandsTheChosenTargetToTheJoinPath() throws Exception {
        calendar.add(teamsCisco("a", "2026-03-30T07:00:00Z", "2026-03-30T08:00:00Z"));
        service(() -> calendar).start();
        scheduler.advanceTo(Instant.parse("2026-03-30T06:58:00Z"));
        panel.press(screen().buttons().get(0).id());
        assertEquals(List.of(), joined, "the handler runs on the scheduler, not the panel thread");
        scheduler.runDue();
        assertEquals(List.of(JoinTarget.sip("sips:1234567890.contoso@m.webex.com", "teams-cisco", "body")), joined);
        assertTrue(events.stream().anyMatch(e -> e.type().equals("button.pressed")));
    }

    @Test
    void emitsButtonShownOncePerMeetingOccurrence() throws Exception {
        calendar.add(teamsCisco("a", "2026-03-30T07:00:00Z", "2026-03-30T08:00:00Z"));
        calendar.add(meeting("b", "2026-03-30T08:00:00Z", "2026-03-30T09:00:00Z"));
        ObtpService s = service(() -> calendar);
        s.start();
        scheduler.advanceTo(Instant.parse("2026-03-30T06:56:00Z"));
        s.calendarChanged();
        s.calendarChanged();
        scheduler.advanceTo(Instant.parse("2026-03-30T08:30:00Z"));
        List<DeviceEvent> shown = events.stream().filter(e -> e.type().equals("button.shown")).toList();
        assertEquals(2, shown.size(), shown.toString());
        assertEquals("teams-cisco", shown.get(0).attributes().get("provider"));
        assertEquals(Instant.parse("2026-03-30T06:55:00Z"), shown.get(0).time());
        assertEquals("sip", shown.get(1).attributes().get("provider"));
        assertTrue(shown.stream().noneMatch(e -> e.attributes().toString().contains("sip:")), "no URIs in events");
    }

    @Test
    void aCalendarChangeIsShownWithoutWaitingForTheNextBoundary() throws Exception {
        ObtpService s = service(() -> calendar);
        s.start();
        assertEquals(List.of("No meetings today"), screen().lines());
        calendar.add(meeting("now", "2026-03-30T05:00:00Z", "2026-03-30T06:00:00Z"));
        s.calendarChanged();
        scheduler.runDue();
        assertEquals(1, screen().buttons().size());
        assertEquals(List.of("07:00–08:00  Meeting now · Adele Vance (now)"), screen().lines());
        calendar.clear();
        s.calendarChanged();
        scheduler.runDue();
        assertEquals(List.of(), screen().buttons(), "a deleted meeting loses its button at once");
        assertEquals(1, scheduler.pending());
    }

    /** A started service whose calendar then throws, as an unreadable cache does. */
    private ObtpService startedThenUnreadable() {
        boolean[] broken = {false};
        ObtpService s = service(() -> {
            if (broken[0]) {
                throw new IllegalStateException("cache file unreadable");
            }
            return calendar;
        });
        s.start();
        broken[0] = true;
        s.calendarChanged();
        scheduler.runDue();
        return s;
    }

    @Test
    void keepsTheLastButtonsWhenTheCalendarCannotBeRead() throws Exception {
        calendar.add(meeting("a", "2026-03-30T05:00:00Z", "2026-03-30T06:00:00Z"));
        ObtpService s = startedThenUnreadable();
        assertEquals(1, screen().buttons().size());
        assertEquals(Health.State.DEGRADED, s.health().state());
        assertTrue(s.health().reason().contains("cache file unreadable"));
    }

    @Test
    void tomorrowsButtonsComeFromTheLastGoodReadWhenTheCalendarIsStillUnreadableAtMidnight() throws Exception {
        calendar.add(meeting("today", "2026-03-30T05:00:00Z", "2026-03-30T06:00:00Z"));
        calendar.add(meeting("tomorrow", "2026-03-31T07:00:00Z", "2026-03-31T08:00:00Z"));
        ObtpService s = startedThenUnreadable();
        // tomorrow's meeting was not parsed today (only today's are), yet it is not forgotten
        scheduler.advanceTo(Instant.parse("2026-03-31T06:56:00Z"));
        assertEquals(1, screen().buttons().size());
        assertTrue(screen().buttons().get(0).detail().startsWith("Meeting tomorrow"), screen().buttons().toString());
        assertEquals(Health.State.DEGRADED, s.health().state());
    }

    @Test
    void stopCancelsTheTimerAndIgnoresPresses() throws Exception {
        calendar.add(meeting("a", "2026-03-30T05:00:00Z", "2026-03-30T06:00:00Z"));
        ObtpService s = service(() -> calendar);
        s.start();
        String id = screen().buttons().get(0).id();
        s.stop();
        s.stop();
        assertEquals(0, scheduler.pending());
        panel.press(id);
        scheduler.runDue();
        assertEquals(List.of(), joined);
        assertEquals(Health.State.DOWN, s.health().state());
        s.start();
        panel.press(id);
        scheduler.runDue();
        assertEquals(1, joined.size(), "restarted, and the panel listener was not added twice");
    }

    @Test
    void aButtonThatIsGoneCannotBePressed() throws Exception {
        calendar.add(meeting("a", "2026-03-30T05:00:00Z", "2026-03-30T06:00:00Z"));
        service(() -> calendar).start();
        String id = screen().buttons().get(0).id();
        scheduler.advanceTo(Instant.parse("2026-03-30T06:00:00Z"));
        assertThrows(IllegalStateException.class, () -> panel.press(id));
    }

    @Test
    void newSettingsApplyAtOnce() throws Exception {
        calendar.add(meeting("a", "2026-03-30T05:20:00Z", "2026-03-30T06:00:00Z"));
        ObtpService s = service(() -> calendar);
        s.start();
        assertEquals(List.of(), screen().buttons());
        s.settingsChanged(ObtpSettings.defaults().withPreroll(Duration.ofMinutes(30)));
        scheduler.runDue();
        assertEquals(1, screen().buttons().size());
    }

    @Test
    void refreshShowsTheHomeScreenAgainAfterAnotherScreenTookThePanel() throws Exception {
        calendar.add(meeting("a", "2026-03-30T05:00:00Z", "2026-03-30T06:00:00Z"));
        ObtpService s = service(() -> calendar);
        s.start();
        panel.show(Screen.of("call", "In call", List.of("00:01")));
        s.calendarChanged();
        scheduler.runDue();
        assertEquals("call", screen().kind(), "an unchanged agenda is not pushed over another screen");
        s.refresh();
        scheduler.runDue();
        assertEquals("home", screen().kind());
        assertEquals(1, screen().buttons().size());
    }
}
