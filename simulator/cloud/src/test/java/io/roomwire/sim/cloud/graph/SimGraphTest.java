package io.roomwire.sim.cloud.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.roomwire.sim.cloud.SimTokenAuthority;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The simulated Graph speaks Graph's wire format: plain HTTP requests, no SDK. */
class SimGraphTest {

    static final String ROOM = "room-1@contoso.com";
    static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    final Clock clock = Clock.fixed(Instant.parse("2026-03-24T07:00:00Z"), ZoneOffset.UTC);
    final SimTokenAuthority entra = new SimTokenAuthority("t1", clock);
    final HttpClient http = HttpClient.newHttpClient();
    SimGraph graph;
    String token;

    @BeforeEach
    void start() throws Exception {
        graph = new SimGraph(entra, clock).start();
        graph.addMailbox(ROOM);
        token = entra.sign(Map.of("aud", SimTokenAuthority.GRAPH_AUDIENCE, "roles", List.of("Calendars.Read")),
                Duration.ofHours(1));
    }

    @AfterEach
    void stop() {
        graph.close();
    }

    HttpResponse<String> get(String url, String prefer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token);
        if (prefer != null) {
            b.header("Prefer", prefer);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    String deltaUrl(String suffix) {
        return graph.baseUrl() + "/users/" + URLEncoder.encode(ROOM, StandardCharsets.UTF_8) + "/calendarView/delta" + suffix
                + "?startDateTime=2026-03-23T00:00:00Z&endDateTime=2026-03-31T00:00:00Z";
    }

    static JsonObject json(HttpResponse<String> r) {
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    ZonedDateTime at(int day, int hour) {
        return ZonedDateTime.of(LocalDate.of(2026, 3, day), LocalTime.of(hour, 0), BERLIN);
    }

    /** Follows nextLinks to the deltaLink; returns all items and the deltaLink. */
    List<JsonObject> round(String url, String prefer, String[] deltaLink) throws Exception {
        List<JsonObject> items = new ArrayList<>();
        String next = url;
        while (true) {
            HttpResponse<String> r = get(next, prefer);
            assertEquals(200, r.statusCode(), r.body());
            JsonObject o = json(r);
            o.getAsJsonArray("value").forEach(e -> items.add(e.getAsJsonObject()));
            if (o.has("@odata.nextLink")) {
                next = o.get("@odata.nextLink").getAsString();
            } else {
                deltaLink[0] = o.get("@odata.deltaLink").getAsString();
                return items;
            }
        }
    }

    @Test
    void deltaPagesWithNextLinksAndEndsWithADeltaLinkWithAndWithoutParentheses() throws Exception {
        for (int i = 0; i < 7; i++) {
            graph.book(ROOM, Booking.of("M" + i, at(24, 8 + i), Duration.ofMinutes(30)).build());
        }
        for (String suffix : new String[] {"()", ""}) {
            HttpResponse<String> first = get(deltaUrl(suffix), "odata.maxpagesize=3");
            JsonObject page = json(first);
            assertEquals(3, page.getAsJsonArray("value").size());
            assertTrue(page.get("@odata.nextLink").getAsString().contains("$skiptoken="));
            assertTrue(page.has("@odata.context"));
            String[] delta = new String[1];
            List<JsonObject> all = round(deltaUrl(suffix), "odata.maxpagesize=3", delta);
            assertEquals(7, all.size());
            assertTrue(delta[0].contains("$deltatoken="));
        }
    }

    @Test
    void aDeltaPollReportsChangesAndRemovalsOnly() throws Exception {
        String a = graph.book(ROOM, Booking.of("A", at(24, 9), Duration.ofMinutes(30)).build());
        String b = graph.book(ROOM, Booking.of("B", at(24, 10), Duration.ofMinutes(30)).build());
        graph.book(ROOM, Booking.of("C", at(24, 11), Duration.ofMinutes(30)).build());
        String[] delta = new String[1];
        round(deltaUrl("()"), null, delta);

        assertEquals(List.of(), round(delta[0], null, delta), "no change: empty page");

        graph.delete(ROOM, a);
        graph.respond(ROOM, b, "declined");
        List<JsonObject> changes = round(delta[0], null, delta);
        assertEquals(2, changes.size());
        JsonObject removed = changes.stream().filter(o -> o.has("@removed")).findFirst().orElseThrow();
        assertEquals(a, removed.get("id").getAsString());
        assertEquals("deleted", removed.getAsJsonObject("@removed").get("reason").getAsString());
        JsonObject declined = changes.stream().filter(o -> !o.has("@removed")).findFirst().orElseThrow();
        assertEquals("declined", declined.getAsJsonObject("responseStatus").get("response").getAsString());
    }

    @Test
    void seriesExpandIntoSparseOccurrencesAndTheMasterHasTheDetails() throws Exception {
        String master = graph.book(ROOM, Booking.of("Daily", at(20, 9), Duration.ofMinutes(15))
                .teams("https://teams.microsoft.com/l/meetup-join/x").recurring(Recurrence.daily(10)).build());
        graph.moveOccurrence(ROOM, master, LocalDate.of(2026, 3, 25), at(25, 14), Duration.ofMinutes(30));
        graph.deleteOccurrence(ROOM, master, LocalDate.of(2026, 3, 26));
        String[] delta = new String[1];
        List<JsonObject> items = round(deltaUrl("()"), "outlook.timezone=\"UTC\"", delta);

        // 23..29 March: 7 days, one moved (exception, full), one deleted.
        assertEquals(6, items.size());
        JsonObject exception = items.stream().filter(o -> o.get("type").getAsString().equals("exception")).findFirst()
                .orElseThrow();
        assertEquals("Daily", exception.get("subject").getAsString());
        assertEquals("2026-03-25T13:00:00.0000000", exception.getAsJsonObject("start").get("dateTime").getAsString());
        JsonObject occurrence = items.stream().filter(o -> o.get("type").getAsString().equals("occurrence")).findFirst()
                .orElseThrow();
        assertFalse(occurrence.has("subject"), "delta sends occurrences without details");
        assertEquals(master, occurrence.get("seriesMasterId").getAsString());

        HttpResponse<String> m = get(graph.baseUrl() + "/users/" + ROOM + "/events/" + master, null);
        JsonObject ms = json(m);
        assertEquals("seriesMaster", ms.get("type").getAsString());
        assertEquals("daily", ms.getAsJsonObject("recurrence").getAsJsonObject("pattern").get("type").getAsString());
        assertEquals("https://teams.microsoft.com/l/meetup-join/x", ms.getAsJsonObject("onlineMeeting").get("joinUrl")
                .getAsString());
    }

    @Test
    void timesFollowTheRequestedTimeZoneAndDst() throws Exception {
        graph.book(ROOM, Booking.of("Across DST", at(27, 9), Duration.ofMinutes(15)).recurring(Recurrence.daily(4))
                .build());
        String[] delta = new String[1];
        List<JsonObject> items = round(deltaUrl("()"), "outlook.timezone=\"Europe/Berlin\"", delta);
        List<String> starts = items.stream().map(o -> o.getAsJsonObject("start").get("dateTime").getAsString()).toList();
        assertEquals(List.of("2026-03-27T09:00:00.0000000", "2026-03-28T09:00:00.0000000",
                "2026-03-29T09:00:00.0000000", "2026-03-30T09:00:00.0000000"), starts);
        List<JsonObject> utc = round(deltaUrl("()"), "outlook.timezone=\"UTC\"", delta);
        assertEquals("2026-03-28T08:00:00.0000000", utc.get(1).getAsJsonObject("start").get("dateTime").getAsString());
        assertEquals("2026-03-29T07:00:00.0000000", utc.get(2).getAsJsonObject("start").get("dateTime").getAsString());
    }

    @Test
    void aForgottenDeltaTokenAnswers410SyncStateNotFound() throws Exception {
        String[] delta = new String[1];
        round(deltaUrl("()"), null, delta);
        graph.expireDeltaTokens();

        HttpResponse<String> r = get(delta[0], null);

        assertEquals(410, r.statusCode());
        assertEquals("SyncStateNotFound", json(r).getAsJsonObject("error").get("code").getAsString());
    }

    @Test
    void injectedThrottlingCarriesRetryAfter() throws Exception {
        graph.failNext(1, 429, Optional.of(Duration.ofSeconds(17)));

        HttpResponse<String> r = get(deltaUrl("()"), null);

        assertEquals(429, r.statusCode());
        assertEquals("17", r.headers().firstValue("Retry-After").orElseThrow());
        assertEquals(200, get(deltaUrl("()"), null).statusCode(), "one fault only");
    }

    @Test
    void onlyTokensFromTheSimulatedEntraForGraphAreAccepted() throws Exception {
        token = entra.sign(Map.of("aud", "api://other"), Duration.ofHours(1));
        HttpResponse<String> wrongAudience = get(deltaUrl("()"), null);
        assertEquals(401, wrongAudience.statusCode());
        assertEquals("InvalidAuthenticationToken", json(wrongAudience).getAsJsonObject("error").get("code").getAsString());

        SimTokenAuthority otherTenant = new SimTokenAuthority("t1", clock);
        token = otherTenant.sign(Map.of("aud", SimTokenAuthority.GRAPH_AUDIENCE), Duration.ofHours(1));
        assertEquals(401, get(deltaUrl("()"), null).statusCode(), "a key the simulated Entra never used");
    }

    @Test
    void aMailboxOutsideTheAccessPolicyAnswers403() throws Exception {
        graph.setReadable(ROOM, false);

        HttpResponse<String> r = get(deltaUrl("()"), null);

        assertEquals(403, r.statusCode());
        JsonObject err = json(r).getAsJsonObject("error");
        assertEquals("ErrorAccessDenied", err.get("code").getAsString());
        assertTrue(err.get("message").getAsString().contains("AccessPolicy"));
    }

    @Test
    void theAdminHttpApiBooksAndCountsRequests() throws Exception {
        JsonObject booking = new JsonObject();
        booking.addProperty("subject", "Booked over HTTP");
        booking.addProperty("start", at(24, 15).toString());
        booking.addProperty("durationMinutes", 45);
        JsonObject invitation = new JsonObject();
        invitation.addProperty("kind", "teams-cvi");
        invitation.addProperty("provider", "poly");
        invitation.addProperty("tenantKey", "823979477");
        invitation.addProperty("videoId", "1122334455");
        booking.add("invitation", invitation);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + graph.port()
                + "/_admin/mailboxes/" + ROOM + "/events")).POST(HttpRequest.BodyPublishers.ofString(booking.toString()))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        String id = json(r).get("id").getAsString();

        String[] delta = new String[1];
        List<JsonObject> items = round(deltaUrl("()"), null, delta);
        assertEquals(id, items.get(0).get("id").getAsString());
        assertEquals("Booked over HTTP", items.get(0).get("subject").getAsString());
        assertTrue(items.get(0).getAsJsonObject("body").get("content").getAsString().contains("823979477@t.plcm.vc"));
        assertEquals("teamsForBusiness", items.get(0).get("onlineMeetingProvider").getAsString());

        HttpResponse<String> stats = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + graph.port()
                + "/_admin/stats")).build(), HttpResponse.BodyHandlers.ofString());
        JsonElement n = json(stats).getAsJsonObject("mailboxes").getAsJsonObject(ROOM).get("requests");
        assertEquals(1, n.getAsInt());
        assertEquals(1, graph.requests("delta"));
    }

    @Test
    void theDemoDayHasEveryProviderAndTheNoButtonCases() throws Exception {
        Map<String, String> ids = DemoMeetings.book(graph, ROOM, ZonedDateTime.now(clock).withZoneSameInstant(BERLIN));
        String[] delta = new String[1];
        List<JsonObject> items = round(deltaUrl("()"), null, delta);

        assertTrue(items.size() >= 9, "eight meetings and at least one occurrence: " + items.size());
        JsonObject cancelled = items.stream().filter(o -> o.get("id").getAsString().equals(ids.get("Cancelled")))
                .findFirst().orElseThrow();
        assertTrue(cancelled.get("isCancelled").getAsBoolean());
        JsonObject zoom = items.stream().filter(o -> o.get("id").getAsString().equals(ids.get("Zoom"))).findFirst()
                .orElseThrow();
        assertTrue(zoom.getAsJsonObject("body").get("content").getAsString().contains("85012345678"));
    }

    @Test
    void aBadAdminRequestGetsAClearErrorAndLeavesTheServerWorking() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + graph.port()
                + "/_admin/mailboxes/nobody@contoso.com/events")).POST(HttpRequest.BodyPublishers.ofString("{\"subject\":1}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, r.statusCode());
        assertFalse(json(r).get("ok").getAsBoolean());
        JsonArray none = json(get(deltaUrl("()"), null)).getAsJsonArray("value");
        assertEquals(0, none.size());
    }
}
