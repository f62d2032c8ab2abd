package io.roomwire.updater.hawkbit;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The device side of the Eclipse hawkBit Direct Device Integration API (eclipse.dev/hawkbit/apis/ddi_api):
 * poll the controller base, read a deployment, send feedback, confirm a cancellation. Authenticates with a
 * target token; the token never reaches a log.
 */
public final class DdiClient {

    /** What the controller base offers: at most one of the two links, and how long to wait before the next poll. */
    public record Poll(Optional<URI> deploymentBase, Optional<URI> cancelAction, Duration sleep) { }

    /** One deployment with its first artifact: the bundle. */
    public record Deployment(String actionId, String version, URI download, String sha256, long size) { }

    /** A cancellation of {@code stopId}. */
    public record Cancel(String cancelId, String stopId) { }

    private final HttpClient http;
    private final URI controller;
    private final String token;
    private final Duration timeout;

    public DdiClient(HttpClient http, URI server, String tenant, String controllerId, String token, Duration timeout) {
        this.http = http;
        this.controller = URI.create(server.toString().replaceAll("/+$", "") + "/" + tenant + "/controller/v1/" + controllerId);
        this.token = token;
        this.timeout = timeout;
    }

    /** What artifact downloads need besides the URL: the target token (DDI "Target token authentication"). */
    public java.util.Map<String, String> downloadHeaders() {
        return java.util.Map.of("Authorization", "TargetToken " + token);
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
        HttpResponse<String> r = http.send(request(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
        check(uri, r);
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    private void post(URI uri, JsonObject body) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(request(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8)).build(), HttpResponse.BodyHandlers.ofString());
        check(uri, r);
    }

    private HttpRequest.Builder request(URI uri) {
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

    private static Optional<URI> link(JsonObject links, String name) {
        return links.has(name) ? Optional.of(URI.create(links.getAsJsonObject(name).get("href").getAsString())) : Optional.empty();
    }
}
