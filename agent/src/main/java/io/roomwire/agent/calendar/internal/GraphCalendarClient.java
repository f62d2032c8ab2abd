package io.roomwire.agent.calendar.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.microsoft.graph.core.requests.GraphClientFactory;
import com.microsoft.graph.models.odataerrors.ODataError;
import com.microsoft.graph.serviceclient.GraphServiceClient;
import com.microsoft.kiota.ApiException;
import com.microsoft.kiota.RequestAdapter;
import com.microsoft.kiota.RequestInformation;
import com.microsoft.kiota.RequestOption;
import com.microsoft.kiota.authentication.AccessTokenProvider;
import com.microsoft.kiota.authentication.AllowedHostsValidator;
import com.microsoft.kiota.authentication.BaseBearerTokenAuthenticationProvider;
import com.microsoft.kiota.http.middleware.options.RetryHandlerOption;
import com.microsoft.kiota.serialization.Parsable;
import com.microsoft.kiota.serialization.ParsableFactory;
import io.roomwire.agent.calendar.GraphToken;
import io.roomwire.core.net.BodyTooLargeException;
import io.roomwire.core.net.BoundedInputStream;
import io.roomwire.core.net.JsonNestingLimit;
import io.roomwire.core.net.Loopback;
import io.roomwire.core.net.RetryAfter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.ResponseBody;
import okio.BufferedSource;
import okio.Okio;

/**
 * The room mailbox's calendar through the Microsoft Graph SDK: calendarView delta pages and
 * single events, as raw Graph JSON (what the cache stores). Requests go through the SDK's request
 * builders and its OkHttp pipeline with the SDK's own retries turned off: waiting is the caller's
 * business, on its scheduler. At most {@code maxConcurrent} requests run at once for the mailbox.
 * The bearer token goes only to the configured Graph host, and only over https unless that host
 * is loopback.
 */
public final class GraphCalendarClient implements AutoCloseable {

    /** Largest answer read from Graph: a delta page of events with their HTML bodies. */
    public static final long MAX_BODY_BYTES = 16L << 20;

    private static final HashMap<String, ParsableFactory<? extends Parsable>> ERRORS = new HashMap<>();

    static {
        ERRORS.put("XXX", ODataError::createFromDiscriminatorValue);
    }

    private final String mailbox;
    private final URI base;
    private final GraphToken token;
    private final Clock clock;
    private final Semaphore gate;
    private final OkHttpClient http;
    private final GraphServiceClient graph;
    private final RequestAdapter adapter;
    private final AtomicInteger requests = new AtomicInteger();
    private final String prefer;

    /**
     * @param trust the certificates to trust instead of the system's (a private or test CA); empty
     *              for the system trust store
     */
    public GraphCalendarClient(URI base, String mailbox, GraphToken token, int maxConcurrent, int pageSize,
                               Duration timeout, Clock clock, Optional<X509TrustManager> trust) {
        requireSecureTransport(base);
        this.mailbox = mailbox;
        this.base = base;
        this.token = token;
        this.clock = clock;
        this.gate = new Semaphore(maxConcurrent, true);
        this.prefer = "odata.maxpagesize=" + pageSize + ", outlook.timezone=\"UTC\", outlook.body-content-type=\"html\"";
        AllowedHostsValidator hosts = new AllowedHostsValidator(base.getHost());
        AccessTokenProvider provider = new AccessTokenProvider() {
            @Override
            public String getAuthorizationToken(URI uri, Map<String, Object> context) {
                if (!sameOrigin(uri)) {
                    return "";
                }
                return token.accessToken().orElse("");
            }

            @Override
            public AllowedHostsValidator getAllowedHostsValidator() {
                return hosts;
            }
        };
        BaseBearerTokenAuthenticationProvider auth = new BaseBearerTokenAuthenticationProvider(provider);
        // The SDK's RetryHandler sleeps on the calling thread; our scheduler does the waiting instead.
        RequestOption noRetry = new RetryHandlerOption((delay, count, req, resp) -> false, 0, 0);
        OkHttpClient.Builder hb = GraphClientFactory.create(auth, new RequestOption[] {noRetry})
                .connectTimeout(Duration.ofSeconds(10))
                .readTimeout(timeout)
                .callTimeout(timeout.multipliedBy(2))
                .addInterceptor(GraphCalendarClient::bounded);
        if (trust.isPresent()) {
            try {
                SSLContext tls = SSLContext.getInstance("TLS");
                tls.init(null, new TrustManager[] {trust.get()}, null);
                hb.sslSocketFactory(tls.getSocketFactory(), trust.get());
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot set up TLS for Graph: " + e.getMessage(), e);
            }
        }
        this.http = hb.build();
        this.graph = new GraphServiceClient(auth, http);
        this.adapter = graph.getRequestAdapter();
        String url = base.toString();
        adapter.setBaseUrl(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
    }

    /** https everywhere; plain http only to a loopback test service. */
    public static void requireSecureTransport(URI base) {
        String scheme = base.getScheme() == null ? "" : base.getScheme().toLowerCase(Locale.ROOT);
        if (base.getHost() == null) {
            throw new IllegalArgumentException("calendar.graph-url has no host: " + base);
        }
        if (scheme.equals("https")) {
            return;
        }
        if (scheme.equals("http") && isLoopback(base.getHost())) {
            return;
        }
        throw new IllegalArgumentException("calendar.graph-url must use https (got " + base
                + "); plain http is accepted only for a test service on 127.0.0.1 or localhost");
    }

    static boolean isLoopback(String host) {
        return Loopback.isLiteral(host);
    }

    /** Every answer (events and error bodies alike) is read through a limit, never whole into memory first. */
    private static okhttp3.Response bounded(Interceptor.Chain chain) throws IOException {
        okhttp3.Response r = chain.proceed(chain.request());
        ResponseBody body = r.body();
        if (body == null) {
            return r;
        }
        String what = "Graph answer from " + chain.request().url().host();
        if (body.contentLength() > MAX_BODY_BYTES) {
            r.close();
            throw new BodyTooLargeException(what + " (Content-Length " + body.contentLength() + ")", MAX_BODY_BYTES);
        }
        BufferedSource limited = Okio.buffer(Okio.source(new BoundedInputStream(body.byteStream(), MAX_BODY_BYTES, what)));
        return r.newBuilder().body(ResponseBody.create(limited, body.contentType(), body.contentLength())).build();
    }

    /** Whether a stored delta or next link points at the configured Graph (scheme, host and port). */
    public boolean isOurs(String link) {
        try {
            return sameOrigin(URI.create(link));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private boolean sameOrigin(URI uri) {
        return uri.getHost() != null && uri.getHost().equalsIgnoreCase(base.getHost())
                && uri.getScheme().equalsIgnoreCase(base.getScheme()) && port(uri) == port(base);
    }

    private static int port(URI u) {
        return u.getPort() != -1 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    /** Requests sent so far (each retry after a 401 counts). */
    public int requests() {
        return requests.get();
    }

    /** The first page of a new delta round over [from, to). */
    public DeltaPage deltaStart(Instant from, Instant to) throws GraphException {
        return deltaPage(() -> graph.users().byUserId(mailbox).calendarView().delta().toGetRequestInformation(c -> {
            c.queryParameters.startDateTime = from.toString();
            c.queryParameters.endDateTime = to.toString();
            c.headers.add("Prefer", prefer);
        }));
    }

    /** The page behind an {@code @odata.nextLink} or {@code @odata.deltaLink}. */
    public DeltaPage deltaFollow(String link) throws GraphException {
        URI uri;
        try {
            uri = URI.create(link);
        } catch (IllegalArgumentException e) {
            throw new GraphException(GraphException.Kind.OTHER, 0, "", "Graph returned a malformed link: " + e.getMessage(),
                    Optional.empty(), e);
        }
        if (!sameOrigin(uri)) {
            throw new GraphException(GraphException.Kind.OTHER, 0, "", "Graph returned a link to another origin ("
                    + uri.getScheme() + "://" + uri.getHost() + "); not following it with the room's token",
                    Optional.empty(), null);
        }
        return deltaPage(() -> graph.users().byUserId(mailbox).calendarView().delta().withUrl(link)
                .toGetRequestInformation(c -> c.headers.add("Prefer", prefer)));
    }

    /** One event (a series master, for the details its occurrences leave out); empty when it is gone (404). */
    public Optional<JsonObject> event(String id) throws GraphException {
        try {
            JsonElement e = send(() -> graph.users().byUserId(mailbox).events().byEventId(id)
                    .toGetRequestInformation(c -> c.headers.add("Prefer", prefer)));
            if (!e.isJsonObject()) {
                throw new GraphException(GraphException.Kind.OTHER, 200, "", "Graph returned an event that is not a JSON object",
                        Optional.empty(), null);
            }
            JsonObject o = e.getAsJsonObject();
            o.remove("@odata.context");
            return Optional.of(o);
        } catch (GraphException ex) {
            if (ex.kind() == GraphException.Kind.NOT_FOUND) {
                return Optional.empty();
            }
            throw ex;
        }
    }

    private DeltaPage deltaPage(Supplier<RequestInformation> request) throws GraphException {
        JsonElement e = send(request);
        if (!e.isJsonObject() || !e.getAsJsonObject().has("value") || !e.getAsJsonObject().get("value").isJsonArray()) {
            throw new GraphException(GraphException.Kind.OTHER, 200, "", "Graph returned a delta page without 'value'",
                    Optional.empty(), null);
        }
        JsonObject o = e.getAsJsonObject();
        JsonArray value = o.getAsJsonArray("value");
        List<JsonObject> items = new ArrayList<>(value.size());
        for (JsonElement item : value) {
            if (item.isJsonObject()) {
                items.add(item.getAsJsonObject());
            }
        }
        Optional<String> next = link(o, "@odata.nextLink");
        Optional<String> delta = link(o, "@odata.deltaLink");
        if (next.isEmpty() && delta.isEmpty()) {
            throw new GraphException(GraphException.Kind.OTHER, 200, "", "Graph returned a delta page with neither "
                    + "@odata.nextLink nor @odata.deltaLink", Optional.empty(), null);
        }
        return new DeltaPage(items, next, delta);
    }

    private static Optional<String> link(JsonObject o, String k) {
        JsonElement v = o.get(k);
        return v != null && v.isJsonPrimitive() ? Optional.of(v.getAsString()) : Optional.empty();
    }

    /** Sends one GET; on 401 asks for a fresh token once and tries again. */
    private JsonElement send(Supplier<RequestInformation> request) throws GraphException {
        if (token.accessToken().isEmpty()) {
            throw new GraphException(GraphException.Kind.UNAUTHORIZED, 0, "NoToken",
                    "no Graph access token: " + token.whyNoToken(), Optional.empty(), null);
        }
        try {
            return sendOnce(request.get());
        } catch (GraphException e) {
            if (e.kind() != GraphException.Kind.UNAUTHORIZED) {
                throw e;
            }
            if (token.refreshAfterUnauthorized().isEmpty()) {
                throw new GraphException(e.kind(), e.status(), e.code(), e.getMessage()
                        + "; no fresh token could be obtained", e.retryAfter(), e);
            }
            return sendOnce(request.get());
        }
    }

    private JsonElement sendOnce(RequestInformation info) throws GraphException {
        try {
            if (!gate.tryAcquire(5, TimeUnit.MINUTES)) {
                throw new GraphException(GraphException.Kind.OTHER, 0, "", "no free request slot for " + mailbox,
                        Optional.empty(), null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GraphException(GraphException.Kind.NETWORK, 0, "", "interrupted", Optional.empty(), e);
        }
        try {
            requests.incrementAndGet();
            InputStream in = adapter.sendPrimitive(info, ERRORS, InputStream.class);
            if (in == null) {
                throw new GraphException(GraphException.Kind.OTHER, 204, "", "Graph returned no content", Optional.empty(), null);
            }
            try (Reader r = new JsonNestingLimit(new InputStreamReader(in, StandardCharsets.UTF_8), JsonNestingLimit.DEFAULT)) {
                return JsonParser.parseReader(r);
            }
        } catch (ApiException e) {
            throw classify(e);
        } catch (IOException | JsonParseException e) {
            tooLarge(e);
            throw new GraphException(GraphException.Kind.NETWORK, 0, "", "reading Graph's answer failed: " + e.getMessage(),
                    Optional.empty(), e);
        } catch (RuntimeException e) {
            tooLarge(e);
            Throwable c = e;
            while (c.getCause() != null && !(c instanceof IOException)) {
                c = c.getCause();
            }
            if (c instanceof IOException) {
                throw new GraphException(GraphException.Kind.NETWORK, 0, "", "Graph unreachable: " + c, Optional.empty(), e);
            }
            throw new GraphException(GraphException.Kind.OTHER, 0, "", "Graph request failed: " + e, Optional.empty(), e);
        } finally {
            gate.release();
        }
    }

    /** An oversized answer is Graph's (or a proxy's) fault, not the network's: say so and what the limit is. */
    private void tooLarge(Throwable e) throws GraphException {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof BodyTooLargeException big) {
                throw new GraphException(GraphException.Kind.OTHER, 0, "", big.getMessage() + " for " + mailbox,
                        Optional.empty(), e);
            }
        }
    }

    private GraphException classify(ApiException e) {
        int status = e.getResponseStatusCode();
        String code = "";
        String message = messageOf(e);
        if (e instanceof ODataError o && o.getError() != null) {
            code = o.getError().getCode() == null ? "" : o.getError().getCode();
            message = o.getError().getMessage() == null ? message : o.getError().getMessage();
        }
        Optional<Duration> retryAfter = retryAfter(e);
        GraphException.Kind kind;
        if (status == 429 || status == 503 || status == 504) {
            kind = GraphException.Kind.THROTTLED;
        } else if (status == 410 || "SyncStateNotFound".equalsIgnoreCase(code) || "resyncRequired".equalsIgnoreCase(code)) {
            kind = GraphException.Kind.SYNC_STATE_GONE;
        } else if (status == 401) {
            kind = GraphException.Kind.UNAUTHORIZED;
        } else if (status == 403) {
            kind = GraphException.Kind.ACCESS_DENIED;
        } else if (status == 404) {
            kind = GraphException.Kind.NOT_FOUND;
        } else {
            kind = GraphException.Kind.OTHER;
        }
        String text = "Graph returned " + status + (code.isEmpty() ? "" : " " + code) + " for " + mailbox
                + (message.isEmpty() ? "" : ": " + message);
        return new GraphException(kind, status, code, text, retryAfter, e);
    }

    /** ODataError.getMessage() dereferences the body's "error" object, which a hostile body leaves out. */
    private static String messageOf(ApiException e) {
        try {
            return e.getMessage() == null ? "" : e.getMessage();
        } catch (RuntimeException noErrorObject) {
            return "";
        }
    }

    private Optional<Duration> retryAfter(ApiException e) {
        if (e.getResponseHeaders() == null) {
            return Optional.empty();
        }
        Set<String> values = e.getResponseHeaders().get("Retry-After");
        if (values == null || values.isEmpty()) {
            return Optional.empty();
        }
        return RetryAfter.parse(values.iterator().next(), clock.instant());
    }

    @Override
    public void close() {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
