package io.roomwire.agent.calendar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.roomwire.agent.obtp.MeetingInvite;
import io.roomwire.core.health.AfterStart;
import io.roomwire.core.health.Health;
import io.roomwire.core.store.FileStore;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.sim.cloud.SimPki;
import io.roomwire.sim.cloud.SimTokenAuthority;
import io.roomwire.sim.cloud.graph.Booking;
import io.roomwire.sim.cloud.graph.InvitationBodies;
import io.roomwire.sim.cloud.graph.Recurrence;
import io.roomwire.sim.cloud.graph.SimGraph;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import io.roomwire.provisioning.identity.AtRestCipher;
import io.roomwire.provisioning.identity.DeviceIdentity;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.io.TempDir;

/** Calendar sync against the simulated Graph over real HTTP on loopback; time is virtual. */
class CalendarSyncTest {

    static final String ROOM = "room-4.12@contoso.com";
    static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    static final Duration POLL = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    VirtualScheduler time = new VirtualScheduler(Instant.parse("2026-03-24T07:00:00Z")); // Tuesday, 08:00 Berlin
    SimTokenAuthority entra = new SimTokenAuthority("contoso-tenant", time.clock());
    TestToken token = new TestToken(entra);
    SimGraph graph;
    FileStore store;
    DeviceIdentity identity;
    CalendarService calendar;
    final List<List<MeetingInvite>> changes = new CopyOnWriteArrayList<>();

    @BeforeEach
    void givenARoomMailbox() throws Exception {
        graph = new SimGraph(entra, time.clock()).start();
        graph.addMailbox(ROOM);
        store = new FileStore(dir.resolve("state"), time.clock());
        identity = DeviceIdentity.loadOrCreate(store, time.clock(), "room-4.12");
    }

    AtRestCipher cacheCipher() {
        return CalendarService.cacheCipher(() -> Optional.of(identity));
    }

    /** The cache as the calendar wrote it, opened with the device's key and inflated. */
    String cachedJson() throws Exception {
        byte[] sealed = store.read(CalendarService.STORE_ENTRY).orElseThrow();
        try (java.io.InputStream in = new java.util.zip.GZIPInputStream(
                new java.io.ByteArrayInputStream(cacheCipher().open(CalendarService.STORE_ENTRY, sealed)))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        if (calendar != null) {
            calendar.stop();
        }
        graph.close();
    }

    CalendarService.Builder calendarBuilder() {
        return CalendarService.builder().mailbox(ROOM).graphUrl(graph.baseUrl()).token(token).scheduler(time)
                .store(store).atRest(cacheCipher()).zone(BERLIN).pollInterval(POLL).pageSize(10).staleAfter(Duration.ofMinutes(10))
                .retry(Duration.ofSeconds(10), Duration.ofMinutes(2)).random(new Random(7));
    }

    CalendarService started(CalendarService.Builder b) throws Exception {
        calendar = b.build();
        calendar.addListener(changes::add);
        calendar.start();
        time.runDue();
        return calendar;
    }

    CalendarService started() throws Exception {
        return started(calendarBuilder());
    }

    ZonedDateTime today(int hour, int minute) {
        return ZonedDateTime.of(LocalDate.of(2026, 3, 24), LocalTime.of(hour, minute), BERLIN);
    }

    String book(String subject, ZonedDateTime start) {
        return graph.book(ROOM, Booking.of(subject, start, Duration.ofMinutes(30)).teamsInvitation().build());
    }

    List<String> subjects() {
        return calendar.meetings().stream().map(MeetingInvite::subject).toList();
    }

    Optional<MeetingInvite> meeting(String id) {
        return calendar.meetings().stream().filter(m -> m.id().equals(id)).findFirst();
    }

    void poll() {
        time.advance(POLL);
    }

    // ------------------------------------------------------------------ full round and delta

    @Test
    void fullSyncFollowsEveryNextLinkAndStoresTheDeltaLinkWithTheCache() throws Exception {
        for (int i = 0; i < 25; i++) {
            book("Meeting " + i, today(9, 0).plusHours(i));
        }
        started();

        assertEquals(25, calendar.meetings().size());
        assertEquals(3, graph.requests("delta"), "25 events at 10 per page: 3 pages");
        String cached = cachedJson();
        assertTrue(cached.contains("$deltatoken="), "the delta link is stored with the events");
        assertTrue(cached.contains("Meeting 24"));
        assertEquals(1, changes.size(), "listeners hear about the first sync once");
        assertTrue(calendar.health().isUp(), calendar.health().toString());
    }

    @Test
    void aPollWithNoChangesIsOneRequestAndTellsNobody() throws Exception {
        book("Standup", today(9, 0));
        started();
        long before = graph.requests();

        poll();

        assertEquals(before + 1, graph.requests());
        assertEquals(1, changes.size());
    }

    @Test
    void aNewBookingShowsUpAtTheNextPoll() throws Exception {
        started();
        assertEquals(List.of(), calendar.meetings());

        String id = book("Design review", today(14, 0));
        poll();

        assertEquals(List.of("Design review"), subjects());
        assertEquals(id, changes.get(changes.size() - 1).get(0).id());
        assertEquals(today(14, 0).toInstant(), meeting(id).orElseThrow().start());
    }

    @Test
    void theInvitationBodyAndJoinFieldsArriveAsGraphSentThem() throws Exception {
        String id = graph.book(ROOM, Booking.of("Vendor call", today(11, 0), Duration.ofMinutes(60))
                .teamsCviInvitation(InvitationBodies.Provider.CISCO, InvitationBodies.Wording.JOIN_WITH, "contoso",
                        "1234567890").safeLinks().build());

        started();

        MeetingInvite m = meeting(id).orElseThrow();
        assertEquals("html", m.bodyType());
        assertTrue(m.body().contains("contoso@m.webex.com"), "the CVI section is in the body");
        assertTrue(m.body().contains("safelinks.protection.outlook.com"), "links as Defender rewrote them");
        assertTrue(m.joinUrl().orElseThrow().startsWith("https://teams.microsoft.com/"));
        assertEquals("teamsForBusiness", m.onlineMeetingProvider());
        assertEquals("Adele Vance", m.organizer());
    }

    @Test
    void movedCancelledAndDeclinedMeetingsAreUpdated() throws Exception {
        String moved = book("Moved", today(10, 0));
        String cancelled = book("Cancelled", today(11, 0));
        String declined = book("Declined", today(12, 0));
        started();

        graph.move(ROOM, moved, today(15, 0), Duration.ofMinutes(60));
        graph.cancel(ROOM, cancelled);
        graph.respond(ROOM, declined, "declined");
        poll();

        assertEquals(today(16, 0).toInstant(), meeting(moved).orElseThrow().end());
        assertTrue(meeting(cancelled).orElseThrow().cancelled());
        assertTrue(meeting(declined).orElseThrow().declinedByRoom());
    }

    @Test
    void removedItemsLeaveTheCacheIncludingMeetingsMovedOutOfTheWindow() throws Exception {
        String deleted = book("Deleted", today(10, 0));
        String movedAway = book("Moved to next month", today(11, 0));
        String kept = book("Kept", today(12, 0));
        started();

        graph.delete(ROOM, deleted);
        graph.move(ROOM, movedAway, today(11, 0).plusDays(30), Duration.ofMinutes(30));
        poll();

        assertEquals(List.of(kept), calendar.meetings().stream().map(MeetingInvite::id).toList());
    }

    @Test
    void removalOfAnEventNeverSeenIsHarmless() throws Exception {
        started();
        JsonObject raw = new JsonObject();
        raw.addProperty("id", "AAMk-never-seen");
        JsonObject removed = new JsonObject();
        removed.addProperty("reason", "deleted");
        raw.add("@removed", removed);
        graph.putRawEvent(ROOM, raw);
        book("Real", today(10, 0));

        poll();

        assertEquals(List.of("Real"), subjects());
        assertTrue(calendar.health().isUp());
    }

    @Test
    void aMalformedEventIsSkippedAndTheRestStillShows() throws Exception {
        JsonObject broken = new JsonObject();
        broken.addProperty("id", "AAMk-broken");
        broken.addProperty("subject", "No start or end");
        graph.putRawEvent(ROOM, broken);
        book("Fine", today(10, 0));

        started();

        assertEquals(List.of("Fine"), subjects());
        assertTrue(calendar.eventJson("AAMk-broken").isPresent(), "kept in the cache, left out of the meetings");
        assertTrue(calendar.health().isUp());
    }

    // ------------------------------------------------------------------ recurring series

    @Test
    void sparseOccurrencesGetTheirSeriesDetailsFetchedOnce() throws Exception {
        String master = graph.book(ROOM, Booking.of("Daily standup", today(9, 30).minusDays(3), Duration.ofMinutes(15))
                .teams("https://teams.microsoft.com/l/meetup-join/19%3ameeting_daily%40thread.v2/0")
                .body("<p>Join the daily</p>").recurring(Recurrence.daily(30)).build());
        started();

        List<MeetingInvite> daily = calendar.meetings();
        assertEquals(8, daily.size(), "yesterday, today and 6 more days");
        assertTrue(daily.stream().allMatch(m -> m.subject().equals("Daily standup")
                && m.joinUrl().isPresent() && m.seriesMasterId().equals(Optional.of(master))));
        assertEquals(1, graph.requests("event"), "one series: its details fetched once");

        poll();
        assertEquals(1, graph.requests("event"), "nothing changed: nothing fetched");

        graph.edit(ROOM, master, b -> b.withSubject("Daily standup (new room)"));
        poll();
        assertEquals(2, graph.requests("event"), "the series changed: its details fetched once more");
        assertTrue(calendar.meetings().stream().allMatch(m -> m.subject().equals("Daily standup (new room)")));
    }

    @Test
    void movedAndCancelledOccurrencesOfASeriesAreRight() throws Exception {
        String master = graph.book(ROOM, Booking.of("Weekly sync", today(10, 0), Duration.ofMinutes(30))
                .recurring(Recurrence.daily(0).until(LocalDate.of(2026, 4, 30))).build());
        started();
        LocalDate thursday = LocalDate.of(2026, 3, 26);
        LocalDate friday = LocalDate.of(2026, 3, 27);

        String exception = graph.moveOccurrence(ROOM, master, thursday, ZonedDateTime.of(thursday, LocalTime.of(16, 0),
                BERLIN), Duration.ofMinutes(45));
        graph.deleteOccurrence(ROOM, master, friday);
        poll();

        MeetingInvite moved = meeting(exception).orElseThrow();
        assertEquals("exception", moved.type());
        assertEquals(ZonedDateTime.of(thursday, LocalTime.of(16, 0), BERLIN).toInstant(), moved.start());
        assertTrue(meeting(SimGraph.occurrenceId(master, friday)).isEmpty(), "the cancelled occurrence is gone");
        assertEquals(6, calendar.meetings().size(), "today to Monday: 7 days, less the cancelled Friday");
    }

    @Test
    void occurrencesKeepTheirLocalTimeAcrossTheDstChange() throws Exception {
        // Berlin moves to summer time on Sunday 2026-03-29.
        graph.book(ROOM, Booking.of("Weekday check-in", today(9, 0), Duration.ofMinutes(15))
                .recurring(Recurrence.weekly(20, DayOfWeek.MONDAY, DayOfWeek.TUESDAY, DayOfWeek.FRIDAY)).build());
        started();

        List<MeetingInvite> ms = calendar.meetings();
        assertEquals(List.of("2026-03-24T08:00:00Z", "2026-03-27T08:00:00Z", "2026-03-30T07:00:00Z"),
                ms.stream().map(m -> m.start().toString()).toList());
        assertTrue(ms.stream().allMatch(m -> m.start().atZone(BERLIN).toLocalTime().equals(LocalTime.of(9, 0))));
    }

    // ------------------------------------------------------------------ token expiry, throttling, errors

    @Test
    void anExpiredDeltaTokenResyncsWithoutDroppingTheButtonsShown() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            ids.add(book("Meeting " + i, today(9, 0).plusMinutes(20L * i)));
        }
        started();
        graph.expireDeltaTokens();
        graph.delete(ROOM, ids.get(0));
        // The resync's second page is throttled, so the new round stays half done for a minute.
        graph.failNext(1, new SimGraph.Fault(503, Optional.of(Duration.ofSeconds(60)), Optional.of("skiptoken")));
        int heard = changes.size();

        poll();

        assertEquals(25, calendar.meetings().size(), "the old cache is served until the new round completes");
        assertEquals(heard, changes.size());

        time.advance(Duration.ofSeconds(60));

        assertEquals(24, calendar.meetings().size());
        assertFalse(subjects().contains("Meeting 0"));
        assertTrue(calendar.health().isUp(), calendar.health().toString());
    }

    @Test
    void throttlingWaitsForRetryAfterAndThenContinues() throws Exception {
        started();
        book("After the storm", today(10, 0));
        graph.failNext(1, 429, Optional.of(Duration.ofSeconds(120)));
        poll();
        long afterThrottle = graph.requests();

        time.advance(Duration.ofSeconds(119));
        assertEquals(afterThrottle, graph.requests(), "nothing before Retry-After");
        assertTrue(calendar.meetings().isEmpty());

        time.advance(Duration.ofSeconds(1));
        assertEquals(afterThrottle + 1, graph.requests());
        assertEquals(List.of("After the storm"), subjects());
    }

    @Test
    void aRetryAfterBeyondNanosecondRangeIsCappedAtADay() throws Exception {
        started();
        book("After the long storm", today(10, 0));
        // 10^13 s overflows Duration.toNanos: uncapped, the next poll is lost or never due
        graph.failNext(1, 429, Optional.of(Duration.ofSeconds(10_000_000_000_000L)));
        poll();
        long afterThrottle = graph.requests();
        time.advance(Duration.ofDays(1).plusSeconds(1));
        assertTrue(graph.requests() > afterThrottle, "polled again within a day");
        assertEquals(List.of("After the long storm"), subjects());
    }

    @Test
    void serviceUnavailableWithoutRetryAfterBacksOffWithJitterInsteadOfWaitingAPollInterval() throws Exception {
        started(calendarBuilder().pollInterval(Duration.ofMinutes(5)));
        book("Later", today(10, 0));
        graph.failNext(3, 503, Optional.empty());
        time.advance(Duration.ofMinutes(5));

        long first = secondsUntilNextRequest();
        long second = secondsUntilNextRequest();
        long third = secondsUntilNextRequest();

        assertTrue(first >= 5 && first <= 10, "first back-off 5..10 s: " + first);
        assertTrue(second >= 5 && second <= 20, "second back-off 5..20 s: " + second);
        assertTrue(third >= 5 && third <= 40, "third back-off 5..40 s: " + third);
        assertEquals(List.of("Later"), subjects());
        assertTrue(calendar.health().isUp());
    }

    @Test
    void gatewayTimeoutsDuringTheFirstRoundResumeFromTheSamePage() throws Exception {
        for (int i = 0; i < 15; i++) {
            book("Meeting " + i, today(9, 0).plusMinutes(30L * i));
        }
        graph.failNext(1, new SimGraph.Fault(504, Optional.of(Duration.ofSeconds(5)), Optional.of("skiptoken")));
        started();
        assertEquals(2, graph.requests("delta"));

        time.advance(Duration.ofSeconds(5));

        assertEquals(3, graph.requests("delta"), "the failed page is asked again, not the whole round");
        assertEquals(15, calendar.meetings().size());
    }

    @Test
    void noMoreThanFourRequestsRunAtOnceForTheMailbox() throws Exception {
        for (int i = 0; i < 10; i++) {
            graph.book(ROOM, Booking.of("Series " + i, today(8, 0).plusMinutes(30L * i), Duration.ofMinutes(15))
                    .recurring(Recurrence.daily(10)).build());
        }
        graph.hold("/events/");
        calendar = calendarBuilder().build();
        calendar.start();
        Thread sync = new Thread(time::runDue, "test-sync");
        sync.start();

        await(() -> graph.inFlight(ROOM) == 4);
        assertEquals(4, graph.maxConcurrent(ROOM));
        graph.release();
        sync.join(TimeUnit.SECONDS.toMillis(20));

        assertFalse(sync.isAlive());
        assertEquals(4, graph.maxConcurrent(ROOM));
        assertEquals(10, graph.requests("event"), "one fetch per series");
        assertTrue(calendar.meetings().stream().allMatch(m -> m.subject().startsWith("Series ")));
    }

    @Test
    void unauthorizedAsksForAFreshTokenOnceAndCarriesOn() throws Exception {
        book("Standup", today(9, 0));
        token.set(token.wrongAudience());

        started();

        assertEquals(1, token.refreshes.get());
        assertEquals(List.of("Standup"), subjects());
        assertTrue(calendar.health().isUp());
    }

    @Test
    void unauthorizedAfterTheFreshTokenIsReportedInHealth() throws Exception {
        book("Standup", today(9, 0));
        token.set(token.wrongAudience());
        token.refreshGivesValid = false;

        started();

        assertEquals(1, token.refreshes.get(), "asked once, not in a loop");
        Health h = calendar.health();
        assertEquals(Health.State.DOWN, h.state());
        assertTrue(h.reason().contains("401"), h.reason());
        assertTrue(h.reason().contains("InvalidAuthenticationToken"), h.reason());
    }

    @Test
    void aTokenBackAfterALongGapIsUsedWithinSecondsNotAfterABackOffGrownMeanwhile() throws Exception {
        // An Entra outage: for ten minutes there is no token; the calendar sends nothing and keeps no growing back-off.
        book("Standup", today(9, 0));
        token.set(null);
        started();
        time.advance(Duration.ofMinutes(10));
        assertEquals(0, graph.requests(), "no request without a token");
        token.set(token.valid());
        time.advance(CalendarService.NO_TOKEN_RECHECK);
        assertEquals(List.of("Standup"), subjects());
        assertTrue(calendar.health().isUp(), calendar.health().toString());
    }

    @Test
    void beforeEnrollmentNothingIsSentAndHealthSaysWhy() throws Exception {
        book("Standup", today(9, 0));
        token.set(null);

        started();

        assertEquals(0, graph.requests(), "no request without a token");
        assertEquals(0, token.refreshes.get());
        Health h = calendar.health();
        assertEquals(Health.State.DOWN, h.state());
        assertTrue(h.reason().contains("not enrolled"), h.reason());

        token.set(token.valid());
        time.advance(Duration.ofMinutes(2));
        assertEquals(List.of("Standup"), subjects());
        assertTrue(calendar.health().isUp());
    }

    @Test
    void accessDeniedNamesThePermissionAndTheApplicationAccessPolicy() throws Exception {
        graph.setReadable(ROOM, false);

        started();

        Health h = calendar.health();
        assertEquals(Health.State.DOWN, h.state());
        assertTrue(h.reason().contains("403 ErrorAccessDenied for " + ROOM), h.reason());
        assertTrue(h.reason().contains("Calendars.Read"), h.reason());
        assertTrue(h.reason().contains("New-ApplicationAccessPolicy"), h.reason());

        graph.setReadable(ROOM, true);
        time.advance(Duration.ofMinutes(2));
        assertTrue(calendar.health().isUp(), "recovers by itself once the policy is fixed");
    }

    // ------------------------------------------------------------------ offline, restart, window

    @Test
    void withoutNetworkTheCacheKeepsServingAndHealthSaysStaleAfterTheConfiguredTime() throws Exception {
        book("Standup", today(9, 0));
        started();
        Instant synced = time.now();
        graph.close();

        time.advance(Duration.ofMinutes(9));
        assertEquals(List.of("Standup"), subjects());
        assertTrue(calendar.health().isUp(), calendar.health().toString());

        time.advance(Duration.ofMinutes(2));
        Health h = calendar.health();
        assertEquals(Health.State.DEGRADED, h.state());
        assertTrue(h.reason().startsWith("calendar stale since " + synced), h.reason());
        assertEquals(List.of("Standup"), subjects());
    }

    @Test
    void theCacheSurvivesARestartAndServesButtonsBeforeGraphAnswers() throws Exception {
        book("Standup", today(9, 0));
        started();
        calendar.stop();
        graph.close();
        changes.clear();

        calendar = calendarBuilder().build();
        calendar.addListener(changes::add);
        calendar.start();

        assertEquals(List.of("Standup"), subjects(), "from the cache, before any request");
        assertEquals(1, changes.size());
    }

    @Test
    void aRestartContinuesFromTheStoredDeltaLink() throws Exception {
        book("Standup", today(9, 0));
        started();
        calendar.stop();
        long before = graph.requests("delta");

        started();

        assertEquals(before + 1, graph.requests("delta"), "one delta poll, no new full round");
    }

    @Test
    void aStartFromAFreshCacheIsUpAtOnceAndSyncsOnlyOnceTheRestOfTheStartIsOver() throws Exception {
        book("Standup", today(9, 0));
        started();
        calendar.stop();
        book("Retro", today(10, 0));
        long before = graph.requests();
        AfterStart afterStart = new AfterStart();

        started(calendarBuilder().afterStart(afterStart));
        time.advance(Duration.ofMinutes(2));

        assertTrue(calendar.health().isUp(), calendar.health().toString());
        assertEquals(before, graph.requests(), "no Graph request before the start is over");
        assertEquals(List.of("Standup"), subjects(), "from the cache");

        afterStart.openNow();
        time.runDue();

        assertEquals(before + 1, graph.requests(), "one delta poll once it is over");
        assertEquals(List.of("Standup", "Retro"), subjects());
        time.advance(POLL);
        assertEquals(before + 2, graph.requests(), "then the poll interval, as ever");
    }

    @Test
    void aStartWithoutACacheOrWithAStaleOneSyncsAtOnceWhateverTheRestOfTheStartDoes() throws Exception {
        book("Standup", today(9, 0));
        AfterStart closed = new AfterStart();
        started(calendarBuilder().afterStart(closed));
        assertEquals(List.of("Standup"), subjects(), "no cache: the first sync is what makes the calendar UP");
        assertTrue(calendar.health().isUp(), calendar.health().toString());
        calendar.stop();

        time.advance(Duration.ofMinutes(11)); // older than stale-after while the room was off
        book("Retro", today(10, 0));
        started(calendarBuilder().afterStart(new AfterStart()));

        assertEquals(List.of("Standup", "Retro"), subjects(), "a stale cache is not UP: it syncs at once");
        assertTrue(calendar.health().isUp(), calendar.health().toString());
    }

    @Test
    void aSyncAskedForBeforeTheStartIsOverRunsAtOnceAndTheDeferredOneDoesNotRunTwice() throws Exception {
        book("Standup", today(9, 0));
        started();
        calendar.stop();
        AfterStart afterStart = new AfterStart();
        started(calendarBuilder().afterStart(afterStart));
        long before = graph.requests();

        CompletableFuture<SyncReport> f = calendar.syncNow();
        time.runDue();
        assertTrue(f.isDone() && f.join().ok(), String.valueOf(f));
        assertEquals(before + 1, graph.requests());

        afterStart.openNow();
        time.runDue();
        assertEquals(before + 1, graph.requests(), "the loop already runs: nothing more until the poll interval");
        time.advance(POLL);
        assertEquals(before + 2, graph.requests());
    }

    @Test
    void aCacheFromAnotherGraphUrlIsServedUntilAFullRoundAgainstTheNewOneCompletes() throws Exception {
        book("Standup", today(9, 0));
        started();
        calendar.stop();
        graph.close();
        graph = new SimGraph(entra, time.clock()).start();
        graph.addMailbox(ROOM);
        book("Standup elsewhere", today(9, 0));
        calendar = calendarBuilder().build();
        calendar.start();
        assertEquals(List.of("Standup"), subjects(), "served from the cache first");

        time.runDue();

        assertEquals(List.of("Standup elsewhere"), subjects());
        assertTrue(calendar.health().isUp(), calendar.health().toString());
    }

    @Test
    void theCacheIsEncryptedAtRestAndUselessOnAnotherDevice() throws Exception {
        book("Board meeting: layoffs", today(9, 0));
        started();
        byte[] onDisk = Files.readAllBytes(store.pathOf(CalendarService.STORE_ENTRY));
        String raw = new String(onDisk, StandardCharsets.ISO_8859_1);
        assertFalse(raw.contains("Board meeting"), "meeting titles are not stored in the clear");
        assertFalse(raw.contains("deltatoken"), "nor the delta link");
        assertTrue(cachedJson().contains("Board meeting: layoffs"));
        calendar.stop();

        FileStore other = new FileStore(dir.resolve("other"), time.clock());
        DeviceIdentity otherDevice = DeviceIdentity.loadOrCreate(other, time.clock(), "room-9");
        assertThrows(AtRestCipher.OpenException.class, () -> CalendarService.cacheCipher(() -> Optional.of(otherDevice))
                .open(CalendarService.STORE_ENTRY, store.read(CalendarService.STORE_ENTRY).orElseThrow()));
    }

    @Test
    void aPlaintextCacheFromAnEarlierVersionIsServedAndEncryptedAtOnce() throws Exception {
        book("Standup", today(9, 0));
        started();
        String json = cachedJson();
        calendar.stop();
        store.write(CalendarService.STORE_ENTRY, json.getBytes(StandardCharsets.UTF_8), FileStore.Sensitivity.SECRET);
        graph.failNext(5, 503, Optional.of(Duration.ofMinutes(5)));

        started();

        assertEquals(List.of("Standup"), subjects(), "served from the old cache");
        byte[] onDisk = store.read(CalendarService.STORE_ENTRY).orElseThrow();
        assertTrue(cacheCipher().isSealed(onDisk), "rewritten sealed");
        assertFalse(new String(onDisk, StandardCharsets.ISO_8859_1).contains("Standup"));
    }

    @Test
    void aCorruptCacheIsSetAsideAndAFullSyncRebuildsIt() throws Exception {
        book("Standup", today(9, 0));
        started();
        calendar.stop();
        Path file = store.pathOf(CalendarService.STORE_ENTRY);
        byte[] b = Files.readAllBytes(file);
        b[b.length - 3] ^= 0x5a;
        Files.write(file, b);

        started();

        assertEquals(List.of("Standup"), subjects());
        assertTrue(Files.list(store.dir()).anyMatch(p -> p.getFileName().toString().contains(".corrupt-")));
    }

    @Test
    void theWindowRollsForwardAtMidnightWithANewRound() throws Exception {
        String farAhead = book("Next week", today(10, 0).plusDays(7));
        String yesterday = book("Yesterday", today(10, 0).minusDays(1));
        started(calendarBuilder().pollInterval(Duration.ofHours(1)));
        assertEquals(List.of("Yesterday"), subjects(), "today+7 is outside [yesterday, today+7d)");
        CalendarService.Window first = calendar.window().orElseThrow();

        time.advanceTo(today(0, 0).plusDays(1).toInstant().plus(Duration.ofHours(1)));

        CalendarService.Window second = calendar.window().orElseThrow();
        assertEquals(first.from().plus(Duration.ofDays(1)), second.from());
        assertEquals(List.of(farAhead), calendar.meetings().stream().map(MeetingInvite::id).toList());
        assertTrue(meeting(yesterday).isEmpty(), "two days ago is outside the window now");
    }

    @Test
    void syncNowRunsAtOnceAndReportsTheOutcome() throws Exception {
        started(calendarBuilder().pollInterval(Duration.ofMinutes(10)));
        book("Ad hoc", today(10, 0));

        CompletableFuture<SyncReport> f = calendar.syncNow();
        time.runDue();

        SyncReport r = f.getNow(null);
        assertTrue(r.ok(), r.message());
        assertEquals(1, r.meetings());
        assertEquals(1, r.requests());
        assertEquals(List.of("Ad hoc"), subjects());
    }

    @Test
    void syncsOverHttpsTrustingOnlyTheGivenCa() throws Exception {
        SimPki pki = new SimPki("graph-test");
        try (SimGraph tls = SimGraph.https(entra, time.clock(), pki).start()) {
            tls.addMailbox(ROOM);
            tls.book(ROOM, Booking.of("Over TLS", today(10, 0), Duration.ofMinutes(30)).teamsInvitation().build());
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setCertificateEntry("ca", pki.caCertificate());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);

            started(calendarBuilder().graphUrl(tls.baseUrl()).trust((X509TrustManager) tmf.getTrustManagers()[0]));

            assertTrue(tls.baseUrl().startsWith("https://"));
            assertEquals(List.of("Over TLS"), subjects());
            calendar.stop();

            // Without the CA the certificate is refused: nothing synced, and health says so.
            store.delete(CalendarService.STORE_ENTRY);
            started(calendarBuilder().graphUrl(tls.baseUrl()));
            assertTrue(calendar.meetings().isEmpty());
            assertFalse(calendar.health().isUp());
            assertEquals(1, tls.requests("delta"), "the untrusted server never got a request");
        }
    }

    @Test
    void anInsecureGraphUrlIsRefusedWithTheKeyToFix() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> calendarBuilder().graphUrl("http://graph.example.com/v1.0").build());
        assertTrue(e.getMessage().contains("calendar.graph-url must use https"), e.getMessage());
    }

    long secondsUntilNextRequest() {
        long n = graph.requests();
        for (long s = 1; s <= 600; s++) {
            time.advance(Duration.ofSeconds(1));
            if (graph.requests() > n) {
                return s;
            }
        }
        throw new AssertionError("no request within 10 minutes");
    }

    static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }
}
