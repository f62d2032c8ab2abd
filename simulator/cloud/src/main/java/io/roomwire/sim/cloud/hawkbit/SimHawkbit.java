package io.roomwire.sim.cloud.hawkbit;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.roomwire.sim.cloud.SimPki;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A simulated Eclipse hawkBit update server speaking the Direct Device Integration API over HTTPS on 127.0.0.1:
 * the controller base with deploymentBase / cancelAction links, the deployment, feedback for both, and
 * artifact downloads with HTTP Range (RFC 9110 14) and an injectable connection cut.
 * Devices authenticate with {@code Authorization: TargetToken <token>}.
 */
public final class SimHawkbit implements AutoCloseable {

    /** One deployment (hawkBit "action") for one controller. */
    private record Action(String id, String controllerId, String version, String artifact, Path file, String sha256, long size) { }

    private static final Pattern BASE = Pattern.compile("/([^/]+)/controller/v1/([^/]+)(/.*)?");

    private final HttpsServer server;
    private final String tenant;
    private final String token;
    private final Map<String, Action> actions = new ConcurrentHashMap<>();
    private final Map<String, String> openAction = new ConcurrentHashMap<>();
    private final Map<String, String> cancels = new ConcurrentHashMap<>();
    private final Map<String, List<JsonObject>> feedback = new ConcurrentHashMap<>();
    private final Map<String, Path> files = new ConcurrentHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger(1);
    private final AtomicLong cutAfter = new AtomicLong(-1);
    private final AtomicInteger rangeRequests = new AtomicInteger();
    private final AtomicInteger polls = new AtomicInteger();
    private final List<String> log = new CopyOnWriteArrayList<>();
    private volatile java.time.Duration pollingSleep = java.time.Duration.ofSeconds(30);
    private volatile URI artifactHost;

    public SimHawkbit(SimPki pki, String tenant, String token) {
        this.tenant = tenant;
        this.token = token;
        try {
            server = HttpsServer.create(new InetSocketAddress(SimPki.loopback(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setHttpsConfigurator(new HttpsConfigurator(pki.sslContext(pki.issueServer("hawkbit"))));
        server.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "sim-hawkbit");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    public URI baseUrl() {
        return URI.create("https://127.0.0.1:" + server.getAddress().getPort());
    }

    /** What the controller base answers as {@code config.polling.sleep} (hawkBit's default 30 s; tests poll faster). */
    public SimHawkbit pollingSleep(java.time.Duration sleep) {
        this.pollingSleep = sleep;
        return this;
    }

    /**
     * Links artifacts to {@code host}{@code /files/{bundle file name}} instead of this server, as a hawkBit whose artifact URLs
     * name a CDN or download proxy does; whatever serves them there is the test's.
     */
    public SimHawkbit artifactsAt(URI host) {
        this.artifactHost = host;
        return this;
    }

    /** Serves {@code file} at {@code /files/{name}} (no token needed: the URL an operator puts in update.apply). */
    public URI serve(String name, Path file) {
        files.put(name, file);
        return baseUrl().resolve("/files/" + name);
    }

    /** Assigns an update to a controller; returns the action id. */
    public String deploy(String controllerId, String version, Path file) {
        String id = Integer.toString(nextId.getAndIncrement());
        actions.put(id, new Action(id, controllerId, version, file.getFileName().toString(), file, sha256(file), size(file)));
        openAction.put(controllerId, id);
        return id;
    }

    /**
     * The operator cancels an action: the next poll links cancelAction instead of deploymentBase, until the device
     * confirms it ({@code closed}: the action ends) or rejects it ({@code rejected}: the action runs on).
     */
    public void cancel(String actionId) {
        String cancelId = Integer.toString(nextId.getAndIncrement());
        cancels.put(cancelId, actionId);
    }

    /** The next download is cut (connection closed) after this many body bytes. */
    public void cutNextDownloadAfter(long bytes) {
        cutAfter.set(bytes);
    }

    public int rangeRequests() {
        return rangeRequests.get();
    }

    public int polls() {
        return polls.get();
    }

    /** Feedback the device posted for an action (deployment and cancel feedback alike), in order. */
    public List<JsonObject> feedback(String actionId) {
        return List.copyOf(feedback.getOrDefault(actionId, List.of()));
    }

    /** The action still open for a controller, if any (closed by finished feedback or a confirmed cancel). */
    public boolean isOpen(String actionId) {
        return openAction.containsValue(actionId);
    }

    /** A cancellation of the action is waiting for the device's answer. */
    public boolean isCancelling(String actionId) {
        return cancels.containsValue(actionId);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            log.add(ex.getRequestMethod() + " " + path);
            if (path.startsWith("/files/")) {
                // Plain artifact URLs, as an operator gives in update.apply: no target token.
                Path f = files.get(path.substring(7));
                if (f == null) {
                    send(ex, 404, "no such file");
                } else {
                    download(ex, f);
                }
                return;
            }
            Matcher m = BASE.matcher(path);
            if (!m.matches() || !m.group(1).equals(tenant)) {
                send(ex, 404, "{\"message\":\"unknown tenant or path\"}");
                return;
            }
            if (!("TargetToken " + token).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                send(ex, 401, "{\"message\":\"target token required\"}");
                return;
            }
            String controller = m.group(2);
            String rest = m.group(3) == null ? "" : m.group(3);
            String self = baseUrl() + "/" + tenant + "/controller/v1/" + controller;
            if (rest.isEmpty() && "GET".equals(ex.getRequestMethod())) {
                polls.incrementAndGet();
                JsonObject links = new JsonObject();
                String cancelId = cancels.entrySet().stream().filter(e -> controllerOf(e.getValue()).equals(controller))
                        .map(Map.Entry::getKey).findFirst().orElse(null);
                String actionId = openAction.get(controller);
                if (cancelId != null) {
                    links.add("cancelAction", href(self + "/cancelAction/" + cancelId));
                } else if (actionId != null) {
                    links.add("deploymentBase", href(self + "/deploymentBase/" + actionId + "?c=" + actionId.hashCode()));
                }
                JsonObject polling = new JsonObject();
                long sleep = pollingSleep.getSeconds();
                polling.addProperty("sleep", String.format("%02d:%02d:%02d", sleep / 3600, sleep / 60 % 60, sleep % 60));
                JsonObject config = new JsonObject();
                config.add("polling", polling);
                JsonObject body = new JsonObject();
                body.add("config", config);
                body.add("_links", links);
                send(ex, 200, body.toString());
                return;
            }
            Matcher d = Pattern.compile("/deploymentBase/([^/]+)(/feedback)?").matcher(rest);
            if (d.matches()) {
                Action a = actions.get(d.group(1));
                if (a == null || !a.controllerId().equals(controller)) {
                    send(ex, 404, "{\"message\":\"no such action\"}");
                } else if (d.group(2) == null) {
                    send(ex, 200, deployment(a, self).toString());
                } else {
                    JsonObject fb = readJson(ex);
                    feedback.computeIfAbsent(a.id(), k -> new CopyOnWriteArrayList<>()).add(fb);
                    if ("closed".equals(fb.getAsJsonObject("status").get("execution").getAsString())) {
                        openAction.remove(controller, a.id());
                    }
                    send(ex, 200, "");
                }
                return;
            }
            Matcher c = Pattern.compile("/cancelAction/([^/]+)(/feedback)?").matcher(rest);
            if (c.matches() && cancels.containsKey(c.group(1))) {
                String stopId = cancels.get(c.group(1));
                if (c.group(2) == null) {
                    JsonObject ca = new JsonObject();
                    ca.addProperty("stopId", stopId);
                    JsonObject body = new JsonObject();
                    body.addProperty("id", c.group(1));
                    body.add("cancelAction", ca);
                    send(ex, 200, body.toString());
                } else {
                    JsonObject fb = readJson(ex);
                    feedback.computeIfAbsent(stopId, k -> new CopyOnWriteArrayList<>()).add(fb);
                    String execution = fb.getAsJsonObject("status").get("execution").getAsString();
                    if ("closed".equals(execution)) {
                        cancels.remove(c.group(1));
                        openAction.remove(controller, stopId);
                    } else if ("rejected".equals(execution)) {
                        // hawkBit: a rejected cancel takes the action back to running (eclipse-hawkbit/hawkbit#950); the
                        // cancel is no longer offered and the deployment is, until the device closes it.
                        cancels.remove(c.group(1));
                    }
                    send(ex, 200, "");
                }
                return;
            }
            Matcher art = Pattern.compile("/softwaremodules/([^/]+)/artifacts/([^/]+)").matcher(rest);
            if (art.matches() && actions.containsKey(art.group(1))) {
                download(ex, actions.get(art.group(1)).file());
                return;
            }
            send(ex, 404, "{\"message\":\"not found\"}");
        } catch (RuntimeException e) {
            send(ex, 500, "{\"message\":\"" + e.getClass().getSimpleName() + "\"}");
        }
    }

    private String controllerOf(String actionId) {
        Action a = actions.get(actionId);
        return a == null ? "" : a.controllerId();
    }

    private JsonObject deployment(Action a, String self) {
        JsonObject hashes = new JsonObject();
        hashes.addProperty("sha256", a.sha256());
        JsonObject links = new JsonObject();
        URI elsewhere = artifactHost;
        String url = elsewhere != null ? elsewhere.resolve("/files/" + a.artifact()).toString()
                : self + "/softwaremodules/" + a.id() + "/artifacts/" + a.artifact();
        links.add("download", href(url));
        links.add("download-http", href(url));
        JsonObject artifact = new JsonObject();
        artifact.addProperty("filename", a.artifact());
        artifact.add("hashes", hashes);
        artifact.addProperty("size", a.size());
        artifact.add("_links", links);
        JsonArray artifacts = new JsonArray();
        artifacts.add(artifact);
        JsonObject chunk = new JsonObject();
        chunk.addProperty("part", "os");
        chunk.addProperty("version", a.version());
        chunk.addProperty("name", "roomwire");
        chunk.add("artifacts", artifacts);
        JsonArray chunks = new JsonArray();
        chunks.add(chunk);
        JsonObject dep = new JsonObject();
        dep.addProperty("download", "forced");
        dep.addProperty("update", "forced");
        dep.add("chunks", chunks);
        JsonObject body = new JsonObject();
        body.addProperty("id", a.id());
        body.add("deployment", dep);
        return body;
    }

    private void download(HttpExchange ex, Path file) throws IOException {
        long size = Files.size(file);
        long start = 0;
        long end = size - 1;
        String range = ex.getRequestHeaders().getFirst("Range");
        int status = 200;
        if (range != null) {
            Matcher r = Pattern.compile("bytes=(\\d+)-(\\d*)").matcher(range);
            if (r.matches()) {
                rangeRequests.incrementAndGet();
                start = Long.parseLong(r.group(1));
                if (!r.group(2).isEmpty()) {
                    end = Math.min(end, Long.parseLong(r.group(2)));
                }
                if (start >= size) {
                    ex.getResponseHeaders().set("Content-Range", "bytes */" + size);
                    ex.sendResponseHeaders(416, -1);
                    return;
                }
                status = 206;
                ex.getResponseHeaders().set("Content-Range", "bytes " + start + "-" + end + "/" + size);
            }
        }
        long length = end - start + 1;
        ex.getResponseHeaders().set("Accept-Ranges", "bytes");
        ex.sendResponseHeaders(status, length);
        long armed = cutAfter.get();
        long cut = armed >= 0 && armed < length && cutAfter.compareAndSet(armed, -1) ? armed : -1;
        try (InputStream in = Files.newInputStream(file); OutputStream out = ex.getResponseBody()) {
            in.skipNBytes(start);
            byte[] buf = new byte[64 * 1024];
            long left = length;
            long sent = 0;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    break;
                }
                if (cut >= 0 && sent + n > cut) {
                    out.write(buf, 0, (int) (cut - sent));
                    out.flush();
                    // Closing the exchange early: the client sees a body shorter than Content-Length.
                    throw new IOException("simulated cut after " + cut + " bytes");
                }
                out.write(buf, 0, n);
                sent += n;
                left -= n;
            }
        }
    }

    private static JsonObject href(String url) {
        JsonObject o = new JsonObject();
        o.addProperty("href", url);
        return o;
    }

    private static JsonObject readJson(HttpExchange ex) throws IOException {
        return JsonParser.parseString(new String(ex.getRequestBody().readNBytes(64 * 1024), StandardCharsets.UTF_8)).getAsJsonObject();
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/hal+json");
        ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            ex.getResponseBody().write(b);
        }
    }

    private static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Requests seen, "METHOD path" each, for assertions on the protocol. */
    public List<String> requests() {
        return new ArrayList<>(log);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
