package io.roomwire.webrtc.signal;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.tinylog.Logger;

/**
 * WHIP (RFC 9725): POST the offer with a bearer token, read the answer and the session URL from
 * {@code Location}, trickle candidates with PATCH, restart ICE with PATCH, DELETE on hang-up.
 */
public final class WhipSignalling implements Signalling {

    private static final String SDP = "application/sdp";
    private static final String SDPFRAG = "application/trickle-ice-sdpfrag";

    private final HttpClient http;
    private final URI endpoint;
    private final Optional<String> token;
    private final Duration timeout;

    public WhipSignalling(HttpClient http, URI endpoint, Optional<String> token, Duration timeout) {
        this.http = Objects.requireNonNull(http, "http");
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.token = Objects.requireNonNull(token, "token");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    @Override
    public Session open(String offerSdp) throws SignallingException {
        // RFC 9725 §4.2: the offer goes in a POST as application/sdp; 201 Created carries the answer and Location.
        HttpResponse<String> r = send(request(endpoint).header("Content-Type", SDP)
                .POST(HttpRequest.BodyPublishers.ofString(offerSdp)).build(), "WHIP offer to " + host());
        if (r.statusCode() != 201) {
            throw r.statusCode() / 100 == 2
                    ? new SignallingException(SignallingException.Kind.MALFORMED, r.statusCode(),
                            "WHIP offer to " + host() + " got " + r.statusCode() + " instead of 201 Created: not a WHIP endpoint")
                    : SignallingException.forStatus(r.statusCode(), "WHIP offer to " + host(), r.body());
        }
        String location = r.headers().firstValue("Location").orElseThrow(() -> new SignallingException(
                SignallingException.Kind.MALFORMED, 201, "WHIP answer from " + host() + " has no Location header (RFC 9725 §4.2)"));
        String answer = AnswerCheck.sdpAnswer(r.body(), "WHIP endpoint " + host());
        URI resource = endpoint.resolve(location);
        WhipSession session = new WhipSession(resource, answer, r.headers().firstValue("ETag"));
        session.credentialsFrom(offerSdp);
        return session;
    }

    private String host() {
        return endpoint.getHost() + (endpoint.getPort() > 0 ? ":" + endpoint.getPort() : "");
    }

    private HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout);
        token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        return b;
    }

    private HttpResponse<String> send(HttpRequest req, String what) throws SignallingException {
        try {
            return http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpTimeoutException e) {
            throw new SignallingException(SignallingException.Kind.TIMEOUT, 0,
                    what + " had no answer within " + timeout.toSeconds() + " s: the gateway is unreachable or stuck", e);
        } catch (ConnectException e) {
            throw new SignallingException(SignallingException.Kind.UNAVAILABLE, 0,
                    what + " could not connect: check webrtc.gateway-url and the network", e);
        } catch (IOException e) {
            throw new SignallingException(SignallingException.Kind.UNAVAILABLE, 0, what + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SignallingException(SignallingException.Kind.TIMEOUT, 0, what + " was interrupted", e);
        }
    }

    private final class WhipSession implements Session {
        private final URI resource;
        private final String answer;
        private volatile Optional<String> etag;
        private volatile String ufrag;
        private volatile String pwd;

        WhipSession(URI resource, String answer, Optional<String> etag) {
            this.resource = resource;
            this.answer = answer;
            this.etag = etag;
        }

        @Override
        public String answerSdp() {
            return answer;
        }

        void credentialsFrom(String offer) {
            ufrag = Sdp.attribute(offer, "ice-ufrag").orElse("");
            pwd = Sdp.attribute(offer, "ice-pwd").orElse("");
        }

        @Override
        public void trickle(String mid, int mLineIndex, String candidate) throws SignallingException {
            if (ufrag == null) {
                return;
            }
            // RFC 9725 §4.3.1 + RFC 8840: an sdpfrag with the session's ICE credentials and the m-line's mid.
            String frag = "a=ice-ufrag:" + ufrag + "\r\na=ice-pwd:" + pwd + "\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:" + mid
                    + "\r\na=" + candidate + "\r\n";
            HttpRequest.Builder b = request(resource).header("Content-Type", SDPFRAG)
                    .method("PATCH", HttpRequest.BodyPublishers.ofString(frag));
            etag.ifPresent(e -> b.header("If-Match", e));
            HttpResponse<String> r = send(b.build(), "WHIP trickle to " + host());
            if (r.statusCode() == 405 || r.statusCode() == 501) {
                ufrag = null; // §4.3.1: the endpoint does not do trickle; candidates in the offer must do.
                Logger.debug("WHIP endpoint {} does not support trickle ICE ({})", host(), r.statusCode());
                return;
            }
            if (r.statusCode() / 100 != 2) {
                throw SignallingException.forStatus(r.statusCode(), "WHIP trickle to " + host(), r.body());
            }
        }

        @Override
        public String restartIce(String offerSdp) throws SignallingException {
            credentialsFrom(offerSdp);
            // RFC 9725 §4.3.2: ICE restart is a PATCH with If-Match "*" and the new credentials; 200 carries the answer's.
            String frag = "a=ice-ufrag:" + ufrag + "\r\na=ice-pwd:" + pwd + "\r\n";
            HttpResponse<String> r = send(request(resource).header("Content-Type", SDPFRAG).header("If-Match", "*")
                    .method("PATCH", HttpRequest.BodyPublishers.ofString(frag)).build(), "WHIP ICE restart at " + host());
            if (r.statusCode() != 200) {
                throw SignallingException.forStatus(r.statusCode(), "WHIP ICE restart at " + host(), r.body());
            }
            etag = r.headers().firstValue("ETag");
            if (Sdp.attribute(r.body(), "ice-ufrag").isEmpty()) {
                throw new SignallingException(SignallingException.Kind.MALFORMED, 200,
                        "WHIP ICE restart answer from " + host() + " has no ice-ufrag");
            }
            return r.body();
        }

        @Override
        public void close() {
            try {
                // RFC 9725 §4.2: DELETE on the session URL ends the session at the endpoint.
                HttpResponse<String> r = send(request(resource).DELETE().build(), "WHIP DELETE at " + host());
                if (r.statusCode() / 100 != 2) {
                    Logger.info("WHIP DELETE at {} returned {}", host(), r.statusCode());
                }
            } catch (SignallingException e) {
                Logger.info("WHIP DELETE at {} failed: {}", host(), e.getMessage());
            }
        }
    }
}
