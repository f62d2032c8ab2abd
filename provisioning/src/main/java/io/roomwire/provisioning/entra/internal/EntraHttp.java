package io.roomwire.provisioning.entra.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.roomwire.core.net.BodyTooLargeException;
import io.roomwire.core.net.BoundedBodies;
import io.roomwire.core.net.JsonNestingLimit;
import io.roomwire.core.net.RetryAfter;
import io.roomwire.core.time.Scheduler;
import io.roomwire.provisioning.entra.EntraConfig;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Form POSTs to the Entra endpoints on {@code java.net.http}, asynchronously: the answer is
 * handed to the {@link Scheduler} (never handled on the HTTP thread), so enrollment and refresh
 * logic runs on scheduler threads and tests drive it with a virtual clock.
 */
public final class EntraHttp {

    /** Largest answer read from the login service (token responses are a few kilobytes). */
    public static final int MAX_BODY_BYTES = 256 * 1024;

    /** An answer (status >= 100) or a network failure (status -1 and {@link #networkError}). */
    public record Response(int status, Optional<Duration> retryAfter, Optional<JsonObject> json, String networkError) {

        public boolean isNetworkError() {
            return status < 0;
        }

        public boolean isRetryable() {
            return isNetworkError() || status == 429 || status == 408 || status >= 500;
        }

        public Optional<OAuthError> oauthError() {
            return json.filter(j -> j.has("error")).map(OAuthError::from);
        }

        /** For logs: status and the OAuth error code/AADSTS, never the body. */
        public String summary() {
            if (isNetworkError()) {
                return "network error: " + networkError;
            }
            return "HTTP " + status + oauthError().map(e -> " " + e.summary()).orElse("");
        }
    }

    private final HttpClient client;
    private final Scheduler scheduler;
    private final Duration timeout;
    private final AtomicInteger inFlight = new AtomicInteger();

    public EntraHttp(EntraConfig config, Scheduler scheduler) {
        this.scheduler = scheduler;
        this.timeout = config.requestTimeout();
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .sslContext(config.sslContext())
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** Requests sent whose answer has not yet been handed to the scheduler (tests wait for zero). */
    public int inFlight() {
        return inFlight.get();
    }

    /** POSTs {@code form} and later runs {@code handler} on the scheduler with the answer. */
    public void post(URI uri, Map<String, String> form, Consumer<Response> handler) {
        HttpRequest req = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .header("x-client-SKU", "roomwire")
                .POST(HttpRequest.BodyPublishers.ofString(encode(form)))
                .build();
        inFlight.incrementAndGet();
        try {
            client.sendAsync(req, BoundedBodies.ofByteArray(MAX_BODY_BYTES, "Entra answer from " + uri))
                    .whenComplete((r, e) -> {
                        try {
                            Response answer = e != null ? failure(e) : parse(r);
                            scheduler.execute(() -> handler.accept(answer));
                        } finally {
                            inFlight.decrementAndGet();
                        }
                    });
        } catch (RuntimeException e) {
            inFlight.decrementAndGet();
            Response answer = failure(e);
            scheduler.execute(() -> handler.accept(answer));
        }
    }

    private Response parse(HttpResponse<byte[]> r) {
        Optional<JsonObject> json = Optional.empty();
        try {
            JsonElement el = JsonParser.parseReader(new JsonNestingLimit(
                    new java.io.StringReader(new String(r.body(), StandardCharsets.UTF_8)), JsonNestingLimit.DEFAULT));
            if (el.isJsonObject()) {
                json = Optional.of(el.getAsJsonObject());
            }
        } catch (RuntimeException ignored) {
            // a proxy's HTML error page: status alone decides
        }
        Optional<Duration> retryAfter = r.headers().firstValue("Retry-After").flatMap(this::retryAfter);
        return new Response(r.statusCode(), retryAfter, json, "");
    }

    private Optional<Duration> retryAfter(String v) {
        return RetryAfter.parse(v, scheduler.now());
    }

    private static Response failure(Throwable e) {
        Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (!(c instanceof BodyTooLargeException) && c.getCause() instanceof BodyTooLargeException big) {
            c = big;
        }
        String msg = c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
        return new Response(-1, Optional.empty(), Optional.empty(), msg);
    }

    static String encode(Map<String, String> form) {
        StringJoiner j = new StringJoiner("&");
        form.forEach((k, v) -> j.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return j.toString();
    }
}
