package io.roomwire.agent.mgmt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.agent.mgmt.internal.ProcessStats;
import io.roomwire.agent.mgmt.paho.PahoMqttTransport;
import io.roomwire.core.time.SystemScheduler;
import io.roomwire.sim.cloud.SimPki;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 1,000 forced reconnects through Mosquitto with mutual TLS leave threads and heap flat (Paho
 * leaks a reconnect thread per client and grows over hundreds of reconnects when a client is
 * reused). A Paho connect costs ~0.3 s of its own start-up sleeps, so the reconnects run on
 * {@value #SESSIONS} sessions at once: 50 rounds of 20 abrupt drops.
 */
class ReconnectLeakTest {

    static final int SESSIONS = 20;
    /** Resident memory after the warm-up and after the reconnects (read by the benchmark). */
    static volatile long rssBefore;
    static volatile long rssAfter;
    /** What the bench reports: used heap after a full GC, and live threads, before and after the reconnects. */
    static volatile long heapBefore;
    static volatile long heapAfter;
    static volatile int threadsBefore;
    static volatile int threadsAfter;

    @TempDir
    Path dir;

    @Test
    void aThousandForcedReconnectsLeaveThreadCountAndHeapFlat() throws Exception {
        int total = Integer.getInteger("rw.reconnects", 1000);
        SimPki pki = new SimPki("leak");
        List<PahoMqttTransport> ts = new ArrayList<>();
        try (MosquittoBroker broker = new MosquittoBroker(dir.resolve("broker"), pki).start();
             SystemScheduler net = new SystemScheduler(2)) {
            for (int i = 0; i < SESSIONS; i++) {
                String id = "room-" + (100 + i);
                SimPki.Issued cert = pki.issueClient(id, Duration.ofDays(1));
                PahoMqttTransport t = new PahoMqttTransport(MqttTransportOptions.builder(URI.create(broker.url()), id)
                        .tls(TlsMaterial.ofPem(pki.caPem(), cert.certificatePem(), TestPem.key(cert)))
                        .reconnect(Duration.ofMillis(1), Duration.ofMillis(5))
                        .will(ManagementService.lastWill(id))
                        .build(), net);
                t.subscribe("roomwire/v1/" + id + "/cmd/+", 1, m -> { });
                ts.add(t);
                t.connect();
            }
            Await.until("all connected", () -> ts.stream().allMatch(PahoMqttTransport::isConnected));
            int warm = rounds(ts, 2);
            int threads0 = settledThreads();
            long heap0 = usedHeapAfterGc();
            rssBefore = ProcessStats.rssBytes().orElse(0);
            long start = System.nanoTime();
            int done = rounds(ts, total / SESSIONS);
            double seconds = (System.nanoTime() - start) / 1e9;
            int threads1 = settledThreads();
            long heap1 = usedHeapAfterGc();
            rssAfter = ProcessStats.rssBytes().orElse(0);
            heapBefore = heap0;
            heapAfter = heap1;
            threadsBefore = threads0;
            threadsAfter = threads1;
            System.out.printf("reconnects=%d in %.1f s; threads %d -> %d; heap %d KB -> %d KB; rss %s%n",
                    done, seconds, threads0, threads1, heap0 / 1024, heap1 / 1024, ProcessStats.rssBytes());
            assertEquals(2 * SESSIONS, warm);
            assertEquals(total / SESSIONS * SESSIONS, done);
            for (PahoMqttTransport t : ts) {
                // Paho 1.2.5 would poll each of its three loops into life with 100 ms sleeps (PahoThreads)
                assertEquals(0, t.loopStarts().leftToPaho(), "loop starts left to Paho's polling: " + t.loopStarts());
                assertTrue(t.loopStarts().awaited() >= 3 * t.stats().connects(), "three loops a connection: " + t.loopStarts()
                        + " for " + t.stats().connects() + " connections");
            }
            assertTrue(threads1 <= threads0 + 2, "threads grew: " + threads0 + " -> " + threads1);
            assertTrue(heap1 - heap0 < 8L * 1024 * 1024, "heap grew by " + (heap1 - heap0) / 1024 + " KB");
        } finally {
            ts.forEach(PahoMqttTransport::disconnect);
        }
    }

    /** Drops every session at once, waits for all to be back; returns the number of reconnects. */
    static int rounds(List<PahoMqttTransport> ts, int n) {
        int done = 0;
        for (int r = 0; r < n; r++) {
            long[] before = ts.stream().mapToLong(t -> t.stats().connects()).toArray();
            ts.forEach(PahoMqttTransport::dropConnection);
            Await.until("round " + r + " reconnected", Duration.ofSeconds(20), () -> {
                for (int i = 0; i < ts.size(); i++) {
                    if (ts.get(i).stats().connects() <= before[i] || !ts.get(i).isConnected()) {
                        return false;
                    }
                }
                return true;
            });
            done += ts.size();
        }
        return done;
    }

    static int settledThreads() {
        int[] last = {-1};
        int[] same = {0};
        Await.until("thread count settles", Duration.ofSeconds(10), () -> {
            int now = ManagementFactory.getThreadMXBean().getThreadCount();
            same[0] = now == last[0] ? same[0] + 1 : 0;
            last[0] = now;
            return same[0] >= 50;
        });
        return last[0];
    }

    static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
