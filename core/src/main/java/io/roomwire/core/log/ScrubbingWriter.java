package io.roomwire.core.log;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.tinylog.core.LogEntry;
import org.tinylog.writers.AbstractFormatPatternWriter;

/**
 * The agent's tinylog writer: renders each entry with the configured format, scrubs secrets from
 * the whole line (message and stack trace), writes it to standard error (journald under systemd) and
 * keeps the last lines in memory for the {@code logs.get} command. Configure with
 * {@code writer = io.roomwire.core.log.ScrubbingWriter} (or the short name {@code scrubbing}).
 */
public final class ScrubbingWriter extends AbstractFormatPatternWriter {

    private static final int RING = 2000;
    private static final Deque<String> RECENT = new ArrayDeque<>(RING);

    private final boolean console;

    public ScrubbingWriter() {
        this(Map.of());
    }

    public ScrubbingWriter(Map<String, String> properties) {
        super(properties);
        this.console = !"false".equalsIgnoreCase(properties.getOrDefault("console", "true"));
    }

    @Override
    public void write(LogEntry logEntry) {
        String line = LogScrubber.scrub(render(logEntry));
        synchronized (RECENT) {
            if (RECENT.size() == RING) {
                RECENT.removeFirst();
            }
            RECENT.addLast(line.endsWith("\n") ? line.substring(0, line.length() - 1) : line);
        }
        // Standard error only: standard output belongs to the commands' results (`--json` piped to jq).
        if (console) {
            System.err.print(line);
        }
    }

    /**
     * The scrubbed lines logged after the last one that contains {@code marker}, oldest first; every kept line when
     * none does (it has left the ring).
     */
    public static List<String> after(String marker) {
        synchronized (RECENT) {
            List<String> all = new ArrayList<>(RECENT);
            for (int i = all.size() - 1; i >= 0; i--) {
                if (all.get(i).contains(marker)) {
                    return all.subList(i + 1, all.size());
                }
            }
            return all;
        }
    }

    /** The last {@code n} scrubbed lines, oldest first. */
    public static List<String> recent(int n) {
        synchronized (RECENT) {
            List<String> all = new ArrayList<>(RECENT);
            return all.subList(Math.max(0, all.size() - n), all.size());
        }
    }

    @Override
    public void flush() {
        System.err.flush();
    }

    @Override
    public void close() {
        flush();
    }
}
