package io.roomwire.sim.cloud.webrtc;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.tinylog.Logger;

/**
 * A simulated WebRTC gateway on 127.0.0.1: a WHIP endpoint (RFC 9725) at {@code /whip/{meeting}} and a
 * Pexip-style client REST API at {@code /api/client/v2/conferences/{alias}/...}, both handing the
 * room's offer to a {@link FarEnd}. Faults are scripted per test: a status, silence, a malformed
 * answer, expired tokens, or ICE that cannot connect (candidates withheld both ways).
 */
public final class SimWebRtcGateway implements AutoCloseable {

    /** One request the gateway saw, for assertions: method, path, the Authorization/token header, body. */
    public record Seen(String method, String path, String auth, String body) { }

    /**
     * One ICE restart the gateway carried out: the room's previous and new username fragments, and the far
     * end's before and after (RFC 8445 §9: both sides change credentials).
     */
    public record IceRestart(String session, String roomUfragBefore, String roomUfrag, String farEndUfragBefore,
                             String farEndUfrag) { }

    private final HttpServer server;
    private final ExecutorService pool;
    private final FarEnd farEnd;
    private final Optional<String> bearer;
    private final Clock clock;
    private final Duration tokenLifetime;
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final Map<String, Instant> tokens = new ConcurrentHashMap<>();
    /** Open sessions: the ICE credentials each side uses now. */
    private final Map<String, Credentials> sessions = new ConcurrentHashMap<>();
    private final List<IceRestart> iceRestarts = new CopyOnWriteArrayList<>();
    private final AtomicReference<Integer> failStatus = new AtomicReference<>();
    private final AtomicReference<String> malformedAnswer = new AtomicReference<>();
    private volatile boolean silent;
    private volatile boolean withholdCandidates;
    private volatile boolean wrongFingerprint;

    private record Credentials(String roomUfrag, String farEndUfrag) { }

    /**
     * @param bearer        the WHIP bearer token required, or empty for none
     * @param tokenLifetime how long a Pexip token lives before it must be refreshed
     */
    public SimWebRtcGateway(FarEnd farEnd, Optional<String> bearer, Clock clock, Duration tokenLifetime) throws IOException {
        this.farEnd = farEnd;
        this.bearer = bearer;
        this.clock = clock;
        this.tokenLifetime = tokenLifetime;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        this.pool = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "sim-webrtc-gateway");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(pool);
        server.createContext("/whip/", this::whip);
        server.createContext("/api/client/v2/conferences/", this::pexip);
        server.start();
    }

    /** The WHIP endpoint URL template ({@code {meeting}} is filled by the room). */
    public String whipUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/whip/{meeting}";
    }

    /** The Pexip Conferencing Node URL. */
    public URI pexipNode() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Every later request gets this status (0 clears). */
    public void failWith(int status) {
        failStatus.set(status == 0 ? null : status);
    }

    /** Requests are read and never answered (the room's timeout must end them). */
    public void goSilent(boolean on) {
        silent = on;
    }

    /** The next offers are answered with this text instead of the far end's answer (null clears). */
    public void answerWith(String text) {
        malformedAnswer.set(text);
    }

    /** Strip candidates from offers and answers and drop trickles: ICE can never connect. */
    public void withholdCandidates(boolean on) {
        withholdCandidates = on;
    }

    /**
     * The far end's answers carry a DTLS fingerprint that is not its certificate's (every hex digit
     * changed): ICE connects, the room's DTLS check fails (RFC 8122 §5), as with an answer altered on the way.
     */
    public void wrongFingerprint(boolean on) {
        wrongFingerprint = on;
    }

    /** Every Pexip token issued so far expires now. */
    public void expireTokens() {
        tokens.replaceAll((t, exp) -> Instant.EPOCH);
    }

    public List<Seen> seen() {
        return List.copyOf(seen);
    }

    /** The ICE restarts carried out so far, in order. */
    public List<IceRestart> iceRestarts() {
        return List.copyOf(iceRestarts);
    }

    /** Sessions open at the gateway (a DELETE or disconnect removes one). */
    public int openSessions() {
        return sessions.size();
    }

    private boolean scripted(HttpExchange ex, String body) throws IOException {
        seen.add(new Seen(ex.getRequestMethod(), ex.getRequestURI().getPath(),
                Optional.ofNullable(ex.getRequestHeaders().getFirst("Authorization"))
                        .or(() -> Optional.ofNullable(ex.getRequestHeaders().getFirst("token"))).orElse(""), body));
        if (silent) {
            return true; // never answered; the exchange is left open on purpose
        }
        Integer fail = failStatus.get();
        if (fail != null) {
            reply(ex, fail, "text/plain", "scripted failure", Map.of());
            return true;
        }
        return false;
    }

    private void whip(HttpExchange ex) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        if (scripted(ex, body)) {
            return;
        }
        String path = ex.getRequestURI().getPath();
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (bearer.isPresent() && !("Bearer " + bearer.get()).equals(auth)) {
            // RFC 9725 §4.5: authentication is a bearer token; a wrong one is 401.
            reply(ex, 401, "text/plain", "bearer token required", Map.of("WWW-Authenticate", "Bearer"));
            return;
        }
        try {
            switch (ex.getRequestMethod()) {
                case "POST" -> {
                    if (!"application/sdp".equals(ex.getRequestHeaders().getFirst("Content-Type"))) {
                        reply(ex, 415, "text/plain", "offer must be application/sdp", Map.of());
                        return;
                    }
                    String id = UUID.randomUUID().toString();
                    String answer = answer(id, body);
                    reply(ex, 201, "application/sdp", answer,
                            Map.of("Location", "/whip/session/" + id, "ETag", "\"" + id + "\""));
                }
                case "PATCH" -> {
                    String id = path.substring(path.lastIndexOf('/') + 1);
                    if (!sessions.containsKey(id)) {
                        reply(ex, 404, "text/plain", "no such session", Map.of());
                        return;
                    }
                    if ("*".equals(ex.getRequestHeaders().getFirst("If-Match"))) {
                        whipIceRestart(ex, id, body);
                        return;
                    }
                    String mid = "0";
                    for (String line : body.split("\r?\n")) {
                        if (line.startsWith("a=mid:")) {
                            mid = line.substring(6);
                        } else if (line.startsWith("a=candidate:") && !withholdCandidates) {
                            farEnd.addCandidate(id, mid, line.substring(2));
                        }
                    }
                    reply(ex, 204, "text/plain", "", Map.of());
                }
                case "DELETE" -> {
                    String id = path.substring(path.lastIndexOf('/') + 1);
                    if (sessions.remove(id) != null) {
                        farEnd.close(id);
                    }
                    reply(ex, 200, "text/plain", "", Map.of());
                }
                default -> reply(ex, 405, "text/plain", "", Map.of());
            }
        } catch (Exception e) {
            Logger.warn(e, "Simulated WHIP endpoint failed");
            reply(ex, 500, "text/plain", e.toString(), Map.of());
        }
    }

    /**
     * RFC 9725 §4.3.2: an ICE restart is a PATCH with {@code If-Match: *} whose sdpfrag (RFC 8840) carries the
     * client's new ice-ufrag and ice-pwd; the far end restarts ICE with them and the 200 carries its new ones.
     */
    private void whipIceRestart(HttpExchange ex, String id, String body) throws Exception {
        if (!"application/trickle-ice-sdpfrag".equals(ex.getRequestHeaders().getFirst("Content-Type"))) {
            reply(ex, 415, "text/plain", "an ICE restart must be application/trickle-ice-sdpfrag", Map.of());
            return;
        }
        Optional<String> ufrag = attribute(body, "ice-ufrag");
        Optional<String> pwd = attribute(body, "ice-pwd");
        if (ufrag.isEmpty() || pwd.isEmpty()) {
            reply(ex, 400, "text/plain", "an ICE restart fragment needs a=ice-ufrag and a=ice-pwd (RFC 8840)", Map.of());
            return;
        }
        Credentials before = sessions.get(id);
        if (before == null) {
            reply(ex, 404, "text/plain", "no such session at the far end", Map.of());
            return;
        }
        if (ufrag.get().equals(before.roomUfrag())) {
            reply(ex, 400, "text/plain", "an ICE restart needs a new ice-ufrag (RFC 8445 §9)", Map.of());
            return;
        }
        String answer;
        try {
            answer = farEnd.restartIce(id, ufrag.get(), pwd.get());
        } catch (UnsupportedOperationException e) {
            reply(ex, 501, "text/plain", e.getMessage(), Map.of());
            return;
        } catch (IllegalArgumentException e) {
            reply(ex, 404, "text/plain", "the far end lost the session: " + e.getMessage(), Map.of());
            return;
        }
        String farUfrag = attribute(answer, "ice-ufrag").orElseThrow();
        sessions.put(id, new Credentials(ufrag.get(), farUfrag));
        iceRestarts.add(new IceRestart(id, before.roomUfrag(), ufrag.get(), before.farEndUfrag(), farUfrag));
        String frag = "a=ice-ufrag:" + farUfrag + "\r\na=ice-pwd:" + attribute(answer, "ice-pwd").orElseThrow() + "\r\n"
                + bundledCandidates(answer);
        reply(ex, 200, "application/trickle-ice-sdpfrag", frag, Map.of("ETag", "\"" + UUID.randomUUID() + "\""));
    }

    /**
     * The far end's candidates of its first media section (the bundled transport), as an RFC 8840 media
     * description: its m= line, a=mid and the a=candidate lines.
     */
    private static String bundledCandidates(String sdp) {
        StringBuilder b = new StringBuilder();
        boolean first = false;
        for (String line : sdp.split("\r?\n")) {
            if (line.startsWith("m=")) {
                if (first) {
                    break;
                }
                first = true;
                b.append(line).append("\r\n");
            } else if (first && (line.startsWith("a=mid:") || line.startsWith("a=candidate:"))) {
                b.append(line).append("\r\n");
            }
        }
        return b.toString();
    }

    /** The first {@code a=name:value} in an SDP or sdpfrag. */
    private static Optional<String> attribute(String sdp, String name) {
        for (String line : sdp.split("\r?\n")) {
            if (line.startsWith("a=" + name + ":")) {
                return Optional.of(line.substring(name.length() + 3).trim());
            }
        }
        return Optional.empty();
    }

    private String answer(String id, String offer) throws Exception {
        String scripted = malformedAnswer.get();
        if (scripted != null) {
            return scripted;
        }
        String answer = farEnd.answer(id, withholdCandidates ? stripCandidates(offer) : offer);
        sessions.put(id, new Credentials(attribute(offer, "ice-ufrag").orElse(""), attribute(answer, "ice-ufrag").orElse("")));
        if (wrongFingerprint) {
            answer = alterFingerprints(answer);
        }
        return withholdCandidates ? stripCandidates(answer) : answer;
    }

    private static String alterFingerprints(String sdp) {
        StringBuilder b = new StringBuilder();
        for (String line : sdp.split("\r\n")) {
            if (line.startsWith("a=fingerprint:")) {
                int sp = line.indexOf(' ');
                StringBuilder hex = new StringBuilder(line.substring(0, sp + 1));
                for (char c : line.substring(sp + 1).toCharArray()) {
                    int d = Character.digit(c, 16);
                    hex.append(d < 0 ? c : Character.toUpperCase(Character.forDigit((d + 1) % 16, 16)));
                }
                line = hex.toString();
            }
            b.append(line).append("\r\n");
        }
        return b.toString();
    }

    private static String stripCandidates(String sdp) {
        StringBuilder b = new StringBuilder();
        for (String line : sdp.split("\r\n")) {
            if (!line.startsWith("a=candidate:")) {
                b.append(line).append("\r\n");
            }
        }
        return b.toString();
    }

    private void pexip(HttpExchange ex) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        if (scripted(ex, body)) {
            return;
        }
        String[] p = ex.getRequestURI().getRawPath().split("/"); // raw: an alias may hold an encoded "/"
        // /api/client/v2/conferences/{alias}/{verb...}
        String verb = p.length > 6 ? p[6] : "";
        String token = ex.getRequestHeaders().getFirst("token");
        try {
            if (!"POST".equals(ex.getRequestMethod())) {
                reply(ex, 405, "application/json", "{}", Map.of());
                return;
            }
            if ("request_token".equals(verb)) {
                String t = issue();
                JsonObject r = new JsonObject();
                r.addProperty("token", t);
                r.addProperty("participant_uuid", UUID.randomUUID().toString());
                r.addProperty("expires", String.valueOf(tokenLifetime.toSeconds()));
                ok(ex, r);
                return;
            }
            Instant exp = token == null ? null : tokens.get(token);
            if (exp == null || !clock.instant().isBefore(exp)) {
                reply(ex, 403, "application/json", "{\"status\":\"success\",\"result\":\"Invalid token\"}", Map.of());
                return;
            }
            if ("refresh_token".equals(verb)) {
                tokens.remove(token);
                JsonObject r = new JsonObject();
                r.addProperty("token", issue());
                r.addProperty("expires", String.valueOf(tokenLifetime.toSeconds()));
                ok(ex, r);
            } else if ("release_token".equals(verb)) {
                tokens.remove(token);
                ok(ex, new JsonObject());
            } else if ("participants".equals(verb) && p.length == 9 && "calls".equals(p[8])) {
                JsonObject req = JsonParser.parseString(body).getAsJsonObject();
                String id = UUID.randomUUID().toString();
                JsonObject r = new JsonObject();
                r.addProperty("call_uuid", id);
                r.addProperty("sdp", answer(id, req.get("sdp").getAsString()));
                ok(ex, r);
            } else if ("participants".equals(verb) && p.length == 11) {
                String id = p[9];
                switch (p[10]) {
                    case "ack" -> ok(ex, new JsonObject());
                    case "new_candidate" -> {
                        JsonObject req = JsonParser.parseString(body).getAsJsonObject();
                        if (!withholdCandidates) {
                            farEnd.addCandidate(id, req.get("mid").getAsString(),
                                    req.get("candidate").getAsString().replaceFirst("^a=", ""));
                        }
                        ok(ex, new JsonObject());
                    }
                    case "update" -> {
                        // An ICE restart over the client API: a whole new offer, answered with a whole answer.
                        String offer = JsonParser.parseString(body).getAsJsonObject().get("sdp").getAsString();
                        Credentials before = sessions.get(id);
                        String ufrag = attribute(offer, "ice-ufrag").orElseThrow();
                        String answer = farEnd.restartIce(id, ufrag, attribute(offer, "ice-pwd").orElseThrow());
                        String farUfrag = attribute(answer, "ice-ufrag").orElseThrow();
                        sessions.put(id, new Credentials(ufrag, farUfrag));
                        iceRestarts.add(new IceRestart(id, before.roomUfrag(), ufrag, before.farEndUfrag(), farUfrag));
                        JsonObject r = new JsonObject();
                        r.addProperty("sdp", answer);
                        ok(ex, r);
                    }
                    case "disconnect" -> {
                        if (sessions.remove(id) != null) {
                            farEnd.close(id);
                        }
                        ok(ex, new JsonObject());
                    }
                    default -> reply(ex, 404, "application/json", "{}", Map.of());
                }
            } else {
                reply(ex, 404, "application/json", "{}", Map.of());
            }
        } catch (Exception e) {
            Logger.warn(e, "Simulated Pexip node failed");
            reply(ex, 500, "application/json", "{}", Map.of());
        }
    }

    private String issue() {
        String t = UUID.randomUUID().toString();
        tokens.put(t, clock.instant().plus(tokenLifetime));
        return t;
    }

    private static void ok(HttpExchange ex, JsonObject result) throws IOException {
        JsonObject o = new JsonObject();
        o.addProperty("status", "success");
        o.add("result", result);
        reply(ex, 200, "application/json", o.toString(), Map.of());
    }

    private static void reply(HttpExchange ex, int status, String type, String body, Map<String, String> headers)
            throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            try (OutputStream o = ex.getResponseBody()) {
                o.write(b);
            }
        }
        ex.close();
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
        for (String id : sessions.keySet()) {
            farEnd.close(id);
        }
        sessions.clear();
    }
}
