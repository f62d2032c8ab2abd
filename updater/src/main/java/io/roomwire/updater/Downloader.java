package io.roomwire.updater;

import io.roomwire.core.time.Backoff;
import io.roomwire.updater.UpdateRefused.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongConsumer;
import org.tinylog.Logger;

/**
 * Fetches a bundle into a {@code .part} file over HTTP(S), resuming with a Range request (RFC 9110 14.2) after a
 * cut, never writing more than a bound, retrying with back-off. The wait between attempts is injected.
 */
public final class Downloader {

    /** Waits between attempts; tests pass one that records instead of sleeping. */
    @FunctionalInterface
    public interface Pause {
        void sleep(Duration d) throws InterruptedException;
    }

    private final HttpClient http;
    private final Backoff backoff;
    private final Pause pause;
    private final int maxAttempts;
    private final Duration requestTimeout;

    public Downloader(HttpClient http, Backoff backoff, Pause pause, int maxAttempts, Duration requestTimeout) {
        this.http = http;
        this.backoff = backoff;
        this.pause = pause;
        this.maxAttempts = maxAttempts;
        this.requestTimeout = requestTimeout;
    }

    /**
     * Makes {@code part} hold the first {@code upTo} bytes of {@code url} (all of it when {@code upTo} is empty),
     * keeping what an earlier attempt wrote; {@code headers} go with every request (a hawkBit target token).
     * Returns the file's length.
     */
    public long fetch(URI url, Map<String, String> headers, Path part, Optional<Long> upTo, long maxBytes, LongConsumer progress)
            throws UpdateRefused, InterruptedException {
        IOException last = null;
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            try {
                long have = Files.exists(part) ? Files.size(part) : 0;
                if (upTo.isPresent() && have >= upTo.get()) {
                    return have;
                }
                long done = once(url, headers, part, have, upTo, maxBytes, progress);
                backoff.reset();
                return done;
            } catch (UpdateRefused e) {
                throw e;
            } catch (IOException e) {
                last = e;
                if (attempt < maxAttempts) {
                    Duration wait = backoff.next();
                    Logger.info("update download of {} failed ({}), attempt {} of {}, retrying in {} ms", redact(url), e.getMessage(),
                            attempt, maxAttempts, wait.toMillis());
                    pause.sleep(wait);
                }
            }
        }
        throw new UpdateRefused(Reason.DOWNLOAD_FAILED, "download of " + redact(url) + " failed " + maxAttempts + " times, last: "
                + (last == null ? "?" : last.getMessage()) + "; the partial file is kept and the next try resumes", last);
    }

    private long once(URI url, Map<String, String> headers, Path part, long have, Optional<Long> upTo, long maxBytes, LongConsumer progress)
            throws IOException, UpdateRefused, InterruptedException {
        HttpRequest.Builder req = HttpRequest.newBuilder(url).timeout(requestTimeout).GET();
        headers.forEach(req::header);
        String end = upTo.map(u -> Long.toString(u - 1)).orElse("");
        if (have > 0 || upTo.isPresent()) {
            req.header("Range", "bytes=" + have + "-" + end);
        }
        HttpResponse<InputStream> rsp = http.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
        int status = rsp.statusCode();
        try (InputStream body = rsp.body()) {
            boolean append;
            if (status == 206) {
                long start = rangeStart(rsp);
                if (start != have) {
                    throw new IOException("server resumed at byte " + start + ", expected " + have);
                }
                append = true;
            } else if (status == 200) {
                append = false; // the server ignored Range: start over (RFC 9110 14.2)
                have = 0;
            } else if (status == 416 && have > 0) {
                return have; // nothing left to send: the file is complete
            } else if (status >= 500 || status == 408 || status == 429) {
                throw new IOException("HTTP " + status);
            } else {
                throw new UpdateRefused(Reason.DOWNLOAD_FAILED, "server answered HTTP " + status + " for " + redact(url)
                        + ": check the URL and the server's access rules");
            }
            long announced = rsp.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (announced > 0 && have + announced > maxBytes) {
                throw new UpdateRefused(Reason.NO_SPACE, "download of " + redact(url) + " would be " + (have + announced)
                        + " bytes, more than the " + maxBytes + " allowed (update.max-bundle-size)");
            }
            try (OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
                byte[] buf = new byte[64 * 1024];
                long total = have;
                long limit = upTo.map(u -> Math.min(u, maxBytes)).orElse(maxBytes);
                int n;
                while ((n = body.read(buf)) >= 0) {
                    if (total + n > limit) {
                        if (upTo.isPresent()) {
                            out.write(buf, 0, (int) (limit - total));
                            return limit;
                        }
                        throw new UpdateRefused(Reason.NO_SPACE, "download of " + redact(url) + " passed the "
                                + maxBytes + "-byte bound (update.max-bundle-size)");
                    }
                    out.write(buf, 0, n);
                    total += n;
                    progress.accept(total);
                }
                return total;
            }
        }
    }

    private static long rangeStart(HttpResponse<?> rsp) throws IOException {
        String cr = rsp.headers().firstValue("Content-Range").orElseThrow(() -> new IOException("206 without Content-Range"));
        // RFC 9110 14.4: "bytes first-last/complete"
        if (!cr.startsWith("bytes ") || cr.indexOf('-') < 0) {
            throw new IOException("unexpected Content-Range " + cr);
        }
        return Long.parseLong(cr.substring(6, cr.indexOf('-')).strip());
    }

    /** URLs may carry tokens in their query: logs show scheme, host and path only. */
    static String redact(URI url) {
        return url.getScheme() + "://" + url.getAuthority() + url.getPath();
    }
}
