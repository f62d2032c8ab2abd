package io.roomwire.agent.obtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.agent.calendar.CalendarService;
import io.roomwire.agent.calendar.GraphToken;
import io.roomwire.core.store.FileStore;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.PanelButton;
import io.roomwire.hal.sim.SimTouchPanel;
import io.roomwire.sim.cloud.SimTokenAuthority;
import io.roomwire.sim.cloud.graph.Booking;
import io.roomwire.sim.cloud.graph.InvitationBodies;
import io.roomwire.sim.cloud.graph.SimGraph;
import io.roomwire.sip.JoinTarget;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * From a booking in the simulated Graph to a press on the simulated panel: invitation bodies of
 * each provider travel over real HTTP (loopback) through the calendar sync into buttons; time is
 * virtual.
 */
class ObtpCalendarEndToEndTest {

    private static final String ROOM = "room-4.12@contoso.com";
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    private static final Duration POLL = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final VirtualScheduler time = new VirtualScheduler(Instant.parse("2026-03-30T06:00:00Z")); // 08:00 Berlin
    private final SimTokenAuthority entra = new SimTokenAuthority("contoso-tenant", time.clock());
    private final SimTouchPanel panel = new SimTouchPanel();
    private final List<JoinTarget> joined = new CopyOnWriteArrayList<>();
    private SimGraph graph;
    private CalendarService calendar;
    private ObtpService obtp;

    @BeforeEach
    void givenARoomMailbox() throws Exception {
        graph = new SimGraph(entra, time.clock()).start();
        graph.addMailbox(ROOM);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (obtp != null) {
            obtp.stop();
        }
        if (calendar != null) {
            calendar.stop();
        }
        graph.close();
    }

    private ZonedDateTime today(int h, int m) {
        return ZonedDateTime.of(LocalDate.of(2026, 3, 30), LocalTime.of(h, m), BERLIN);
    }

    private void startRoom(Duration poll) throws Exception {
        String token = entra.sign(Map.of("aud", SimTokenAuthority.GRAPH_AUDIENCE, "roles", List.of("Calendars.Read")),
                Duration.ofDays(60));
        GraphToken tokens = new GraphToken() {
            @Override
            public Optional<String> accessToken() {
                return Optional.of(token);
            }

            @Override
            public Optional<String> refreshAfterUnauthorized() {
                return Optional.empty();
            }
        };
        calendar = CalendarService.builder().mailbox(ROOM).graphUrl(graph.baseUrl()).token(tokens).scheduler(time)
                .store(new FileStore(dir.resolve("state"), time.clock()))
                .atRest(CalendarService.cacheCipher(() -> Optional.of(identity(time.clock())))).zone(BERLIN).pollInterval(poll)
                .random(new Random(7)).build();
        obtp = ObtpService.builder().meetings(calendar::meetings).scheduler(time).zone(BERLIN).panel(panel)
                .joinHandler(joined::add).title("Room 4.12").build();
        calendar.addListener(ms -> obtp.calendarChanged());
        calendar.start();
        obtp.start();
    }

    /** Runs due work (HTTP answers arrive on socket threads) until the condition holds, at most 10 s. */
    private void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            time.runDue();
            if (condition.getAsBoolean()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s; panel shows " + panel.current());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    private List<String> lines() {
        return panel.current().map(s -> s.lines()).orElse(List.of());
    }

    private List<PanelButton> buttons() {
        return panel.current().map(s -> s.buttons()).orElse(List.of());
    }

    @Test
    void bookedMeetingsOfEveryProviderBecomeButtonsThatJoinTheRightTarget() throws Exception {
        graph.book(ROOM, Booking.of("Cisco review", today(9, 0), Duration.ofMinutes(30))
                .teamsCviInvitation(InvitationBodies.Provider.CISCO, InvitationBodies.Wording.JOIN_WITH, "contoso",
                        "1234567890").build());
        graph.book(ROOM, Booking.of("Poly sync", today(9, 30), Duration.ofMinutes(30))
                .teamsCviInvitation(InvitationBodies.Provider.POLY, InvitationBodies.Wording.JOIN_ON_TENANT_KEY,
                        "823979477", "1189497860").safeLinks().build());
        graph.book(ROOM, Booking.of("Vendor call", today(10, 0), Duration.ofMinutes(30))
                .webexInvitation("fabrikam", "25431234567").build());
        graph.book(ROOM, Booking.of("Customer demo", today(10, 30), Duration.ofMinutes(30))
                .zoomInvitation("81234567890", "123456").build());
        String cancelled = graph.book(ROOM, Booking.of("Dropped", today(11, 0), Duration.ofMinutes(30))
                .teamsInvitation().build());
        graph.cancel(ROOM, cancelled);
        startRoom(Duration.ofHours(1)); // everything is booked before the start: few polls while time runs
        await(() -> lines().size() == 5);
        assertTrue(lines().get(0).startsWith("09:00–09:30  Cisco review"), lines().toString());
        assertEquals(List.of(), buttons());

        List<String> subjects = List.of("Cisco review", "Poly sync", "Vendor call", "Customer demo");
        List<String> expected = List.of("sips:1234567890.contoso@m.webex.com", "sips:823979477.1189497860@t.plcm.vc",
                "sip:25431234567@fabrikam.webex.com", "sip:81234567890.123456@zoomcrc.com");
        for (int i = 0; i < expected.size(); i++) {
            String subject = subjects.get(i);
            Instant buttonTime = today(9, 0).plusMinutes(30L * i).minusMinutes(5).toInstant();
            time.advanceTo(buttonTime.minusSeconds(1));
            await(() -> true);
            assertTrue(buttons().stream().noneMatch(b -> b.detail().startsWith(subject)), subject + " too early");
            time.advanceTo(buttonTime);
            await(() -> buttons().stream().anyMatch(b -> b.detail().startsWith(subject)));
            PanelButton button = buttons().stream().filter(b -> b.detail().startsWith(subject)).findFirst().orElseThrow();
            panel.press(button.id());
            int n = joined.size();
            await(() -> joined.size() == n + 1);
            assertEquals(expected.get(i), joined.get(n).uri(), subject);
        }
        time.advanceTo(today(10, 56).toInstant());
        await(() -> true);
        assertTrue(buttons().stream().noneMatch(b -> b.detail().startsWith("Dropped")), "cancelled: never a button");
    }

    @Test
    void aMeetingBookedWhileTheRoomRunsGetsItsButtonAfterThePoll() throws Exception {
        startRoom(POLL);
        await(() -> lines().equals(List.of("No meetings today")));
        graph.book(ROOM, Booking.of("Ad hoc", today(8, 2), Duration.ofMinutes(30))
                .teamsCviInvitation(InvitationBodies.Provider.PEXIP, InvitationBodies.Wording.ONE_LINE,
                        "teams@vc.fabrikam.example", "987654321").build());
        Instant booked = time.now();
        time.advance(POLL);
        await(() -> buttons().size() == 1);
        assertTrue(Duration.between(booked, time.now()).compareTo(POLL.plusSeconds(1)) <= 0);
        panel.press(buttons().get(0).id());
        await(() -> joined.size() == 1);
        assertEquals(JoinTarget.sip("sips:987654321@vc.fabrikam.example", "teams-pexip", "body"), joined.get(0));
    }

    private io.roomwire.provisioning.identity.DeviceIdentity identity(java.time.Clock clock) {
        try {
            return io.roomwire.provisioning.identity.DeviceIdentity.loadOrCreate(new FileStore(dir.resolve("state"), clock), clock, "room");
        } catch (io.roomwire.provisioning.identity.IdentityException e) {
            throw new IllegalStateException(e);
        }
    }
}
