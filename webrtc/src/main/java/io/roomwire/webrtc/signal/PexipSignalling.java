package io.roomwire.webrtc.signal;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.roomwire.core.time.Scheduler;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.tinylog.Logger;

/**
 * The Pexip Infinity client REST API (v2), as a browser joins a Pexip (Teams CVI) conference:
 * {@code request_token}, {@code calls} with the offer, {@code ack}, {@code new_candidate},
 * {@code refresh_token} before the token expires, {@code disconnect} and {@code release_token}.
 */
public final class PexipSignalling implements Signalling {

    private final HttpClient http;
    private final URI conference;
    private final String displayName;
    private final Optional<String> pin;
    private final Duration timeout;
    private final Scheduler scheduler;

    /**
     * @param node       the Conferencing Node, e.g. {@code https://pexip.example.com}
     * @param alias      the conference alias (for Teams CVI: the meeting's video id or join URL)
     */
    public PexipSignalling(HttpClient http, URI node, String alias, String displayName, Optional<String> pin,
                           Duration timeout, Scheduler scheduler) {
        this.http = Objects.requireNonNull(http, "http");
        String base = node.toString().replaceAll("/+$", "");
        this.conference = URI.create(base + "/api/client/v2/conferences/"
                + URLEncoder.encode(alias, StandardCharsets.UTF_8).replace("+", "%20") + "/");
        this.displayName = Objects.requireNonNull(displayName, "displayName");
        this.pin = Objects.requireNonNull(pin, "pin");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    }

    @Override
    public Session open(String offerSdp) throws SignallingException {
        JsonObject ask = new JsonObject();
        ask.addProperty("display_name", displayName);
        HttpRequest.Builder tokenReq = json(conference.resolve("request_token"), ask);
        pin.ifPresent(p -> tokenReq.header("pin", p));
        JsonObject tok = result(post(tokenReq.build(), "Pexip request_token"), "Pexip request_token");
        String token = text(tok, "token", "Pexip request_token");
        String participant = text(tok, "participant_uuid", "Pexip request_token");
        long expires = tok.has("expires") ? Long.parseLong(tok.get("expires").getAsString()) : 120;
        PexipSession session = new PexipSession(token, participant);
        try {
            JsonObject call = new JsonObject();
            call.addProperty("call_type", "WEBRTC");
            call.addProperty("sdp", offerSdp);
            JsonObject res = result(post(session.json("participants/" + participant + "/calls", call).build(),
                    "Pexip calls"), "Pexip calls");
            session.callUuid = text(res, "call_uuid", "Pexip calls");
            session.answer = AnswerCheck.sdpAnswer(text(res, "sdp", "Pexip calls"), "Pexip node " + conference.getHost());
            // The node starts media only after ack (the browser client sends it once the answer is applied).
            post(session.json("participants/" + participant + "/calls/" + session.callUuid + "/ack", new JsonObject()).build(),
                    "Pexip ack");
            session.scheduleRefresh(Duration.ofSeconds(Math.max(10, expires / 2)));
            return session;
        } catch (SignallingException e) {
            session.close();
            throw e;
        }
    }

    private HttpRequest.Builder json(URI uri, JsonObject body) {
        return HttpRequest.newBuilder(uri).timeout(timeout).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    }

    private HttpResponse<String> post(HttpRequest req, String what) throws SignallingException {
        HttpResponse<String> r;
        try {
            r = http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpTimeoutException e) {
            throw new SignallingException(SignallingException.Kind.TIMEOUT, 0,
                    what + " had no answer within " + timeout.toSeconds() + " s: the Pexip node is unreachable or stuck", e);
        } catch (ConnectException e) {
            throw new SignallingException(SignallingException.Kind.UNAVAILABLE, 0,
                    what + " could not connect: check webrtc.gateway-url and the network", e);
        } catch (IOException e) {
            throw new SignallingException(SignallingException.Kind.UNAVAILABLE, 0, what + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SignallingException(SignallingException.Kind.TIMEOUT, 0, what + " was interrupted", e);
        }
        if (r.statusCode() / 100 != 2) {
            throw SignallingException.forStatus(r.statusCode(), what, r.body());
        }
        return r;
    }

    private static JsonObject result(HttpResponse<String> r, String what) throws SignallingException {
        try {
            JsonObject o = JsonParser.parseString(r.body()).getAsJsonObject();
            if (!"success".equals(o.has("status") ? o.get("status").getAsString() : "")) {
                throw new SignallingException(SignallingException.Kind.REJECTED, r.statusCode(),
                        what + " did not succeed: " + o.get("result"));
            }
            return o.get("result").isJsonObject() ? o.getAsJsonObject("result") : new JsonObject();
        } catch (RuntimeException e) {
            throw new SignallingException(SignallingException.Kind.MALFORMED, r.statusCode(),
                    what + " returned no Pexip JSON result: the URL is not a Pexip Conferencing Node", e);
        }
    }

    private static String text(JsonObject o, String key, String what) throws SignallingException {
        if (!o.has(key) || !o.get(key).isJsonPrimitive()) {
            throw new SignallingException(SignallingException.Kind.MALFORMED, 200, what + " result has no " + key);
        }
        return o.get(key).getAsString();
    }

    private final class PexipSession implements Session {
        private final AtomicReference<String> token;
        private final String participant;
        private volatile String callUuid;
        private volatile String answer;
        private volatile Scheduler.Cancellable refresh;
        private volatile boolean closed;

        PexipSession(String token, String participant) {
            this.token = new AtomicReference<>(token);
            this.participant = participant;
        }

        HttpRequest.Builder json(String path, JsonObject body) {
            return PexipSignalling.this.json(conference.resolve(path), body).header("token", token.get());
        }

        void scheduleRefresh(Duration every) {
            if (closed) {
                return;
            }
            // The token lives `expires` seconds; refreshing at half keeps one spare attempt before it lapses.
            refresh = scheduler.schedule(every, () -> {
                try {
                    JsonObject r = result(post(json("refresh_token", new JsonObject()).build(), "Pexip refresh_token"),
                            "Pexip refresh_token");
                    token.set(text(r, "token", "Pexip refresh_token"));
                } catch (SignallingException e) {
                    Logger.warn("Pexip refresh_token failed: {}", e.getMessage());
                }
                scheduleRefresh(every);
            });
        }

        @Override
        public String answerSdp() {
            return answer;
        }

        @Override
        public void trickle(String mid, int mLineIndex, String candidate) throws SignallingException {
            JsonObject c = new JsonObject();
            c.addProperty("candidate", "a=" + candidate);
            c.addProperty("mid", mid);
            post(json("participants/" + participant + "/calls/" + callUuid + "/new_candidate", c).build(),
                    "Pexip new_candidate");
        }

        @Override
        public String restartIce(String offerSdp) throws SignallingException {
            JsonObject u = new JsonObject();
            u.addProperty("sdp", offerSdp);
            JsonObject r = result(post(json("participants/" + participant + "/calls/" + callUuid + "/update", u).build(),
                    "Pexip update"), "Pexip update");
            return AnswerCheck.sdpAnswer(text(r, "sdp", "Pexip update"), "Pexip node " + conference.getHost());
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            Scheduler.Cancellable r = refresh;
            if (r != null) {
                r.cancel();
            }
            try {
                if (callUuid != null) {
                    post(json("participants/" + participant + "/calls/" + callUuid + "/disconnect", new JsonObject()).build(),
                            "Pexip disconnect");
                }
                post(json("release_token", new JsonObject()).build(), "Pexip release_token");
            } catch (SignallingException e) {
                Logger.info("Pexip teardown at {} failed: {}", conference.getHost(), e.getMessage());
            }
        }
    }
}
