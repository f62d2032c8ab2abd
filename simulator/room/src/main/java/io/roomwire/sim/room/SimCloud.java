package io.roomwire.sim.room;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The simulated cloud services a room's agent talks to, started on loopback, and the agent
 * settings that point an agent at them. One instance can serve a whole simulated fleet.
 */
public final class SimCloud implements AutoCloseable {

    private final Path workDir;

    private SimCloud(Path workDir) {
        this.workDir = workDir;
    }

    /** Starts every simulated service; files (CA certificates) go under {@code workDir}. */
    public static SimCloud start(Path workDir) {
        return new SimCloud(workDir);
    }

    /** Agent settings (properties keys) that point an agent at these services. */
    public Map<String, String> agentSettings(String deviceSerial) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("device.id", deviceSerial);
        return m;
    }

    public Path workDir() {
        return workDir;
    }

    @Override
    public void close() {
        // Services are added here as the simulated cloud grows; each closes its own sockets.
    }
}
