package io.roomwire.core.net;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * {@code java.net.http} body handlers that stop reading at a size limit: a Content-Length above it
 * fails before any body byte is read, and a streamed body fails (and the stream is cancelled) on the
 * first buffer that crosses it. Memory stays bounded by the limit plus one network buffer.
 */
public final class BoundedBodies {

    private BoundedBodies() {
    }

    /** The whole body as bytes, at most {@code limit} of them; else {@link BodyTooLargeException}. */
    public static HttpResponse.BodyHandler<byte[]> ofByteArray(long limit, String what) {
        return info -> {
            OptionalLong announced = info.headers().firstValueAsLong("Content-Length");
            if (announced.isPresent() && announced.getAsLong() > limit) {
                return new Refused(new BodyTooLargeException(what + " (Content-Length " + announced.getAsLong() + ")", limit));
            }
            return new Collecting(limit, what);
        };
    }

    /** Cancels the body at once: the announced length is already too large. */
    private static final class Refused implements HttpResponse.BodySubscriber<byte[]> {
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();

        Refused(BodyTooLargeException e) {
            result.completeExceptionally(e);
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            s.cancel();
        }

        @Override
        public void onNext(List<ByteBuffer> item) {
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onComplete() {
        }
    }

    /** Collects buffers one request at a time and cancels on the first byte beyond the limit. */
    private static final class Collecting implements HttpResponse.BodySubscriber<byte[]> {
        private final long limit;
        private final String what;
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private Flow.Subscription subscription;

        Collecting(long limit, String what) {
            this.limit = limit;
            this.what = what;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> item) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer b : item) {
                if ((long) out.size() + b.remaining() > limit) {
                    subscription.cancel();
                    result.completeExceptionally(new BodyTooLargeException(what, limit));
                    return;
                }
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                out.write(chunk, 0, chunk.length);
            }
            subscription.request(1);
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(out.toByteArray());
        }
    }
}
