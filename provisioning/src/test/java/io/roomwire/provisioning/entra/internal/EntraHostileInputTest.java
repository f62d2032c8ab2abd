package io.roomwire.provisioning.entra.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.provisioning.entra.EntraConfig;
import io.roomwire.provisioning.entra.TokenSet;
import io.roomwire.sim.cloud.hostile.HostileHttp;
import io.roomwire.sim.cloud.hostile.HostileHttp.Answer;
import io.roomwire.sim.cloud.hostile.HostileInputs;
import io.roomwire.sim.cloud.hostile.HostileRun;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The login service's answers as an attacker (or a broken proxy) would send them: malformed JSON,
 * wrong types, hostile id tokens, huge and endless bodies. {@link EntraHttp} must always hand over a
 * {@link EntraHttp.Response}, and turning it into tokens may only refuse with
 * {@link IllegalArgumentException}.
 */
class EntraHostileInputTest {

    private static final long SEED = 0xE17A4L;
    private final VirtualScheduler scheduler = new VirtualScheduler();
    private final EntraConfig config = EntraConfig.of("contoso.example", "8f2d4c1a-6b3e-4f70-9a21-5c7e0d9b3f14");
    private final EntraHttp http = new EntraHttp(config, scheduler);

    private static String idToken(String claims) {
        Base64.Encoder b = Base64.getUrlEncoder().withoutPadding();
        return b.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + ".";
    }

    private static final String VALID = "{\"token_type\":\"Bearer\",\"scope\":\"openid offline_access\",\"expires_in\":3599,"
            + "\"access_token\":\"at.hostile\",\"refresh_token\":\"rt.hostile\",\"id_token\":\""
            + idToken("{\"preferred_username\":\"room@contoso.example\",\"tid\":\"t\",\"oid\":\"o\",\"name\":\"Room\"}") + "\"}";

    private EntraHttp.Response post(URI uri) {
        AtomicReference<EntraHttp.Response> got = new AtomicReference<>();
        http.post(uri, Map.of("grant_type", "refresh_token"), got::set);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (got.get() == null && System.nanoTime() < deadline) {
            scheduler.runDue();
            if (got.get() == null) {
                java.util.concurrent.locks.LockSupport.parkNanos(200_000L);
            }
        }
        if (got.get() == null) {
            throw new AssertionError("no answer within 10 s");
        }
        return got.get();
    }

    @Test
    void everyHostileAnswerBecomesAResponseOrACleanRefusal() throws Exception {
        HostileInputs gen = new HostileInputs(SEED);
        List<byte[]> bodies = new ArrayList<>(gen.json(VALID, 600));
        for (String claims : List.of("{}", "[]", "null", "{\"tid\":[1,2]}", "{\"preferred_username\":{}}", "x")) {
            bodies.add(VALID.replaceFirst("\"id_token\":\"[^\"]*\"", "\"id_token\":\"" + idToken(claims) + "\"")
                    .getBytes(StandardCharsets.UTF_8));
        }
        for (String jwt : List.of("", ".", "..", "a.b.c", "a.!!!.c", "a." + "A".repeat(300_000) + ".c")) {
            bodies.add(VALID.replaceFirst("\"id_token\":\"[^\"]*\"", "\"id_token\":\"" + jwt + "\"").getBytes(StandardCharsets.UTF_8));
        }
        bodies.addAll(gen.binary(50, 4096));
        int[] statuses = {200, 200, 400, 401, 429, 500, 503};
        try (HostileHttp server = new HostileHttp()) {
            URI uri = server.uri().resolve("/contoso.example/oauth2/v2.0/token");
            post(uri);
            HostileRun run = HostileRun.start("Entra token answers", SEED);
            for (byte[] body : bodies) {
                int status = statuses[Math.floorMod(java.util.Arrays.hashCode(body), statuses.length)];
                run.attempt(i -> {
                    server.answer(new Answer(status, Map.of("Content-Type", "application/json",
                            "Retry-After", i % 3 == 0 ? "99999999999999999999" : "Fri, 31 Dec 9999 23:59:59 GMT"), body, false));
                    EntraHttp.Response r = post(uri);
                    r.summary();
                    r.isRetryable();
                    r.oauthError().ifPresent(OAuthError::summary);
                    assertTrue(r.retryAfter().map(d -> d.compareTo(Duration.ofDays(1)) <= 0).orElse(true), "Retry-After capped");
                    if (r.json().isPresent()) {
                        TokenSet.fromResponse(r.json().get(), scheduler.now(), config, Optional.empty());
                    }
                }, t -> t instanceof IllegalArgumentException);
            }
            run.attempt(i -> {
                server.answer(Answer.endless(200, "application/json", " ".repeat(4096).getBytes(StandardCharsets.UTF_8)));
                EntraHttp.Response r = post(uri);
                assertTrue(r.isNetworkError() && r.networkError().contains("byte limit"), r.summary());
            }, t -> false);
            List<String> leaked = run.leakedThreads("hostile-http", "HttpClient-");
            System.out.println(run.summary(leaked));
            assertEquals(List.of(), run.crashes(), run.summary(leaked));
            assertEquals(List.of(), leaked, "threads left behind");
            assertTrue(run.inputs() > 600, run.summary(leaked));
            assertTrue(run.elapsed().compareTo(Duration.ofSeconds(30)) < 0, run.summary(leaked));
        }
    }

    @Test
    void anEndlessAnswerIsCutOffAtTheLimit() throws Exception {
        try (HostileHttp server = new HostileHttp()) {
            server.answer(Answer.endless(200, "application/json", new byte[16 * 1024]));
            EntraHttp.Response r = post(server.uri().resolve("/token"));
            assertTrue(r.isNetworkError(), r.summary());
            assertTrue(r.summary().contains(EntraHttp.MAX_BODY_BYTES + "-byte limit"), r.summary());
            assertTrue(server.bytesSent() < HostileHttp.ENDLESS_CAP, "stopped reading early: " + server.bytesSent());
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (http.inFlight() > 0 && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
            }
            assertEquals(0, http.inFlight(), "the request is over, not left hanging");
        }
    }
}
