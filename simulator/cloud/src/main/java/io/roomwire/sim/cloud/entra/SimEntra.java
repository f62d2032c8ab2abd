package io.roomwire.sim.cloud.entra;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.roomwire.sim.cloud.CloudState;
import io.roomwire.sim.cloud.SimPki;
import io.roomwire.sim.cloud.SimTokenAuthority;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import org.tinylog.Logger;

/**
 * A simulated Microsoft Entra ID tenant on 127.0.0.1: the v2.0 device authorization grant
 * (RFC 8628 as Entra implements it), the token endpoint (device-code and refresh-token grants,
 * with refresh-token rotation), OpenID configuration and JWKS. Tokens are real RS256 JWTs signed
 * by the shared {@link SimTokenAuthority}, so the simulated Graph and MDM services accept them.
 * Errors have Entra's shape: {@code error}, {@code error_description} starting with an AADSTS
 * code, {@code error_codes}, {@code timestamp}, {@code trace_id}, {@code correlation_id}.
 *
 * <p>Test and admin controls are Java methods and HTTP endpoints under {@code /_admin/}:
 * approve or decline a user code, force {@code slow_down}, expire codes, revoke refresh tokens,
 * change lifetimes, auto-approve after some (virtual) time, inject 429/5xx/dropped connections,
 * and a conditional-access compliance gate. Time is the authority's clock (a test's virtual clock).
 */
public final class SimEntra implements AutoCloseable {

    /**
     * A fleet of 1,000 rooms polls the device-code and token endpoints at once: with the default backlog (50)
     * and 4 threads, connects timed out and 4 of 1,000 rooms never signed in. The TLS handshake runs on these
     * threads, so a slow one must not hold up the rest.
     */
    static final int BACKLOG = 1024;
    static final int THREADS = 16;

    public static final String DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
    public static final String DEFAULT_CLIENT_ID = "8f2d4c1a-6b3e-4f70-9a21-5c7e0d9b3f14";
    public static final String DEFAULT_DOMAIN = "contoso.example";
    public static final String DEFAULT_VERIFICATION_URI = "https://microsoft.com/devicelogin";

    /** One request the server received (virtual time), for assertions on the wire. */
    public record Request(Instant at, String method, String path, Map<String, String> form) {
        public Optional<String> param(String name) {
            return Optional.ofNullable(form.get(name));
        }

        public boolean isTokenRequest() {
            return path.endsWith("/oauth2/v2.0/token");
        }

        public boolean isDeviceCodeRequest() {
            return path.endsWith("/oauth2/v2.0/devicecode");
        }
    }

    /** A user code waiting for (or past) an admin's decision. */
    public record PendingCode(String userCode, String clientId, Instant issuedAt, Instant expiresAt) { }

    private enum CodeStatus { PENDING, APPROVED, DECLINED, REDEEMED }

    private static final class DeviceCode {
        final String deviceCode;
        final String userCode;
        final String clientId;
        final List<String> scopes;
        final Instant issuedAt;
        Instant expiresAt;
        CodeStatus status = CodeStatus.PENDING;
        String upn;
        Duration interval;
        Instant lastPoll;

        DeviceCode(String deviceCode, String userCode, String clientId, List<String> scopes, Instant issuedAt,
                   Instant expiresAt, Duration interval) {
            this.deviceCode = deviceCode;
            this.userCode = userCode;
            this.clientId = clientId;
            this.scopes = scopes;
            this.issuedAt = issuedAt;
            this.expiresAt = expiresAt;
            this.interval = interval;
        }
    }

    /** A refresh token's grant; kept by the token's hash ({@link #hash}), so no kept file holds a usable token. */
    private static final class RefreshGrant {
        final String upn;
        final String clientId;
        final List<String> scopes;
        final Instant expiresAt;
        boolean revoked;
        boolean used;

        RefreshGrant(String upn, String clientId, List<String> scopes, Instant expiresAt) {
            this.upn = upn;
            this.clientId = clientId;
            this.scopes = scopes;
            this.expiresAt = expiresAt;
        }
    }

    private record Fault(int status, Duration retryAfter) { }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_RECORDED = 10_000;
    private static final String USER_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    private static final DateTimeFormatter ENTRA_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Set<String> OIDC_SCOPES = Set.of("openid", "profile", "offline_access", "email");
    private static final Set<String> GRAPH_SCOPES = Set.of("User.Read", "Calendars.Read", "Calendars.Read.Shared",
            "Calendars.ReadWrite", "Place.Read.All", "Device.Read", "Mail.Read", "DeviceManagementManagedDevices.Read.All");

    private final SimTokenAuthority authority;
    private final Clock clock;
    private final CloudState state;
    private final HttpServer server;
    private final ExecutorService executor;
    private final String scheme;
    private final Object lock = new Object();

    private final Set<String> publicClients = new LinkedHashSet<>();
    private final Set<String> confidentialClients = new LinkedHashSet<>();
    private final Set<String> domains = new LinkedHashSet<>();
    private final Map<String, String> displayNames = new LinkedHashMap<>();
    private final Map<String, String> deviceIds = new HashMap<>();
    private final Map<String, DeviceCode> byDeviceCode = new LinkedHashMap<>();
    private final Map<String, DeviceCode> byUserCode = new LinkedHashMap<>();
    /** By {@link #hash} of the refresh token. */
    private final Map<String, RefreshGrant> refreshTokens = new HashMap<>();
    private final List<Request> requests = new ArrayList<>();
    private final Map<String, Deque<Fault>> faults = new HashMap<>();
    /** Endpoints that are down until {@link #endOutage}: every request gets the status (before any queued fault). */
    private final Map<String, Fault> outages = new HashMap<>();
    private Duration accessTokenLifetime = Duration.ofMinutes(60).minusSeconds(1);
    private Duration refreshTokenLifetime = Duration.ofDays(90);
    private Duration deviceCodeLifetime = Duration.ofMinutes(15);
    private Duration pollInterval = Duration.ofSeconds(5);
    private boolean omitInterval;
    private boolean strictRotation = true;
    private boolean enforcePollInterval = true;
    private int forcedSlowDowns;
    private Duration autoApproveAfter;
    private String autoApproveUpn;
    private String verificationUri = DEFAULT_VERIFICATION_URI;
    private Function<String, Optional<String>> complianceGate = upn -> Optional.empty();

    static {
        // The JDK server writes headers and body separately: without TCP_NODELAY each answer waits ~40 ms
        // for a delayed ACK. Read once per JVM, so it only helps if no HttpServer was created before.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private SimEntra(SimTokenAuthority authority, SimPki pki, CloudState state) {
        this.authority = Objects.requireNonNull(authority, "authority");
        this.clock = authority.clock();
        this.state = Objects.requireNonNull(state, "state");
        this.publicClients.add(DEFAULT_CLIENT_ID);
        this.domains.add(DEFAULT_DOMAIN);
        restore();
        try {
            InetSocketAddress bind = new InetSocketAddress(SimPki.loopback(), 0);
            if (pki != null) {
                HttpsServer https = HttpsServer.create(bind, BACKLOG);
                https.setHttpsConfigurator(new HttpsConfigurator(pki.sslContext(pki.issueServer("login.sim.roomwire"))));
                this.server = https;
                this.scheme = "https";
            } else {
                this.server = HttpServer.create(bind, BACKLOG);
                this.scheme = "http";
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start simulated Entra on 127.0.0.1", e);
        }
        this.executor = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "sim-entra");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        Logger.info("Simulated Entra for tenant {} listening on {}", authority.tenantId(), baseUri());
    }

    /** Starts a simulated Entra over HTTPS with a server certificate from {@code pki}. */
    public static SimEntra https(SimTokenAuthority authority, SimPki pki) {
        return https(authority, pki, CloudState.NONE);
    }

    /**
     * Starts a simulated Entra over HTTPS that keeps its refresh grants and device registrations in {@code state}
     * and honours the ones a previous run kept there (with a {@link SimTokenAuthority#durable} authority, the tokens
     * it issued before a restart work after it).
     */
    public static SimEntra https(SimTokenAuthority authority, SimPki pki, CloudState state) {
        return new SimEntra(authority, Objects.requireNonNull(pki, "pki"), state);
    }

    /** Starts a simulated Entra over plain HTTP (loopback only; for clients that test http refusal). */
    public static SimEntra http(SimTokenAuthority authority) {
        return new SimEntra(authority, null, CloudState.NONE);
    }

    /** The authority base URI, e.g. {@code https://127.0.0.1:40123} (the tenant goes after it). */
    public URI baseUri() {
        return URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort());
    }

    public SimTokenAuthority authority() {
        return authority;
    }

    public String tenantId() {
        return authority.tenantId();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    // ---------------------------------------------------------------- admin API (Java)

    /** Registers a public client (device-code capable); the default client id is pre-registered. */
    public SimEntra registerPublicClient(String clientId) {
        synchronized (lock) {
            publicClients.add(clientId);
        }
        return this;
    }

    /** Registers a client that is not a public client: the device-code grant fails with invalid_client. */
    public SimEntra registerConfidentialClient(String clientId) {
        synchronized (lock) {
            confidentialClients.add(clientId);
        }
        return this;
    }

    /** Adds a verified domain: {@code /{domain}/oauth2/...} resolves to this tenant. */
    public SimEntra addDomain(String domain) {
        synchronized (lock) {
            domains.add(domain.toLowerCase(Locale.ROOT));
        }
        return this;
    }

    /** Sets the display name of a user (optional; users otherwise exist on first approval). */
    public SimEntra addUser(String upn, String displayName) {
        synchronized (lock) {
            displayNames.put(upn, displayName);
        }
        return this;
    }

    /** Entra device id for a user's device (as after device registration): put in {@code deviceid}. */
    public SimEntra bindDevice(String upn, String deviceId) {
        synchronized (lock) {
            deviceIds.put(upn, deviceId);
        }
        keep(upn);
        return this;
    }

    /** The object id the sim gives {@code upn} (stable, derived from the UPN). */
    public static String objectIdOf(String upn) {
        return UUID.nameUUIDFromBytes(("oid:" + upn.toLowerCase(Locale.ROOT)).getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** Approves a user code as {@code upn}; false when no such pending code exists. */
    public boolean approve(String userCode, String upn) {
        synchronized (lock) {
            DeviceCode c = byUserCode.get(normalizeUserCode(userCode));
            if (c == null || c.status != CodeStatus.PENDING || !clock.instant().isBefore(c.expiresAt)) {
                return false;
            }
            c.status = CodeStatus.APPROVED;
            c.upn = upn;
            Logger.info("Simulated Entra: code approved as {}", upn);
            return true;
        }
    }

    /** Declines a user code (the user pressed "Cancel" on the sign-in page). */
    public boolean decline(String userCode) {
        synchronized (lock) {
            DeviceCode c = byUserCode.get(normalizeUserCode(userCode));
            if (c == null || c.status != CodeStatus.PENDING) {
                return false;
            }
            c.status = CodeStatus.DECLINED;
            return true;
        }
    }

    /** The next {@code times} device-code polls answer {@code slow_down} (each adds 5 s server-side). */
    public SimEntra forceSlowDown(int times) {
        synchronized (lock) {
            forcedSlowDowns += times;
        }
        return this;
    }

    /** Expires every outstanding device code now. */
    public SimEntra expireCodes() {
        synchronized (lock) {
            Instant now = clock.instant();
            byDeviceCode.values().forEach(c -> c.expiresAt = now);
        }
        return this;
    }

    /** Forgets every device code, as a token endpoint of another Entra instance would: polls get bad_verification_code. */
    public SimEntra forgetCodes() {
        synchronized (lock) {
            byDeviceCode.clear();
            byUserCode.clear();
        }
        return this;
    }

    /** Revokes every refresh token of {@code upn} (all users when empty), as "revoke sessions" does. */
    public int revokeRefreshTokens(Optional<String> upn) {
        Set<String> users = new LinkedHashSet<>();
        int n = 0;
        synchronized (lock) {
            for (RefreshGrant g : refreshTokens.values()) {
                if (!g.revoked && upn.map(u -> u.equalsIgnoreCase(g.upn)).orElse(true)) {
                    g.revoked = true;
                    users.add(g.upn);
                    n++;
                }
            }
        }
        users.forEach(this::keep);
        return n;
    }

    /** Lifetimes of new access tokens, refresh tokens and device codes. */
    public SimEntra setLifetimes(Duration accessToken, Duration refreshToken, Duration deviceCode) {
        synchronized (lock) {
            accessTokenLifetime = accessToken;
            refreshTokenLifetime = refreshToken;
            deviceCodeLifetime = deviceCode;
        }
        return this;
    }

    /** The polling interval given to new device codes; {@code omit} leaves the field out (client default 5 s). */
    public SimEntra setPollInterval(Duration interval, boolean omit) {
        synchronized (lock) {
            pollInterval = interval;
            omitInterval = omit;
        }
        return this;
    }

    /** Whether polls faster than the code's interval get {@code slow_down} (default true). */
    public SimEntra enforcePollInterval(boolean enforce) {
        synchronized (lock) {
            enforcePollInterval = enforce;
        }
        return this;
    }

    /** Whether a refresh token stops working once it was exchanged (default true, stricter than Entra). */
    public SimEntra strictRotation(boolean strict) {
        synchronized (lock) {
            strictRotation = strict;
        }
        return this;
    }

    /** Approves every code as {@code upn} once it is {@code after} old (virtual time); null turns it off. */
    public SimEntra autoApproveAfter(Duration after, String upn) {
        synchronized (lock) {
            autoApproveAfter = after;
            autoApproveUpn = upn;
        }
        return this;
    }

    public SimEntra setVerificationUri(String uri) {
        synchronized (lock) {
            verificationUri = uri;
        }
        return this;
    }

    /**
     * Conditional access: when the gate returns a reason for a user, refresh-token grants fail with
     * {@code invalid_grant} AADSTS53000 (device not compliant) until it returns empty again.
     */
    public SimEntra setComplianceGate(Function<String, Optional<String>> nonComplianceReason) {
        synchronized (lock) {
            complianceGate = Objects.requireNonNull(nonComplianceReason);
        }
        return this;
    }

    /**
     * The next {@code count} requests to {@code endpoint} ({@code "token"} or {@code "devicecode"})
     * fail with {@code status} (429, 5xx; 0 drops the connection without a response), with a
     * {@code Retry-After} header when {@code retryAfter} is given.
     */
    public SimEntra injectFailures(String endpoint, int status, Optional<Duration> retryAfter, int count) {
        synchronized (lock) {
            Deque<Fault> q = faults.computeIfAbsent(endpoint, k -> new ArrayDeque<>());
            for (int i = 0; i < count; i++) {
                q.add(new Fault(status, retryAfter.orElse(null)));
            }
        }
        return this;
    }

    /**
     * {@code endpoint} ({@code "token"} or {@code "devicecode"}) is down from now until {@link #endOutage}:
     * every request is answered with {@code status} (as {@link #injectFailures}, 0 drops the connection),
     * however often and however long the clients retry.
     */
    public SimEntra startOutage(String endpoint, int status) {
        synchronized (lock) {
            outages.put(endpoint, new Fault(status, null));
        }
        return this;
    }

    /** Ends an outage {@link #startOutage} began; the endpoint answers normally again. */
    public SimEntra endOutage(String endpoint) {
        synchronized (lock) {
            outages.remove(endpoint);
        }
        return this;
    }

    /**
     * Signs {@code upn} in directly, as if a device code had been approved (for tests of Graph or
     * MDM that need a token but not the device-code dance): Entra's token response JSON.
     */
    public JsonObject signInDirectly(String upn, String clientId, List<String> scopes) {
        JsonObject tokens;
        synchronized (lock) {
            tokens = issueTokens(upn, clientId, scopes);
        }
        keep(upn);
        return tokens;
    }

    /** Codes not yet approved, declined or expired, oldest first. */
    public List<PendingCode> pendingCodes() {
        synchronized (lock) {
            Instant now = clock.instant();
            List<PendingCode> out = new ArrayList<>();
            for (DeviceCode c : byDeviceCode.values()) {
                if (c.status == CodeStatus.PENDING && now.isBefore(c.expiresAt)) {
                    out.add(new PendingCode(c.userCode, c.clientId, c.issuedAt, c.expiresAt));
                }
            }
            return out;
        }
    }

    /** Every request received so far, oldest first (form values included: test use only). */
    public List<Request> requests() {
        synchronized (lock) {
            return List.copyOf(requests);
        }
    }

    /** Device-code grant polls received, oldest first. */
    public List<Request> devicePolls() {
        return requests().stream().filter(r -> r.isTokenRequest()
                && r.param("grant_type").filter(g -> g.equals(DEVICE_CODE_GRANT) || g.equals("device_code")).isPresent()).toList();
    }

    /** Refresh-token grants received, oldest first. */
    public List<Request> refreshRequests() {
        return requests().stream().filter(r -> r.isTokenRequest()
                && r.param("grant_type").filter("refresh_token"::equals).isPresent()).toList();
    }

    /** Whether {@code refreshToken} is a refresh token this tenant issued and still honours. */
    public boolean isRefreshTokenValid(String refreshToken) {
        synchronized (lock) {
            RefreshGrant g = refreshTokens.get(hash(refreshToken));
            return g != null && !g.revoked && !(strictRotation && g.used) && clock.instant().isBefore(g.expiresAt);
        }
    }

    // ---------------------------------------------------------------- HTTP

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            Map<String, String> form = "POST".equals(method) ? parseForm(readBody(ex)) : parseForm(ex.getRequestURI().getRawQuery());
            synchronized (lock) {
                if (requests.size() >= MAX_RECORDED) {
                    requests.remove(0);
                }
                requests.add(new Request(clock.instant(), method, path, Map.copyOf(form)));
            }
            if (path.startsWith("/_admin/")) {
                try {
                    admin(ex, path.substring("/_admin/".length()), form);
                } catch (NumberFormatException e) {
                    JsonObject r = new JsonObject();
                    r.addProperty("error", "bad number: " + e.getMessage());
                    sendJson(ex, 400, r);
                }
                return;
            }
            String[] seg = path.split("/");
            // ["", tenant, ...]
            if (seg.length < 3) {
                sendJson(ex, 404, error("invalid_request", 900561, "The endpoint only accepts POST requests. Received a GET request.", null));
                return;
            }
            String tenant = seg[1];
            String rest = path.substring(1 + tenant.length());
            if (!knownTenant(tenant)) {
                sendJson(ex, 400, error("invalid_request", 90002, "Tenant '" + tenant + "' not found. Check to make sure "
                        + "you have the correct tenant ID and are signing into the correct cloud.", null));
                return;
            }
            switch (rest) {
                case "/v2.0/.well-known/openid-configuration" -> sendJson(ex, 200, openIdConfiguration(tenant));
                case "/discovery/v2.0/keys" -> sendJson(ex, 200, authority.jwks());
                case "/oauth2/v2.0/devicecode" -> {
                    if (requirePost(ex, method) && !fault(ex, "devicecode")) {
                        deviceCode(ex, form);
                    }
                }
                case "/oauth2/v2.0/token" -> {
                    if (requirePost(ex, method) && !fault(ex, "token")) {
                        token(ex, form);
                    }
                }
                default -> sendJson(ex, 404, error("invalid_request", 900561, "Unknown endpoint " + rest, null));
            }
        } catch (RuntimeException e) {
            Logger.warn(e, "Simulated Entra failed on {}", ex.getRequestURI().getPath());
            sendJson(ex, 500, error("server_error", 90033, "A transient error has occurred. Please try again.", null));
        }
    }

    private boolean requirePost(HttpExchange ex, String method) throws IOException {
        if (!"POST".equals(method)) {
            sendJson(ex, 405, error("invalid_request", 900561, "The endpoint only accepts POST requests. Received a "
                    + method + " request.", null));
            return false;
        }
        return true;
    }

    private boolean fault(HttpExchange ex, String endpoint) throws IOException {
        Fault f;
        synchronized (lock) {
            Deque<Fault> q = faults.get(endpoint);
            f = outages.get(endpoint);
            if (f == null && q != null) {
                f = q.poll();
            }
        }
        if (f == null) {
            return false;
        }
        if (f.status == 0) {
            // Closing the exchange without response headers closes the connection: the client sees an I/O error.
            return true;
        }
        if (f.retryAfter != null) {
            ex.getResponseHeaders().add("Retry-After", Long.toString(f.retryAfter.toSeconds()));
        }
        JsonObject body = f.status == 429
                ? error("temporarily_unavailable", 50196, "The server terminated an operation because it encountered "
                + "a client request loop. Retry later.", null)
                : error("server_error", 90033, "A transient error has occurred. Please try again.", null);
        sendJson(ex, f.status, body);
        return true;
    }

    private boolean knownTenant(String tenant) {
        String t = tenant.toLowerCase(Locale.ROOT);
        synchronized (lock) {
            return t.equals(authority.tenantId()) || t.equals("organizations") || t.equals("common") || domains.contains(t);
        }
    }

    private JsonObject openIdConfiguration(String tenant) {
        String base = baseUri() + "/" + tenant;
        JsonObject o = new JsonObject();
        o.addProperty("issuer", authority.issuer());
        o.addProperty("token_endpoint", base + "/oauth2/v2.0/token");
        o.addProperty("device_authorization_endpoint", base + "/oauth2/v2.0/devicecode");
        o.addProperty("authorization_endpoint", base + "/oauth2/v2.0/authorize");
        o.addProperty("jwks_uri", baseUri() + "/" + tenant + "/discovery/v2.0/keys");
        o.add("response_types_supported", array("code", "id_token", "code id_token", "id_token token"));
        o.add("subject_types_supported", array("pairwise"));
        o.add("id_token_signing_alg_values_supported", array("RS256"));
        o.add("scopes_supported", array("openid", "profile", "email", "offline_access"));
        o.add("token_endpoint_auth_methods_supported", array("client_secret_post", "private_key_jwt", "client_secret_basic"));
        o.add("grant_types_supported", array("authorization_code", "refresh_token", DEVICE_CODE_GRANT));
        o.addProperty("tenant_region_scope", "EU");
        return o;
    }

    private void deviceCode(HttpExchange ex, Map<String, String> form) throws IOException {
        String clientId = form.get("client_id");
        JsonObject clientError = clientError(clientId, true);
        if (clientError != null) {
            sendJson(ex, 400, clientError);
            return;
        }
        List<String> scopes = scopes(form.get("scope"));
        String badScope = badScope(scopes);
        if (badScope != null) {
            sendJson(ex, 400, error("invalid_scope", 70011, "The provided request must include a 'scope' input parameter. "
                    + "The provided value for the input parameter 'scope' is not valid. The scope " + badScope
                    + " is not valid.", null));
            return;
        }
        DeviceCode c;
        synchronized (lock) {
            Instant now = clock.instant();
            String userCode;
            do {
                userCode = randomUserCode();
            } while (byUserCode.containsKey(userCode));
            c = new DeviceCode(randomToken("DAQABAAEAAAD", 96), userCode, clientId, scopes, now,
                    now.plus(deviceCodeLifetime), omitInterval ? Duration.ofSeconds(5) : pollInterval);
            byDeviceCode.put(c.deviceCode, c);
            byUserCode.put(userCode, c);
        }
        JsonObject o = new JsonObject();
        o.addProperty("user_code", c.userCode);
        o.addProperty("device_code", c.deviceCode);
        o.addProperty("verification_uri", verificationUri);
        o.addProperty("expires_in", deviceCodeLifetime.toSeconds());
        if (!omitInterval) {
            o.addProperty("interval", pollInterval.toSeconds());
        }
        o.addProperty("message", "To sign in, use a web browser to open the page " + verificationUri
                + " and enter the code " + c.userCode + " to authenticate.");
        sendJson(ex, 200, o);
    }

    /** Entra's answer for a missing, unknown or non-public client; null when the client may proceed. */
    private JsonObject clientError(String clientId, boolean deviceFlow) {
        synchronized (lock) {
            if (clientId == null || clientId.isBlank()) {
                return error("invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.", null);
            }
            if (confidentialClients.contains(clientId) && deviceFlow) {
                return error("invalid_client", 7000218, "The request body must contain the following parameter: "
                        + "'client_assertion' or 'client_secret'.", null);
            }
            if (!publicClients.contains(clientId) && !confidentialClients.contains(clientId)) {
                return error("unauthorized_client", 700016, "Application with identifier '" + clientId
                        + "' was not found in the directory '" + authority.tenantId() + "'. This can happen if the "
                        + "application has not been installed by the administrator of the tenant or consented to by "
                        + "any user in the tenant. You may have sent your authentication request to the wrong tenant.", null);
            }
            return null;
        }
    }

    private void token(HttpExchange ex, Map<String, String> form) throws IOException {
        String grant = form.getOrDefault("grant_type", "");
        JsonObject clientError = clientError(form.get("client_id"), grant.equals(DEVICE_CODE_GRANT) || grant.equals("device_code"));
        if (clientError != null) {
            sendJson(ex, 400, clientError);
            return;
        }
        switch (grant) {
            case DEVICE_CODE_GRANT, "device_code" -> deviceCodeGrant(ex, form);
            case "refresh_token" -> refreshGrant(ex, form);
            case "" -> sendJson(ex, 400, error("invalid_request", 900144,
                    "The request body must contain the following parameter: 'grant_type'.", null));
            default -> sendJson(ex, 400, error("unsupported_grant_type", 70003,
                    "The app requested an unsupported grant type '" + grant + "'.", null));
        }
    }

    private void deviceCodeGrant(HttpExchange ex, Map<String, String> form) throws IOException {
        JsonObject answer;
        int status = 400;
        String signedIn = null;
        synchronized (lock) {
            Instant now = clock.instant();
            DeviceCode c = byDeviceCode.get(form.getOrDefault("device_code", ""));
            if (c == null || !c.clientId.equals(form.get("client_id"))) {
                answer = error("bad_verification_code", 70000, "The provided value for the input parameter "
                        + "'device_code' is not valid.", null);
            } else if (c.status == CodeStatus.REDEEMED) {
                answer = error("invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry "
                        + "with a new valid code or use an existing refresh token.", null);
            } else if (c.status == CodeStatus.DECLINED) {
                answer = error("authorization_declined", 70000, "The user declined the sign-in request.", null);
            } else if (!now.isBefore(c.expiresAt)) {
                answer = error("expired_token", 70019, "Verification code expired.", null);
            } else {
                Instant last = c.lastPoll;
                c.lastPoll = now;
                if (forcedSlowDowns > 0) {
                    forcedSlowDowns--;
                    c.interval = c.interval.plusSeconds(5);
                    answer = error("slow_down", 70016, "OAuth 2.0 device flow error. Polling too fast: slow down.", null);
                } else if (enforcePollInterval && last != null && Duration.between(last, now).compareTo(c.interval) < 0) {
                    c.interval = c.interval.plusSeconds(5);
                    answer = error("slow_down", 70016, "OAuth 2.0 device flow error. Polling too fast: slow down.", null);
                } else {
                    if (c.status == CodeStatus.PENDING && autoApproveAfter != null
                            && !now.isBefore(c.issuedAt.plus(autoApproveAfter))) {
                        c.status = CodeStatus.APPROVED;
                        c.upn = autoApproveUpn;
                        Logger.info("Simulated Entra: auto-approved a code as {}", autoApproveUpn);
                    }
                    if (c.status == CodeStatus.PENDING) {
                        answer = error("authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is "
                                + "pending. Continue polling.", null);
                    } else {
                        c.status = CodeStatus.REDEEMED;
                        answer = issueTokens(c.upn, c.clientId, c.scopes);
                        status = 200;
                        signedIn = c.upn;
                    }
                }
            }
        }
        if (signedIn != null) {
            keep(signedIn); // before the answer: a room never holds a refresh token this tenant could forget
        }
        sendJson(ex, status, answer);
    }

    private void refreshGrant(HttpExchange ex, Map<String, String> form) throws IOException {
        JsonObject answer;
        int status = 400;
        String refreshed = null;
        synchronized (lock) {
            Instant now = clock.instant();
            RefreshGrant g = refreshTokens.get(hash(form.getOrDefault("refresh_token", "")));
            if (g == null || !g.clientId.equals(form.get("client_id")) || (strictRotation && g.used)) {
                answer = error("invalid_grant", 9002313, "Invalid request. Request is malformed or invalid. "
                        + "The provided refresh token is not valid.", null);
            } else if (g.revoked) {
                answer = error("invalid_grant", 50173, "The provided grant has expired due to it being revoked, a "
                        + "fresh auth token is needed. The user might have changed or reset their password.", null);
            } else if (!now.isBefore(g.expiresAt)) {
                answer = error("invalid_grant", 700082, "The refresh token has expired due to inactivity. The token "
                        + "was issued on " + ENTRA_TIME.format(g.expiresAt.minus(refreshTokenLifetime))
                        + " and was inactive for " + refreshTokenLifetime.toDays() + ".00:00:00.", null);
            } else {
                Optional<String> reason = complianceGate.apply(g.upn);
                if (reason.isPresent()) {
                    answer = error("invalid_grant", 53000, "Device is not in required device state: compliant. "
                            + "Conditional Access policy requires a compliant device, and the device is not compliant. "
                            + "The user must enroll their device with an approved MDM provider like Intune. "
                            + reason.get(), "compliance");
                } else {
                    List<String> scopes = form.containsKey("scope") ? scopes(form.get("scope")) : g.scopes;
                    g.used = true;
                    answer = issueTokens(g.upn, g.clientId, scopes);
                    status = 200;
                    refreshed = g.upn;
                }
            }
        }
        if (refreshed != null) {
            keep(refreshed); // the rotation is kept before the room sees the new token
        }
        sendJson(ex, status, answer);
    }

    /** Access, refresh and id token for {@code upn}; caller holds the lock. */
    private JsonObject issueTokens(String upn, String clientId, List<String> scopes) {
        String oid = objectIdOf(upn);
        String name = displayNames.getOrDefault(upn, upn.split("@")[0]);
        List<String> graphScopes = new ArrayList<>();
        for (String s : scopes) {
            if (!OIDC_SCOPES.contains(s)) {
                graphScopes.add(s.startsWith(SimTokenAuthority.GRAPH_AUDIENCE + "/")
                        ? s.substring(SimTokenAuthority.GRAPH_AUDIENCE.length() + 1) : s);
            }
        }
        Map<String, Object> at = new LinkedHashMap<>();
        at.put("aud", SimTokenAuthority.GRAPH_AUDIENCE);
        at.put("upn", upn);
        at.put("unique_name", upn);
        at.put("oid", oid);
        at.put("sub", sub(oid, clientId));
        at.put("name", name);
        at.put("appid", clientId);
        at.put("azp", clientId);
        at.put("scp", String.join(" ", graphScopes));
        at.put("uti", randomToken("", 22));
        at.put("ver", "1.0");
        String deviceId = deviceIds.get(upn);
        if (deviceId != null) {
            at.put("deviceid", deviceId);
        }
        String accessToken = authority.sign(at, accessTokenLifetime);

        JsonObject o = new JsonObject();
        o.addProperty("token_type", "Bearer");
        o.addProperty("scope", String.join(" ", scopes.stream()
                .filter(s -> !s.equals("offline_access") && !s.equals("openid") && !s.equals("profile"))
                .map(s -> s.startsWith("https://") ? s : SimTokenAuthority.GRAPH_AUDIENCE + "/" + s).toList()));
        o.addProperty("expires_in", accessTokenLifetime.toSeconds());
        o.addProperty("ext_expires_in", accessTokenLifetime.toSeconds());
        o.addProperty("access_token", accessToken);
        if (scopes.contains("offline_access")) {
            String rt = randomToken("1.AQsA", 180);
            refreshTokens.put(hash(rt), new RefreshGrant(upn, clientId, scopes, clock.instant().plus(refreshTokenLifetime)));
            o.addProperty("refresh_token", rt);
        }
        if (scopes.contains("openid")) {
            Map<String, Object> id = new LinkedHashMap<>();
            id.put("aud", clientId);
            id.put("oid", oid);
            id.put("sub", sub(oid, clientId));
            id.put("preferred_username", upn);
            id.put("upn", upn);
            id.put("name", name);
            id.put("ver", "2.0");
            o.addProperty("id_token", authority.sign(id, Duration.ofHours(1)));
        }
        return o;
    }

    private static String sub(String oid, String clientId) {
        return UUID.nameUUIDFromBytes((oid + "/" + clientId).getBytes(StandardCharsets.UTF_8)).toString();
    }

    private static List<String> scopes(String scope) {
        if (scope == null || scope.isBlank()) {
            return List.of();
        }
        return List.of(scope.trim().split("\\s+"));
    }

    private static String badScope(List<String> scopes) {
        if (scopes.isEmpty()) {
            return "''";
        }
        for (String s : scopes) {
            String bare = s.startsWith(SimTokenAuthority.GRAPH_AUDIENCE + "/")
                    ? s.substring(SimTokenAuthority.GRAPH_AUDIENCE.length() + 1) : s;
            if (!OIDC_SCOPES.contains(bare) && !GRAPH_SCOPES.contains(bare) && !bare.equals(".default")) {
                return s;
            }
        }
        return null;
    }

    private JsonObject error(String code, int aadsts, String text, String suberror) {
        Instant now = clock.instant();
        String trace = UUID.randomUUID().toString();
        String correlation = UUID.randomUUID().toString();
        JsonObject o = new JsonObject();
        o.addProperty("error", code);
        o.addProperty("error_description", "AADSTS" + aadsts + ": " + text + "\r\nTrace ID: " + trace
                + "\r\nCorrelation ID: " + correlation + "\r\nTimestamp: " + ENTRA_TIME.format(now));
        JsonArray codes = new JsonArray();
        codes.add(aadsts);
        o.add("error_codes", codes);
        o.addProperty("timestamp", ENTRA_TIME.format(now));
        o.addProperty("trace_id", trace);
        o.addProperty("correlation_id", correlation);
        o.addProperty("error_uri", "https://login.microsoftonline.com/error?code=" + aadsts);
        if (suberror != null) {
            o.addProperty("suberror", suberror);
        }
        return o;
    }

    // ---------------------------------------------------------------- kept state

    /** One {@link CloudState} entry per user: its device registration and its refresh grants. */
    static final String USER_ENTRY_PREFIX = "entra-user-";

    private static String userEntry(String upn) {
        return USER_ENTRY_PREFIX + HexFormat.of().formatHex(sha256(upn.toLowerCase(Locale.ROOT))).substring(0, 32);
    }

    /** Writes what the tenant knows of {@code upn} to its state (nothing without one). */
    private void keep(String upn) {
        try {
            state.write(userEntry(upn), () -> userState(upn).toString().getBytes(StandardCharsets.UTF_8), true);
        } catch (IOException e) {
            throw new UncheckedIOException("Simulated Entra cannot keep the grants of " + upn + ": " + e.getMessage(), e);
        }
    }

    /** The user's device id and the grants it still honours (not expired; a used one only without strict rotation). */
    private JsonObject userState(String upn) {
        synchronized (lock) {
            JsonObject o = new JsonObject();
            o.addProperty("upn", upn);
            Optional.ofNullable(deviceIds.get(upn)).ifPresent(d -> o.addProperty("deviceId", d));
            JsonArray grants = new JsonArray();
            Instant now = clock.instant();
            refreshTokens.forEach((hash, g) -> {
                if (g.upn.equalsIgnoreCase(upn) && now.isBefore(g.expiresAt) && !(strictRotation && g.used)) {
                    JsonObject j = new JsonObject();
                    j.addProperty("hash", hash);
                    j.addProperty("clientId", g.clientId);
                    JsonArray scopes = new JsonArray();
                    g.scopes.forEach(scopes::add);
                    j.add("scopes", scopes);
                    j.addProperty("expiresAt", g.expiresAt.toString());
                    j.addProperty("revoked", g.revoked);
                    j.addProperty("used", g.used);
                    grants.add(j);
                }
            });
            o.add("grants", grants);
            return o;
        }
    }

    /** Reads back what a previous run kept: device registrations and refresh grants. */
    private void restore() {
        try {
            for (String entry : state.entries(USER_ENTRY_PREFIX)) {
                Optional<byte[]> kept = state.read(entry);
                if (kept.isEmpty()) {
                    continue;
                }
                JsonObject o = com.google.gson.JsonParser.parseString(new String(kept.get(), StandardCharsets.UTF_8))
                        .getAsJsonObject();
                String upn = o.get("upn").getAsString();
                if (o.has("deviceId")) {
                    deviceIds.put(upn, o.get("deviceId").getAsString());
                }
                for (com.google.gson.JsonElement e : o.getAsJsonArray("grants")) {
                    JsonObject j = e.getAsJsonObject();
                    List<String> scopes = new ArrayList<>();
                    j.getAsJsonArray("scopes").forEach(x -> scopes.add(x.getAsString()));
                    RefreshGrant g = new RefreshGrant(upn, j.get("clientId").getAsString(), List.copyOf(scopes),
                            Instant.parse(j.get("expiresAt").getAsString()));
                    g.revoked = j.get("revoked").getAsBoolean();
                    g.used = j.get("used").getAsBoolean();
                    refreshTokens.put(j.get("hash").getAsString(), g);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Simulated Entra cannot read its kept state: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new IllegalStateException("Simulated Entra's kept state cannot be read (" + e + ")", e);
        }
        if (!refreshTokens.isEmpty()) {
            Logger.info("Simulated Entra: {} refresh grants and {} device registrations kept from a previous run",
                    refreshTokens.size(), deviceIds.size());
        }
    }

    private static String hash(String refreshToken) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(refreshToken));
    }

    private static byte[] sha256(String s) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---------------------------------------------------------------- admin API (HTTP)

    private void admin(HttpExchange ex, String op, Map<String, String> p) throws IOException {
        JsonObject r = new JsonObject();
        switch (op) {
            case "approve" -> r.addProperty("ok", approve(p.getOrDefault("user_code", ""), p.getOrDefault("upn", "")));
            case "decline" -> r.addProperty("ok", decline(p.getOrDefault("user_code", "")));
            case "slow-down" -> {
                forceSlowDown(Integer.parseInt(p.getOrDefault("count", "1")));
                r.addProperty("ok", true);
            }
            case "expire-codes" -> {
                expireCodes();
                r.addProperty("ok", true);
            }
            case "revoke" -> r.addProperty("revoked", revokeRefreshTokens(Optional.ofNullable(p.get("upn"))));
            case "lifetimes" -> {
                synchronized (lock) {
                    setLifetimes(seconds(p, "access_seconds", accessTokenLifetime), seconds(p, "refresh_seconds", refreshTokenLifetime),
                            seconds(p, "device_code_seconds", deviceCodeLifetime));
                }
                r.addProperty("ok", true);
            }
            case "auto-approve" -> {
                String upn = p.get("upn");
                autoApproveAfter(upn == null ? null : seconds(p, "after_seconds", Duration.ofSeconds(5)), upn);
                r.addProperty("ok", true);
            }
            case "pending" -> {
                JsonArray a = new JsonArray();
                for (PendingCode c : pendingCodes()) {
                    JsonObject o = new JsonObject();
                    o.addProperty("user_code", c.userCode());
                    o.addProperty("client_id", c.clientId());
                    o.addProperty("expires_at", c.expiresAt().toString());
                    a.add(o);
                }
                r.add("pending", a);
            }
            default -> {
                r.addProperty("error", "unknown admin operation " + op);
                sendJson(ex, 404, r);
                return;
            }
        }
        sendJson(ex, 200, r);
    }

    private static Duration seconds(Map<String, String> p, String key, Duration dflt) {
        String v = p.get(key);
        return v == null ? dflt : Duration.ofSeconds(Long.parseLong(v));
    }

    // ---------------------------------------------------------------- helpers

    private static String readBody(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            byte[] b = in.readNBytes(64 * 1024);
            return new String(b, StandardCharsets.UTF_8);
        }
    }

    private static Map<String, String> parseForm(String body) {
        Map<String, String> m = new LinkedHashMap<>();
        if (body == null || body.isEmpty()) {
            return m;
        }
        for (String pair : body.split("&")) {
            int i = pair.indexOf('=');
            String k = i < 0 ? pair : pair.substring(0, i);
            String v = i < 0 ? "" : pair.substring(i + 1);
            m.put(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
        }
        return m;
    }

    private static void sendJson(HttpExchange ex, int status, JsonObject body) throws IOException {
        byte[] b = body.toString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-store, no-cache");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    private static JsonArray array(String... values) {
        JsonArray a = new JsonArray();
        for (String v : values) {
            a.add(v);
        }
        return a;
    }

    private static String normalizeUserCode(String code) {
        return code == null ? "" : code.trim().toUpperCase(Locale.ROOT).replace("-", "");
    }

    private static String randomUserCode() {
        StringBuilder sb = new StringBuilder(9);
        for (int i = 0; i < 9; i++) {
            sb.append(USER_CODE_ALPHABET.charAt(RANDOM.nextInt(USER_CODE_ALPHABET.length())));
        }
        return sb.toString();
    }

    private static String randomToken(String prefix, int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
