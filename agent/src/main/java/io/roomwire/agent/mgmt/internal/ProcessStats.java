package io.roomwire.agent.mgmt.internal;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/** CPU and memory of this process from /proc (Linux), for telemetry; empty where unavailable. */
public final class ProcessStats {

    private static final long TICKS = 100; // USER_HZ on every Linux we ship
    private long lastCpuTicks = -1;
    private long lastMillis;

    /** Process CPU use in percent of one core since the previous call (empty on the first). */
    public synchronized OptionalDouble cpuPercent(long nowMillis) {
        OptionalLong t = cpuTicks();
        if (t.isEmpty()) {
            return OptionalDouble.empty();
        }
        OptionalDouble out = OptionalDouble.empty();
        if (lastCpuTicks >= 0 && nowMillis > lastMillis) {
            double cpuMs = (t.getAsLong() - lastCpuTicks) * 1000.0 / TICKS;
            out = OptionalDouble.of(Math.round(cpuMs * 1000.0 / (nowMillis - lastMillis)) / 10.0);
        }
        lastCpuTicks = t.getAsLong();
        lastMillis = nowMillis;
        return out;
    }

    private static OptionalLong cpuTicks() {
        try {
            String s = Files.readString(Path.of("/proc/self/stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return OptionalLong.of(Long.parseLong(f[11]) + Long.parseLong(f[12]));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** Resident set size in bytes. */
    public static OptionalLong rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return OptionalLong.of(Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024);
                }
            }
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
        return OptionalLong.empty();
    }

    /**
     * Resident memory outside the JVM's own heap and non-heap pools (committed): what native libraries hold, as near
     * as /proc and the JVM tell. Committed heap that is not yet resident makes this an underestimate.
     */
    public static OptionalLong outsideJvmBytes() {
        OptionalLong rss = rssBytes();
        if (rss.isEmpty()) {
            return rss;
        }
        java.lang.management.MemoryMXBean m = ManagementFactory.getMemoryMXBean();
        return OptionalLong.of(rss.getAsLong() - m.getHeapMemoryUsage().getCommitted()
                - m.getNonHeapMemoryUsage().getCommitted());
    }

    public static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    public static int threads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }
}
