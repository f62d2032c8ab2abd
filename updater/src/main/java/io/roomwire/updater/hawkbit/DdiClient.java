package io.roomwire.updater.hawkbit;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.roomwire.core.net.BodyTooLargeException;
import io.roomwire.core.net.BoundedBodies;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The device side of the Eclipse hawkBit Direct Device Integration API (eclipse.dev/hawkbit/apis/ddi_api):
 * poll the controller base, read a deployment, send feedback, confirm a cancellation. Authenticates with a
 * target token, sent only to the configured server's origin (scheme, host, port); the token never reaches a log.
 * The server and its links must be https unless {@code update.lab.allow-plain-http} is on; every answer is read
 * up to {@link #MAX_ANSWER_BYTES}.
 */
public final class DdiClient {

    /** What the controller base offers: at most one of the two links, and how long to wait before the next poll. */
    public record Poll(Optional<URI> deploymentBase, Optional<URI> cancelAction, Duration sleep) { }

    /** One deployment with its first artifact: the bundle. */
    public record Deployment(String actionId, String version, URI download, String sha256, long size) { }

    /** A cancellation of {@code stopId}. */
    public record Cancel(String cancelId, String stopId) { }

    /** DDI answers are a few KiB (a deployment with a handful of artifacts); the bound keeps a hostile server from filling memory. */
    public static final int MAX_ANSWER_BYTES = 256 * 1024;

    /** The setting that allows plain http, named in every refusal. */
    public static final String LAB_PLAIN_HTTP = "update.lab.allow-plain-http";

    private final HttpClient http;
    private final URI server;
    private final URI controller;
    private final String token;
    private final Duration timeout;
    private final boolean allowPlainHttp;

    /** A client for an https server. */
    public DdiClient(HttpClient http, URI server, String tenant, String controllerId, String token, Duration timeout) {
        this(http, server, tenant, controllerId, token, timeout, false);
    }

    /**
     * {@code allowPlainHttp} ({@code update.lab.allow-plain-http}) lets the server and its links be {@code http://}: the
     * token and the deployment then travel readable, so only in a lab. Throws IllegalArgumentException for a server URL
     * that is not https (or http when allowed).
     */
    public DdiClient(HttpClient http, URI server, String tenant, String controllerId, String token, Duration timeout,
                     boolean allowPlainHttp) {
        this.allowPlainHttp = allowPlainHttp;
        if (server.getHost() == null || !schemeAllowed(server)) {
            throw new IllegalArgumentException("update.hawkbit-url " + server + " must be an https:// URL with a host: the target"
                    + " token and deployments must not travel readable (in a lab only: " + LAB_PLAIN_HTTP + "=true allows http://)");
        }
        this.http = http;
        this.server = server;
        this.controller = URI.create(server.toString().replaceAll("/+$", "") + "/" + tenant + "/controller/v1/" + controllerId);
        this.token = token;
        this.timeout = timeout;
    }

    /**
     * What a download of {@code artifact} sends besides the URL: the target token (DDI "Target token authentication")
     * when the link is on the configured server, nothing when it names another host (hawkBit can link artifacts to a
     * CDN or a download proxy; the token is not theirs to see).
     */
    public Map<String, String> downloadHeaders(URI artifact) {
        return sameOrigin(artifact) ? Map.of("Authorization", "TargetToken " + token) : Map.of();
    }

    /**
     * Checks an artifact link before anything is fetched from it: https (http only with the lab setting). Any host is
     * allowed, since hawkBit deployments may serve artifacts elsewhere; {@link #downloadHeaders(URI)} decides the token.
     */
    public void checkArtifactLink(URI artifact) throws IOException {
        if (artifact.getHost() == null || !schemeAllowed(artifact)) {
            throw new IOException("hawkBit artifact link " + redact(artifact) + " is not https: the bundle would travel"
                    + " unprotected (in a lab only: " + LAB_PLAIN_HTTP + "=true allows http://)");
        }
    }

    private boolean schemeAllowed(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        return "https".equals(scheme) || allowPlainHttp && "http".equals(scheme);
    }

    /** RFC 6454 origin: scheme, host and port (the scheme's default when none is written). */
    private boolean sameOrigin(URI uri) {
        return uri.getScheme() != null && uri.getHost() != null
                && uri.getScheme().equalsIgnoreCase(server.getScheme()) && uri.getHost().equalsIgnoreCase(server.getHost())
                && port(uri) == port(server);
    }

    private static int port(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : "http".equalsIgnoreCase(uri.getScheme()) ? 80 : 443;
    }

    /** Links are shown without their query, which may carry a download token. */
    private static String redact(URI uri) {
        return uri.getScheme() + "://" + uri.getAuthority() + uri.getPath();
    }

    public Poll poll() throws IOException, InterruptedException {
        JsonObject o = get(controller);
        JsonObject links = o.has("_links") ? o.getAsJsonObject("_links") : new JsonObject();
        Duration sleep = Duration.ofMinutes(5);
        if (o.has("config")) {
            String[] hms = o.getAsJsonObject("config").getAsJsonObject("polling").get("sleep").getAsString().split(":");
            sleep = Duration.ofHours(Long.parseLong(hms[0])).plusMinutes(Long.parseLong(hms[1])).plusSeconds(Long.parseLong(hms[2]));
        }
        return new Poll(link(links, "deploymentBase"), link(links, "cancelAction"), sleep);
    }

    public Deployment deployment(URI deploymentBase) throws IOException, InterruptedException {
        JsonObject o = get(deploymentBase);
        try {
            JsonObject chunk = o.getAsJsonObject("deployment").getAsJsonArray("chunks").get(0).getAsJsonObject();
            JsonObject artifact = chunk.getAsJsonArray("artifacts").get(0).getAsJsonObject();
            JsonObject links = artifact.getAsJsonObject("_links");
            // hawkBit names the https link "download" and the plain one "download-http"; the latter is only a fallback.
            URI download = link(links, "download").or(() -> link(links, "download-http"))
                    .orElseThrow(() -> new IOException("artifact has no download link"));
            return new Deployment(o.get("id").getAsString(), chunk.get("version").getAsString(), download,
                    artifact.getAsJsonObject("hashes").get("sha256").getAsString(), artifact.get("size").getAsLong());
        } catch (RuntimeException e) {
            throw new IOException("hawkBit deployment at " + deploymentBase.getPath() + " is not as the DDI API describes: " + e, e);
        }
    }

    public Cancel cancel(URI cancelAction) throws IOException, InterruptedException {
        JsonObject o = get(cancelAction);
        return new Cancel(o.get("id").getAsString(), o.getAsJsonObject("cancelAction").get("stopId").getAsString());
    }

    /**
     * Deployment feedback. {@code execution}: proceeding, closed, ...; {@code finished}: none, success, failure.
     * Progress is sent as {@code cnt} of {@code of} when {@code of > 0}.
     */
    public void feedback(String actionId, String execution, String finished, int cnt, int of, List<String> details)
            throws IOException, InterruptedException {
        post(URI.create(controller + "/deploymentBase/" + actionId + "/feedback"), body(actionId, execution, finished, cnt, of, details));
    }

    /** Confirms (closed/success) or rejects a cancellation. */
    public void cancelFeedback(String cancelId, String execution, String finished, List<String> details) throws IOException, InterruptedException {
        post(URI.create(controller + "/cancelAction/" + cancelId + "/feedback"), body(cancelId, execution, finished, 0, 0, details));
    }

    private static JsonObject body(String id, String execution, String finished, int cnt, int of, List<String> details) {
        JsonObject result = new JsonObject();
        result.addProperty("finished", finished);
        if (of > 0) {
            JsonObject p = new JsonObject();
            p.addProperty("cnt", cnt);
            p.addProperty("of", of);
            result.add("progress", p);
        }
        JsonObject status = new JsonObject();
        status.addProperty("execution", execution);
        status.add("result", result);
        JsonArray d = new JsonArray();
        details.forEach(d::add);
        status.add("details", d);
        JsonObject o = new JsonObject();
        o.addProperty("id", id);
        o.add("status", status);
        return o;
    }

    private JsonObject get(URI uri) throws IOException, InterruptedException {
        HttpResponse<String> r = send(request(uri).GET().build(), uri);
        check(uri, r);
        try {
            return JsonParser.parseString(r.body()).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new IOException("hawkBit answer for " + uri.getPath() + " is not a JSON object: " + e.getMessage(), e);
        }
    }

    private void post(URI uri, JsonObject body) throws IOException, InterruptedException {
        HttpResponse<String> r = send(request(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8)).build(), uri);
        check(uri, r);
    }

    /** Controller resources (the base, its links, feedback) carry the token, so they must be on the configured server. */
    private HttpRequest.Builder request(URI uri) throws IOException {
        if (!sameOrigin(uri)) {
            throw new IOException("hawkBit linked " + redact(uri) + ", not on " + server.getScheme() + "://" + server.getAuthority()
                    + " (update.hawkbit-url): the target token is sent only there; set the hawkBit server's own URL to that address");
        }
        return HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/hal+json")
                .header("Authorization", "TargetToken " + token);
    }

    private static void check(URI uri, HttpResponse<String> r) throws IOException {
        if (r.statusCode() == 401 || r.statusCode() == 403) {
            throw new IOException("hawkBit refused the target token (HTTP " + r.statusCode() + ") for " + uri.getPath()
                    + ": check update.hawkbit-token against the target's security token");
        }
        if (r.statusCode() / 100 != 2) {
            throw new IOException("hawkBit answered HTTP " + r.statusCode() + " for " + uri.getPath());
        }
    }

    private Optional<URI> link(JsonObject links, String name) {
        return links.has(name) ? Optional.of(controller.resolve(links.getAsJsonObject(name).get("href").getAsString())) : Optional.empty();
    }

    private HttpResponse<String> send(HttpRequest request, URI uri) throws IOException, InterruptedException {
        try {
            return http.send(request, bounded(uri));
        } catch (IOException e) {
            for (Throwable c = e; c != null; c = c.getCause()) {
                if (c instanceof BodyTooLargeException) {
                    throw new IOException("hawkBit answer for " + uri.getPath() + " is more than the " + MAX_ANSWER_BYTES
                            + " bytes a DDI answer may have: not read; check update.hawkbit-url", e);
                }
            }
            throw e;
        }
    }

    /** Reads an answer up to {@link #MAX_ANSWER_BYTES} as text ({@link BoundedBodies}: a longer one is refused, announced or read). */
    private static HttpResponse.BodyHandler<String> bounded(URI uri) {
        HttpResponse.BodyHandler<byte[]> bytes = BoundedBodies.ofByteArray(MAX_ANSWER_BYTES, "hawkBit answer for " + uri.getPath());
        return info -> HttpResponse.BodySubscribers.mapping(bytes.apply(info), b -> new String(b, StandardCharsets.UTF_8));
    }
}
