package io.roomwire.core.net;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.FilterReader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;

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

    /**
     * Parses a JSON object from a peer or a state file with the {@link #DEFAULT} nesting limit.
     * Never puts the element in an error message: Gson's toString recurses and would overflow the
     * stack on deep input.
     *
     * @throws com.google.gson.JsonParseException when the text is not JSON or nests too deep
     * @throws IllegalArgumentException when it is JSON but not an object
     */
    public static JsonObject parseObject(String text) {
        JsonElement e = JsonParser.parseReader(new JsonNestingLimit(new StringReader(text), DEFAULT));
        if (!e.isJsonObject()) {
            throw new IllegalArgumentException("expected a JSON object, found " + (e.isJsonArray() ? "an array"
                    : e.isJsonNull() ? "null" : "a " + e.getClass().getSimpleName().replace("Json", "").toLowerCase(java.util.Locale.ROOT)));
        }
        return e.getAsJsonObject();
    }

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
