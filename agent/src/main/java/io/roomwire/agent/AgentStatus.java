package io.roomwire.agent;

import io.roomwire.core.health.Health;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** A snapshot of the agent for the terminal, the status page and the MQTT status topic. */
public record AgentStatus(String deviceId, String version, Instant startedAt, Duration uptime,
                          String activity, Health overall, Map<String, Health> services) {

    public AgentStatus {
        services = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(services));
    }

    /** Multi-line human view: device, activity, one line per service. */
    public String render(Map<String, Health> orderedServices) {
        StringBuilder sb = new StringBuilder();
        sb.append("Roomwire ").append(version).append("  device ").append(deviceId)
          .append("  up ").append(uptime.toSeconds()).append(" s\n");
        sb.append("  doing: ").append(activity).append('\n');
        sb.append("  overall: ").append(overall).append('\n');
        orderedServices.forEach((k, v) -> sb.append(String.format("  %-12s %s%n", k, v)));
        return sb.toString();
    }
}
