package io.roomwire.agent.calendar.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.roomwire.agent.calendar.GraphToken;
import io.roomwire.agent.obtp.MeetingInvite;
import io.roomwire.sim.cloud.hostile.HostileHttp;
import io.roomwire.sim.cloud.hostile.HostileHttp.Answer;
import io.roomwire.sim.cloud.hostile.HostileInputs;
import io.roomwire.sim.cloud.hostile.HostileRun;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Graph's answers as an attacker (or a broken proxy) would send them: malformed delta pages and
 * events, wrong types, error bodies, huge and endless bodies. The client may only refuse with a
 * {@link GraphException}; reading an event it returned may only refuse with
 * {@link IllegalArgumentException}.
 */
class GraphHostileInputTest {

    private static final long SEED = 0x62A9AL;
    private static final String EVENT = "{\"id\":\"AAMk-1\",\"subject\":\"Review\",\"organizer\":{\"emailAddress\":{\"name\":\"A\","
            + "\"address\":\"a@contoso.example\"}},\"start\":{\"dateTime\":\"2026-03-30T07:00:00.0000000\",\"timeZone\":\"UTC\"},"
            + "\"end\":{\"dateTime\":\"2026-03-30T08:00:00.0000000\",\"timeZone\":\"UTC\"},\"isAllDay\":false,\"isCancelled\":false,"
            + "\"responseStatus\":{\"response\":\"accepted\"},\"showAs\":\"busy\",\"sensitivity\":\"normal\",\"type\":\"singleInstance\","
            + "\"onlineMeeting\":{\"joinUrl\":\"https://teams.microsoft.com/l/meetup-join/19%3ameeting\"},"
            + "\"onlineMeetingProvider\":\"teamsForBusiness\",\"locations\":[{\"displayName\":\"Room 401\"}],"
            + "\"body\":{\"contentType\":\"html\",\"content\":\"<p>sip:1234@vc.example.org</p>\"}}";

    private static final GraphToken TOKEN = new GraphToken() {
        @Override
        public Optional<String> accessToken() {
            return Optional.of("graph-hostile-test-token");
        }

        @Override
        public Optional<String> refreshAfterUnauthorized() {
            return Optional.empty();
        }
    };

    private static GraphCalendarClient client(HostileHttp server) {
        return new GraphCalendarClient(server.uri().resolve("/v1.0"), "room@contoso.example", TOKEN, 4, 50,
                Duration.ofSeconds(5), Clock.systemUTC(), Optional.empty());
    }

    @Test
    void everyHostileAnswerEndsInAGraphErrorOrAnEventThatParsesOrIsRefused() throws Exception {
        HostileInputs gen = new HostileInputs(SEED);
        try (HostileHttp server = new HostileHttp(); GraphCalendarClient graph = client(server)) {
            String page = "{\"@odata.context\":\"x\",\"value\":[" + EVENT + "],\"@odata.deltaLink\":\""
                    + server.uri() + "/v1.0/users/room/calendarView/delta?$deltatoken=abc\"}";
            List<byte[]> pages = new ArrayList<>(gen.json(page, 400));
            List<byte[]> events = gen.json(EVENT, 400);
            List<byte[]> errors = gen.json("{\"error\":{\"code\":\"ErrorAccessDenied\",\"message\":\"denied\"}}", 100);
            int[] statuses = {200, 200, 200, 400, 401, 403, 404, 410, 429, 500, 503};
            server.answer(Answer.of(200, "application/json", page.getBytes(StandardCharsets.UTF_8)));
            graph.deltaStart(Instant.EPOCH, Instant.EPOCH.plusSeconds(86_400));
            HostileRun run = HostileRun.start("Graph answers", SEED);
            for (byte[] body : pages) {
                run.attempt(i -> {
                    server.answer(Answer.of(200, "application/json", body));
                    graph.deltaStart(Instant.EPOCH, Instant.EPOCH.plusSeconds(86_400)).items().forEach(GraphHostileInputTest::read);
                }, t -> t instanceof GraphException || t instanceof IllegalArgumentException);
            }
            for (byte[] body : events) {
                run.attempt(i -> {
                    server.answer(Answer.of(200, "application/json", body));
                    graph.event("AAMk-1").ifPresent(GraphHostileInputTest::read);
                }, t -> t instanceof GraphException || t instanceof IllegalArgumentException);
            }
            for (byte[] body : errors) {
                int status = statuses[Math.floorMod(java.util.Arrays.hashCode(body), statuses.length)];
                run.attempt(i -> {
                    server.answer(new Answer(status, Map.of("Content-Type", "application/json",
                            "Retry-After", i % 2 == 0 ? "99999999999999999999" : "Fri, 31 Dec 9999 23:59:59 GMT"), body, false));
                    try {
                        graph.deltaStart(Instant.EPOCH, Instant.EPOCH.plusSeconds(86_400));
                    } catch (GraphException e) {
                        assertTrue(e.retryAfter().map(d -> d.compareTo(Duration.ofDays(1)) <= 0).orElse(true), "capped");
                        throw e;
                    }
                }, t -> t instanceof GraphException);
            }
            for (byte[] body : gen.binary(50, 4096)) {
                run.attempt(i -> {
                    server.answer(Answer.of(200, "application/json", body));
                    graph.deltaStart(Instant.EPOCH, Instant.EPOCH.plusSeconds(86_400));
                }, t -> t instanceof GraphException);
            }
            run.attempt(i -> {
                server.answer(Answer.endless(200, "application/json", "[".repeat(4096).getBytes(StandardCharsets.UTF_8)));
                graph.deltaStart(Instant.EPOCH, Instant.EPOCH.plusSeconds(86_400));
            }, t -> t instanceof GraphException && t.getMessage().contains("nested deeper than"));
            run.attempt(i -> {
                server.answer(Answer.endless(200, "application/json", " ".repeat(4096).getBytes(StandardCharsets.UTF_8)));
                graph.deltaStart(Instant.EPOCH, Instant.EPOCH.plusSeconds(86_400));
            }, t -> t instanceof GraphException && t.getMessage().contains("byte limit"));
            List<String> leaked = run.leakedThreads("hostile-http", "OkHttp", "Okio");
            System.out.println(run.summary(leaked));
            assertEquals(List.of(), run.crashes(), run.summary(leaked));
            assertEquals(List.of(), leaked, "threads left behind");
            assertTrue(run.inputs() > 900, run.summary(leaked));
            assertTrue(run.elapsed().compareTo(Duration.ofSeconds(30)) < 0, run.summary(leaked));
        }
    }

    private static void read(JsonObject event) {
        MeetingInvite.fromGraphJson(event);
    }

    @Test
    void anEndlessAnswerIsCutOffAtTheLimitWithAClearError() throws Exception {
        try (HostileHttp server = new HostileHttp(); GraphCalendarClient graph = client(server)) {
            server.answer(Answer.endless(200, "application/json", new byte[16 * 1024]));
            GraphException e = assertThrows(GraphException.class,
                    () -> graph.deltaStart(Instant.EPOCH, Instant.EPOCH.plusSeconds(86_400)));
            assertEquals(GraphException.Kind.OTHER, e.kind(), e.getMessage());
            assertTrue(e.getMessage().contains(GraphCalendarClient.MAX_BODY_BYTES + "-byte limit"), e.getMessage());
            assertTrue(server.bytesSent() < HostileHttp.ENDLESS_CAP, "stopped reading early: " + server.bytesSent());
        }
    }

    @Test
    void anOversizedErrorBodyIsCutOffToo() throws Exception {
        try (HostileHttp server = new HostileHttp(); GraphCalendarClient graph = client(server)) {
            server.answer(Answer.endless(500, "application/json", new byte[16 * 1024]));
            GraphException e = assertThrows(GraphException.class, () -> graph.event("x"));
            assertTrue(e.getMessage().contains("byte limit") || e.status() == 500, e.getMessage());
            assertTrue(server.bytesSent() < HostileHttp.ENDLESS_CAP, "stopped reading early: " + server.bytesSent());
        }
    }

    @Test
    void plainHttpOnlyToLiteralLoopbackAddresses() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GraphCalendarClient.requireSecureTransport(URI.create("http://127.attacker.example/v1.0")));
        assertTrue(e.getMessage().contains("https"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> GraphCalendarClient.requireSecureTransport(URI.create("http://127.0.0.1.nip.example/v1.0")));
        GraphCalendarClient.requireSecureTransport(URI.create("http://127.0.0.1:8080/v1.0"));
        GraphCalendarClient.requireSecureTransport(URI.create("http://[::1]:8080/v1.0"));
        GraphCalendarClient.requireSecureTransport(URI.create("https://graph.microsoft.com/v1.0"));
    }
}
