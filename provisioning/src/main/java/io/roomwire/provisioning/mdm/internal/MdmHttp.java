package io.roomwire.provisioning.mdm.internal;

import io.roomwire.core.net.BodyTooLargeException;
import io.roomwire.core.net.BoundedBodies;
import io.roomwire.core.net.Loopback;
import io.roomwire.core.net.RetryAfter;
import io.roomwire.provisioning.mdm.MdmException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * HTTP for the MDM protocols on {@code java.net.http}: HTTPS, or plain HTTP to a loopback
 * address only; 429 becomes {@link MdmException.Kind#THROTTLED} with the server's Retry-After.
 */
public final class MdmHttp {

    /** A response whose status the caller interprets (SOAP faults arrive with 500). */
    public record Response(int status, byte[] body, String contentType) {
    }

    private final HttpClient client;
    private final Duration timeout;
    private final Clock clock;

    public MdmHttp(SSLContext tls, Duration timeout, Clock clock) {
        this.client = HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
        this.timeout = timeout;
        this.clock = clock;
    }

    public Response get(URI uri, String what) throws MdmException {
        return send(HttpRequest.newBuilder(check(uri, what)).GET(), uri, what);
    }

    public Response post(URI uri, String contentType, byte[] body, String what) throws MdmException {
        return send(HttpRequest.newBuilder(check(uri, what)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)), uri, what);
    }

    private Response send(HttpRequest.Builder b, URI uri, String what) throws MdmException {
        HttpResponse<byte[]> r;
        try {
            r = client.send(b.timeout(timeout).header("User-Agent", "Roomwire-MDM/1.0").build(),
                    BoundedBodies.ofByteArray(Xml.MAX_BYTES, what + " answer from " + uri));
        } catch (BodyTooLargeException e) {
            throw new MdmException(MdmException.Kind.MESSAGE_FORMAT, e.getMessage(), e);
        } catch (IOException e) {
            if (e.getCause() instanceof BodyTooLargeException big) {
                throw new MdmException(MdmException.Kind.MESSAGE_FORMAT, big.getMessage(), e);
            }
            throw new MdmException(MdmException.Kind.TRANSPORT, what + " at " + uri + " failed: " + describe(e)
                    + "; check the network and that the server's certificate chains to a trusted root", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MdmException(MdmException.Kind.TRANSPORT, what + " at " + uri + " was interrupted", e);
        }
        byte[] body = r.body() == null ? new byte[0] : r.body();
        if (r.statusCode() == 429 || r.statusCode() == 503 && r.headers().firstValue("Retry-After").isPresent()) {
            Optional<Duration> after = r.headers().firstValue("Retry-After").flatMap(this::retryAfter);
            throw new MdmException(MdmException.Kind.THROTTLED, what + " at " + uri + " was throttled (HTTP "
                    + r.statusCode() + ")" + after.map(d -> "; retrying after " + d.toSeconds() + " s").orElse(""),
                    null, after);
        }
        return new Response(r.statusCode(), body, r.headers().firstValue("Content-Type").orElse(""));
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        Throwable c = e.getCause();
        if ((m == null || m.isBlank()) && c != null) {
            m = c.getMessage();
        }
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    /** Retry-After as delta-seconds or an HTTP date, at most {@link RetryAfter#MAX}. */
    Optional<Duration> retryAfter(String v) {
        return RetryAfter.parse(v, clock.instant());
    }

    /** https everywhere; http only to a loopback address (simulators, local tests). */
    public static URI check(URI uri, String what) throws MdmException {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (uri.getHost() == null) {
            throw new MdmException(MdmException.Kind.CONFIGURATION, what + " URL '" + uri + "' has no host");
        }
        if ("https".equals(scheme)) {
            return uri;
        }
        if ("http".equals(scheme) && isLoopback(uri.getHost())) {
            return uri;
        }
        throw new MdmException(MdmException.Kind.CONFIGURATION, what + " URL '" + uri
                + "' must use https (plain http is allowed to loopback addresses only)");
    }

    private static boolean isLoopback(String host) {
        return Loopback.isLiteral(host);
    }
}
