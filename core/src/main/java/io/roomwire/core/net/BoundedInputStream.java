package io.roomwire.core.net;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads at most {@code limit} bytes from a peer and fails with {@link BodyTooLargeException} on
 * the first byte beyond it, so an endless or oversized body costs bounded memory and time.
 */
public final class BoundedInputStream extends FilterInputStream {

    private final long limit;
    private final String what;
    private long count;

    public BoundedInputStream(InputStream in, long limit, String what) {
        super(in);
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0, got " + limit);
        }
        this.limit = limit;
        this.what = what;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            counted(1);
        }
        return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        // ask for one byte beyond the limit at most, so the overrun is seen without reading further
        int n = super.read(buf, off, (int) Math.min(len, limit - count + 1));
        if (n > 0) {
            counted(n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long s = super.skip(Math.min(n, limit - count + 1));
        if (s > 0) {
            counted(s);
        }
        return s;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    /** Bytes read so far. */
    public long count() {
        return count;
    }

    private void counted(long n) throws IOException {
        count += n;
        if (count > limit) {
            throw new BodyTooLargeException(what, limit);
        }
    }
}
