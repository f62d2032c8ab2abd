package io.roomwire.core.log;

import org.tinylog.configuration.Configuration;

/**
 * Configures tinylog once, before the first line is logged: one line per event, the device id in
 * every line, secrets scrubbed. tinylog freezes its configuration at the first log call, so the
 * process entry point calls this first.
 */
public final class LogSetup {

    private LogSetup() {
    }

    /** @return false when logging was already in use and the configuration could not change */
    public static boolean configure(String deviceId, String level) {
        if (Configuration.isFrozen()) {
            return false;
        }
        Configuration.set("writer", ScrubbingWriter.class.getName());
        Configuration.set("writer.level", level);
        // a thread working for one device of many (LogContext) names it; any other names the process's device
        Configuration.set("writer.format", "{date:yyyy-MM-dd'T'HH:mm:ss.SSSZ} {level} device={context: "
                + LogContext.DEVICE + ", " + deviceId.replaceAll("[{},]", "").strip() + "} [{thread}] {class-name}: {message}");
        Configuration.set("writingthread", "false");
        return true;
    }
}
