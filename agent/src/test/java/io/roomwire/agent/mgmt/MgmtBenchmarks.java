package io.roomwire.agent.mgmt;

import com.google.gson.JsonObject;
import io.roomwire.agent.mgmt.internal.ProcessStats;
import io.roomwire.core.time.SystemScheduler;
import io.roomwire.sim.cloud.SimPki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The end-to-end figures of remote management, measured through Mosquitto with mutual TLS (see bench/MgmtBench). */
public final class MgmtBenchmarks {

    private MgmtBenchmarks() {
    }

    /** Runs every measurement; returns markdown table rows. */
    public static List<String> run(int requests, int reconnects) throws Exception {
        List<String> rows = new ArrayList<>();
        Path dir = Files.createTempDirectory("mgmt-bench");
        SimPki pki = new SimPki("bench");
        long rss0 = ProcessStats.rssBytes().orElse(0);
        try (MosquittoBroker broker = new MosquittoBroker(dir.resolve("broker"), pki).start();
             SystemScheduler net = new SystemScheduler(2)) {
            MgmtFixture.Device device = new MgmtFixture.Device("room-b", broker, pki, pki.issueClient("room-b", Duration.ofDays(1)),
                    net, net, dir.resolve("state"), "mqtt.command-rate = 1000000\n", List.of(), null, Duration.ofMinutes(5));
            device.start();
            try (Operator op = new Operator(broker, pki, net, "op-bench")) {
                byte[] req = "{}".getBytes(StandardCharsets.UTF_8);
                String topic = ManagementService.commandTopic("room-b", "status.get");
                for (int i = 0; i < 1000; i++) {
                    Operator.await(op.send(topic, req));
                }
                long[] ns = new long[requests];
                for (int i = 0; i < requests; i++) {
                    long t0 = System.nanoTime();
                    JsonObject r = Operator.await(op.send(topic, req));
                    ns[i] = System.nanoTime() - t0;
                    if (!r.get("ok").getAsBoolean()) {
                        throw new IllegalStateException("command failed: " + r);
                    }
                }
                Arrays.sort(ns);
                rows.add(row("MQTT command round trip p50 (status.get, Mosquitto, mTLS, " + requests + " requests)",
                        ms(ns[requests / 2]), "≤ 1 ms"));
                rows.add(row("MQTT command round trip p99", ms(ns[(int) (requests * 0.99)]), "≤ 5 ms"));

                byte[] telemetry = device.service.telemetry().toString().getBytes(StandardCharsets.UTF_8);
                String tTopic = ManagementService.telemetryTopic("room-b");
                // PUBLISH QoS 0: fixed header (1 + 2-byte length) + topic (2 + n) + properties (1 + content type 3 + 16)
                long packet = telemetry.length + 3 + 2 + tTopic.length() + 1 + 3 + "application/json".length();
                rows.add(row("Telemetry per device-hour at the default 60 s (payload / MQTT packets before TLS)",
                        String.format(Locale.ROOT, "%.1f KB / %.1f KB", telemetry.length * 60 / 1024.0, packet * 60 / 1024.0),
                        "-"));

                op.watch(ManagementService.statusTopic("room-b"));
                broker.stop();
                Await.until("device sees the broker gone", () -> !device.transport.isConnected());
                int seen = op.seen.size();
                broker.start();
                long t0 = System.nanoTime();
                Await.until("online again", Duration.ofSeconds(60), () -> op.seen.stream().skip(seen)
                        .anyMatch(m -> m.topic().endsWith("/status") && m.payloadText().contains("\"online\":true")));
                rows.add(row("Broker restart → device status online again (reconnect back-off 20–300 ms)",
                        String.format(Locale.ROOT, "%.2f s", (System.nanoTime() - t0) / 1e9), "≤ 2 s + back-off"));
            }
            device.close();

            ReconnectLeakTest leak = new ReconnectLeakTest();
            leak.dir = dir.resolve("leak");
            Files.createDirectories(leak.dir);
            System.setProperty("rw.reconnects", Integer.toString(reconnects));
            leak.aThousandForcedReconnectsLeaveThreadCountAndHeapFlat();
            rows.add(row(reconnects + " forced reconnects over " + ReconnectLeakTest.SESSIONS
                    + " TLS sessions: heap after full GC, live threads (before → after)",
                    String.format(Locale.ROOT, "%.1f → %.1f MB, %d → %d", ReconnectLeakTest.heapBefore / 1048576.0,
                            ReconnectLeakTest.heapAfter / 1048576.0, ReconnectLeakTest.threadsBefore,
                            ReconnectLeakTest.threadsAfter), "flat"));
            // RSS follows the default JVM's heap sizing more than our objects: context, not the leak check.
            rows.add(row("Resident memory of the bench JVM, default JVM flags (at start; before; after the reconnects)",
                    String.format(Locale.ROOT, "%d MB; %d MB; %d MB", rss0 >> 20, ReconnectLeakTest.rssBefore >> 20,
                            ReconnectLeakTest.rssAfter >> 20), "-"));
        }
        return rows;
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
    }

    private static String row(String metric, String value, String target) {
        return "| " + metric + " | " + value + " | " + target + " |";
    }
}
