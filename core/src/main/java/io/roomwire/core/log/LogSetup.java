package io.roomwire.core.log;

import java.util.LinkedHashMap;
import java.util.Map;
import org.tinylog.configuration.Configuration;

/**
 * Configures tinylog once, before the first line is logged: one line per event, the device id in
 * every line, secrets scrubbed. tinylog freezes its configuration at the first log call, so the
 * process entry point calls this first.
 */
public final class LogSetup {

    private LogSetup() {
    }

    /**
     * Sets the whole configuration at once, under tinylog's own lock, so that a line another thread logs meanwhile
     * (which freezes the configuration) finds either the previous configuration or this one, never half of each,
     * and this call never fails half-way.
     *
     * @return false when logging was already in use and the configuration in force stays
     */
    public static boolean configure(String deviceId, String level) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("writer", ScrubbingWriter.class.getName());
        c.put("writer.level", level);
        // a thread working for one device of many (LogContext) names it; any other names the process's device
        c.put("writer.format", "{date:yyyy-MM-dd'T'HH:mm:ss.SSSZ} {level} device={context: "
                + LogContext.DEVICE + ", " + deviceId.replaceAll("[{},]", "").strip() + "} [{thread}] {class-name}: {message}");
        c.put("writingthread", "false");
        try {
            Configuration.replace(c);
            return true;
        } catch (UnsupportedOperationException e) {
            return false; // a line was logged first (tinylog then freezes its configuration)
        }
    }
}
