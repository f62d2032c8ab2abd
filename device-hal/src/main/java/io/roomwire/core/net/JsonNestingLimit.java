package io.roomwire.core.net;

import java.io.FilterReader;
import java.io.IOException;
import java.io.Reader;

/**
 * Stops JSON from a peer that nests arrays and objects deeper than a limit. Gson's tree parser is
 * not recursive, so {@code [[[[...} within a body's size limit still builds millions of nested
 * arrays (hundreds of megabytes): this reader fails with an {@link IOException} at the first
 * bracket beyond the limit, counting only brackets outside strings.
 */
public final class JsonNestingLimit extends FilterReader {

    /** Deeper than any answer Entra, Graph or a state file has (they nest fewer than 10 levels). */
    public static final int DEFAULT = 64;

    private final int limit;
    private int depth;
    private boolean inString;
    private boolean escaped;

    public JsonNestingLimit(Reader in, int limit) {
        super(in);
        this.limit = limit;
    }

    @Override
    public int read() throws IOException {
        int c = super.read();
        if (c >= 0) {
            see((char) c);
        }
        return c;
    }

    @Override
    public int read(char[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        for (int i = 0; i < n; i++) {
            see(buf[off + i]);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        throw new IOException("skip is not supported: every character must be seen");
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    private void see(char c) throws IOException {
        if (inString) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                inString = false;
            }
            return;
        }
        if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            if (++depth > limit) {
                throw new IOException("JSON nested deeper than " + limit + " levels; refusing it");
            }
        } else if (c == ']' || c == '}') {
            depth = Math.max(0, depth - 1);
        }
    }
}
