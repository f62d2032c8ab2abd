package io.roomwire.sim.cloud.entra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.roomwire.sim.cloud.MapCloudState;
import io.roomwire.sim.cloud.SimPki;
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
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The simulated Entra on the wire: HTTPS on loopback, Entra's JSON shapes, real signatures. */
class SimEntraTest {

    /** A clock the test moves by hand (this module depends on no project module). */
    static final class HandClock extends Clock {
        final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-05T08:00:00Z"));

        void advance(Duration d) {
            now.updateAndGet(t -> t.plus(d));
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }

    final HandClock clock = new HandClock();
    @RegisterExtension
    final SimEntraExtension ext = SimEntraExtension.https(() -> clock);

    private record Answer(int status, JsonObject json, HttpResponse<String> raw) { }

    private HttpClient client;

    private HttpClient client() {
        if (client == null) {
            client = HttpClient.newBuilder().sslContext(ext.pki().sslContext(null)).build();
        }
        return client;
    }

    private Answer post(String path, Map<String, String> form) throws Exception {
        StringJoiner j = new StringJoiner("&");
        form.forEach((k, v) -> j.add(k + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        HttpClient c = client();
        HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create(ext.entra().baseUri() + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(j.toString())).build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), JsonParser.parseString(r.body()).getAsJsonObject(), r);
    }

    private Answer get(String path) throws Exception {
        HttpClient c = client();
        HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create(ext.entra().baseUri() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), JsonParser.parseString(r.body()).getAsJsonObject(), r);
    }

    private String tenantPath(String rest) {
        return "/" + ext.entra().tenantId() + rest;
    }

    private JsonObject deviceCode() throws Exception {
        Answer a = post(tenantPath("/oauth2/v2.0/devicecode"), Map.of("client_id", SimEntra.DEFAULT_CLIENT_ID,
                "scope", "https://graph.microsoft.com/Calendars.Read offline_access openid profile"));
        assertEquals(200, a.status());
        return a.json();
    }

    private Answer poll(String deviceCode) throws Exception {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("grant_type", SimEntra.DEVICE_CODE_GRANT);
        f.put("client_id", SimEntra.DEFAULT_CLIENT_ID);
        f.put("device_code", deviceCode);
        return post(tenantPath("/oauth2/v2.0/token"), f);
    }

    private Answer refresh(String refreshToken) throws Exception {
        return post(tenantPath("/oauth2/v2.0/token"), Map.of("grant_type", "refresh_token",
                "client_id", SimEntra.DEFAULT_CLIENT_ID, "refresh_token", refreshToken));
    }

    private JsonObject signIn(String upn) throws Exception {
        JsonObject dc = deviceCode();
        assertTrue(ext.entra().approve(dc.get("user_code").getAsString(), upn));
        clock.advance(Duration.ofSeconds(5));
        Answer a = poll(dc.get("device_code").getAsString());
        assertEquals(200, a.status(), a.json().toString());
        return a.json();
    }

    private static void assertEntraError(Answer a, int status, String error, int aadsts) {
        assertEquals(status, a.status());
        JsonObject j = a.json();
        assertEquals(error, j.get("error").getAsString());
        assertTrue(j.get("error_description").getAsString().startsWith("AADSTS" + aadsts + ": "), j.toString());
        assertTrue(j.get("error_description").getAsString().contains("\r\nTrace ID: "));
        assertEquals(aadsts, j.getAsJsonArray("error_codes").get(0).getAsInt());
        assertTrue(j.get("timestamp").getAsString().matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ"));
        assertEquals(36, j.get("trace_id").getAsString().length());
        assertEquals(36, j.get("correlation_id").getAsString().length());
    }

    @Test
    void servesOpenIdConfigurationAndJwks() throws Exception {
        Answer oidc = get(tenantPath("/v2.0/.well-known/openid-configuration"));
        assertEquals(200, oidc.status());
        assertEquals(ext.authority().issuer(), oidc.json().get("issuer").getAsString());
        assertEquals(ext.entra().baseUri() + tenantPath("/oauth2/v2.0/devicecode"),
                oidc.json().get("device_authorization_endpoint").getAsString());
        Answer keys = get(URI.create(oidc.json().get("jwks_uri").getAsString()).getPath());
        assertEquals("RSA", keys.json().getAsJsonArray("keys").get(0).getAsJsonObject().get("kty").getAsString());
    }

    @Test
    void answersDeviceCodeRequestsAsEntraDoes() throws Exception {
        JsonObject dc = deviceCode();
        assertEquals(9, dc.get("user_code").getAsString().length());
        assertEquals(SimEntra.DEFAULT_VERIFICATION_URI, dc.get("verification_uri").getAsString());
        assertEquals(900, dc.get("expires_in").getAsInt());
        assertEquals(5, dc.get("interval").getAsInt());
        assertTrue(dc.get("message").getAsString().contains(dc.get("user_code").getAsString()));
        assertEntraError(poll(dc.get("device_code").getAsString()), 400, "authorization_pending", 70016);
    }

    @Test
    void issuesSignedTokensWithRealisticClaims() throws Exception {
        ext.entra().bindDevice("room401@contoso.example", "dev-1234");
        JsonObject t = signIn("room401@contoso.example");
        assertEquals("Bearer", t.get("token_type").getAsString());
        StringBuilder why = new StringBuilder();
        JsonObject at = ext.authority().verify(t.get("access_token").getAsString(), SimTokenAuthority.GRAPH_AUDIENCE, why).orElseThrow();
        assertEquals("room401@contoso.example", at.get("upn").getAsString());
        assertEquals(ext.entra().tenantId(), at.get("tid").getAsString());
        assertEquals(SimEntra.objectIdOf("room401@contoso.example"), at.get("oid").getAsString());
        assertEquals("Calendars.Read", at.get("scp").getAsString());
        assertEquals("dev-1234", at.get("deviceid").getAsString());
        assertTrue(at.get("exp").getAsLong() > at.get("nbf").getAsLong());
        JsonObject id = ext.authority().verify(t.get("id_token").getAsString(), SimEntra.DEFAULT_CLIENT_ID, why).orElseThrow();
        assertEquals("room401@contoso.example", id.get("preferred_username").getAsString());
        assertFalse(ext.authority().verify(t.get("id_token").getAsString(), SimTokenAuthority.GRAPH_AUDIENCE, null).isPresent());
    }

    @Test
    void rotatesRefreshTokensAndRefusesReuse() throws Exception {
        JsonObject t = signIn("room401@contoso.example");
        String first = t.get("refresh_token").getAsString();
        Answer r = refresh(first);
        assertEquals(200, r.status());
        String second = r.json().get("refresh_token").getAsString();
        assertNotEquals(first, second);
        assertEntraError(refresh(first), 400, "invalid_grant", 9002313);
        assertEquals(200, refresh(second).status());
    }

    @Test
    void aRestartOnTheSameStateKeepsSigningKeyRefreshGrantsAndDeviceRegistrations() throws Exception {
        MapCloudState state = new MapCloudState();
        SimPki pki = new SimPki("restart");
        String upn = "room401@contoso.example";
        java.util.List<String> scopes = java.util.List.of("Calendars.Read", "offline_access", "openid");
        String refreshToken;
        String accessToken;
        String revoked;
        try (SimEntra first = SimEntra.https(SimTokenAuthority.durable("tid-1", clock, state), pki, state)) {
            first.bindDevice(upn, "dev-77");
            revoked = first.signInDirectly("other@contoso.example", SimEntra.DEFAULT_CLIENT_ID, scopes)
                    .get("refresh_token").getAsString();
            first.revokeRefreshTokens(Optional.of("other@contoso.example"));
            JsonObject t = first.signInDirectly(upn, SimEntra.DEFAULT_CLIENT_ID, scopes);
            refreshToken = t.get("refresh_token").getAsString();
            accessToken = t.get("access_token").getAsString();
        }
        assertFalse(state.allText().contains(refreshToken), "the kept grants hold refresh tokens in the clear");
        assertTrue(state.secret("entra-signing-key"));

        SimTokenAuthority again = SimTokenAuthority.durable("tid-1", clock, state);
        assertTrue(again.verify(accessToken, SimTokenAuthority.GRAPH_AUDIENCE, null).isPresent(),
                "a token signed before the restart verifies after it");
        try (SimEntra second = SimEntra.https(again, pki, state)) {
            assertTrue(second.isRefreshTokenValid(refreshToken));
            assertFalse(second.isRefreshTokenValid(revoked), "a revoked grant stays revoked");
            String at = second.signInDirectly(upn, SimEntra.DEFAULT_CLIENT_ID, scopes).get("access_token").getAsString();
            assertEquals("dev-77", again.verify(at, SimTokenAuthority.GRAPH_AUDIENCE, null).orElseThrow()
                    .get("deviceid").getAsString());
        }
        // without the state, a new tenant knows none of it
        try (SimEntra fresh = SimEntra.https(new SimTokenAuthority("tid-1", clock), pki)) {
            assertFalse(fresh.isRefreshTokenValid(refreshToken));
            assertFalse(fresh.authority().verify(accessToken, SimTokenAuthority.GRAPH_AUDIENCE, null).isPresent());
        }
    }

    @Test
    void revokedRefreshTokensFailWithInvalidGrant() throws Exception {
        String rt = signIn("room401@contoso.example").get("refresh_token").getAsString();
        assertEquals(1, ext.entra().revokeRefreshTokens(Optional.of("room401@contoso.example")));
        assertEntraError(refresh(rt), 400, "invalid_grant", 50173);
    }

    @Test
    void complianceGateFailsRefreshWithAadsts53000UntilCompliantAgain() throws Exception {
        String rt = signIn("room401@contoso.example").get("refresh_token").getAsString();
        AtomicReference<Optional<String>> reason = new AtomicReference<>(Optional.of("Firmware 1.2 is below 2.0."));
        ext.entra().setComplianceGate(upn -> reason.get());
        Answer a = refresh(rt);
        assertEntraError(a, 400, "invalid_grant", 53000);
        assertTrue(a.json().get("error_description").getAsString()
                .startsWith("AADSTS53000: Device is not in required device state: compliant."));
        assertTrue(a.json().get("error_description").getAsString().contains("Firmware 1.2 is below 2.0."));
        assertTrue(a.json().has("suberror"));
        reason.set(Optional.empty());
        assertEquals(200, refresh(rt).status(), "the refresh token survived the refusal");
    }

    @Test
    void slowDownAddsFiveSecondsAndEarlyPollsAreTold() throws Exception {
        String dc = deviceCode().get("device_code").getAsString();
        ext.entra().forceSlowDown(1);
        clock.advance(Duration.ofSeconds(5));
        assertEntraError(poll(dc), 400, "slow_down", 70016);
        clock.advance(Duration.ofSeconds(5));
        assertEntraError(poll(dc), 400, "slow_down", 70016); // 5 s < the new 10 s interval
        clock.advance(Duration.ofSeconds(15));
        assertEntraError(poll(dc), 400, "authorization_pending", 70016);
    }

    @Test
    void declinedAndExpiredCodesAnswerWithTheirErrors() throws Exception {
        JsonObject a = deviceCode();
        assertTrue(ext.entra().decline(a.get("user_code").getAsString()));
        assertEntraError(poll(a.get("device_code").getAsString()), 400, "authorization_declined", 70000);
        JsonObject b = deviceCode();
        ext.entra().expireCodes();
        assertFalse(ext.entra().approve(b.get("user_code").getAsString(), "x@contoso.example"));
        assertEntraError(poll(b.get("device_code").getAsString()), 400, "expired_token", 70019);
        assertEntraError(poll("no-such-code"), 400, "bad_verification_code", 70000);
    }

    @Test
    void refusesUnknownClientsScopesAndTenants() throws Exception {
        assertEntraError(post(tenantPath("/oauth2/v2.0/devicecode"), Map.of("client_id", "00000000-0000-0000-0000-000000000009",
                "scope", "openid")), 400, "unauthorized_client", 700016);
        assertEntraError(post(tenantPath("/oauth2/v2.0/devicecode"), Map.of("client_id", SimEntra.DEFAULT_CLIENT_ID,
                "scope", "Nope.Nothing")), 400, "invalid_scope", 70011);
        assertEntraError(post("/fabrikam.example/oauth2/v2.0/devicecode", Map.of("client_id", SimEntra.DEFAULT_CLIENT_ID,
                "scope", "openid")), 400, "invalid_request", 90002);
    }

    @Test
    void injectedThrottlingCarriesRetryAfter() throws Exception {
        ext.entra().injectFailures("devicecode", 429, Optional.of(Duration.ofSeconds(42)), 1);
        Answer a = post(tenantPath("/oauth2/v2.0/devicecode"), Map.of("client_id", SimEntra.DEFAULT_CLIENT_ID, "scope", "openid"));
        assertEquals(429, a.status());
        assertEquals("42", a.raw().headers().firstValue("Retry-After").orElseThrow());
        assertEquals(200, post(tenantPath("/oauth2/v2.0/devicecode"), Map.of("client_id", SimEntra.DEFAULT_CLIENT_ID,
                "scope", "openid")).status());
    }

    @Test
    void anOutageAnswersEveryRequestUntilItEnds() throws Exception {
        ext.entra().injectFailures("devicecode", 429, Optional.empty(), 1);
        ext.entra().startOutage("devicecode", 503);
        Map<String, String> form = Map.of("client_id", SimEntra.DEFAULT_CLIENT_ID, "scope", "openid");
        for (int i = 0; i < 5; i++) {
            Answer a = post(tenantPath("/oauth2/v2.0/devicecode"), form);
            assertEquals(503, a.status());
            assertEquals("server_error", a.json().get("error").getAsString());
        }
        ext.entra().endOutage("devicecode");
        assertEquals(429, post(tenantPath("/oauth2/v2.0/devicecode"), form).status(), "the queued fault outlived the outage");
        assertEquals(200, post(tenantPath("/oauth2/v2.0/devicecode"), form).status());
    }

    @Test
    void adminEndpointsListAndApproveCodesOverHttp() throws Exception {
        JsonObject dc = deviceCode();
        Answer pending = get("/_admin/pending");
        assertEquals(dc.get("user_code").getAsString(),
                pending.json().getAsJsonArray("pending").get(0).getAsJsonObject().get("user_code").getAsString());
        Answer ok = post("/_admin/approve", Map.of("user_code", dc.get("user_code").getAsString(), "upn", "room401@contoso.example"));
        assertTrue(ok.json().get("ok").getAsBoolean());
        clock.advance(Duration.ofSeconds(5));
        assertEquals(200, poll(dc.get("device_code").getAsString()).status());
        assertEquals(0, get("/_admin/pending").json().getAsJsonArray("pending").size());
        assertEquals(404, post("/_admin/frobnicate", Map.of()).status());
    }

    @Test
    void autoApprovesAfterVirtualSeconds() throws Exception {
        post("/_admin/auto-approve", Map.of("after_seconds", "8", "upn", "room401@contoso.example"));
        String dc = deviceCode().get("device_code").getAsString();
        clock.advance(Duration.ofSeconds(5));
        assertEntraError(poll(dc), 400, "authorization_pending", 70016);
        clock.advance(Duration.ofSeconds(5));
        Answer a = poll(dc);
        assertEquals(200, a.status());
        assertTrue(ext.authority().verify(a.json().get("access_token").getAsString(), SimTokenAuthority.GRAPH_AUDIENCE, null).isPresent());
    }

    @Test
    void shortenedLifetimesApplyToNewTokens() throws Exception {
        post("/_admin/lifetimes", Map.of("access_seconds", "120"));
        JsonObject t = signIn("room401@contoso.example");
        assertEquals(120, t.get("expires_in").getAsInt());
        clock.advance(Duration.ofSeconds(121));
        StringBuilder why = new StringBuilder();
        assertFalse(ext.authority().verify(t.get("access_token").getAsString(), SimTokenAuthority.GRAPH_AUDIENCE, why).isPresent());
        assertEquals("token expired", why.toString());
    }

    @Test
    void signsInDirectlyForOtherSimulatedServices() throws Exception {
        JsonObject t = ext.entra().signInDirectly("room401@contoso.example", SimEntra.DEFAULT_CLIENT_ID,
                java.util.List.of("Calendars.Read", "offline_access"));
        assertTrue(ext.authority().verify(t.get("access_token").getAsString(), SimTokenAuthority.GRAPH_AUDIENCE, null).isPresent());
        assertEquals(200, refresh(t.get("refresh_token").getAsString()).status());
        assertEquals(400, post("/_admin/lifetimes", Map.of("access_seconds", "soon")).status());
    }
}
