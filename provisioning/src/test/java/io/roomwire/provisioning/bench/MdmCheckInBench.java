package io.roomwire.provisioning.bench;

import io.roomwire.core.store.FileStore;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.sim.SimDeviceInfo;
import io.roomwire.provisioning.identity.DeviceIdentity;
import io.roomwire.provisioning.mdm.CheckInResult;
import io.roomwire.provisioning.mdm.MdmConfig;
import io.roomwire.provisioning.mdm.MdmService;
import io.roomwire.sim.cloud.SimPki;
import io.roomwire.sim.cloud.SimTokenAuthority;
import io.roomwire.sim.cloud.mdm.SimMdm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * MDM figures against the simulated MDM over HTTPS/mutual TLS on loopback: enrollment time, and a
 * no-change OMA-DM check-in's round trips, HTTP body bytes and latency. Prints only table rows.
 */
public final class MdmCheckInBench {

    private static final String UPN = "room401@contoso.example";

    public static void main(String[] args) throws Exception {
        org.tinylog.configuration.Configuration.set("writer.console", "false");
        org.tinylog.configuration.Configuration.set("writer.level", "off");
        Path root = Files.createTempDirectory("mdm-bench");
        VirtualScheduler scheduler = new VirtualScheduler(Instant.now());
        SimTokenAuthority authority = new SimTokenAuthority("4b6f8a9e-2d3c-4e5f-9a1b-3c5d7e9f1a2b", scheduler.clock());
        SimPki pki = new SimPki("bench");
        try (SimMdm mdm = new SimMdm(authority, pki)) {
            MdmConfig config = MdmConfig.of(mdm.discoveryUrl(), UPN, "Room 401").withTrustAnchors(List.of(pki.caCertificate()));
            String token = authority.sign(Map.of("aud", SimTokenAuthority.GRAPH_AUDIENCE, "upn", UPN), Duration.ofHours(1));
            List<Long> enrollNanos = new ArrayList<>();
            MdmService service = null;
            for (int i = 0; i < 6; i++) {
                FileStore store = new FileStore(root.resolve("dev" + i), scheduler.clock());
                DeviceIdentity id = DeviceIdentity.loadOrCreate(store, scheduler.clock(), "room" + i);
                SimDeviceInfo device = new SimDeviceInfo("RW-" + i, "Roomwire Bar 40", "1.2", "02:00:5e:10:04:0" + i, true, false);
                MdmService s = MdmService.builder().config(config).scheduler(scheduler).store(store).identity(id).device(device)
                        .token(() -> Optional.of(token)).banner(text -> { }).calendarStaleness(() -> Optional.of(Duration.ofMinutes(1)))
                        .random(new Random(1)).build();
                long t0 = System.nanoTime();
                s.enrollNow();
                enrollNanos.add(System.nanoTime() - t0);
                s.start();
                scheduler.runDue();
                if (i > 0) {
                    s.stop();
                } else {
                    service = s;
                }
            }
            enrollNanos.remove(0);
            for (int i = 0; i < 20; i++) {
                service.checkInNow();
            }
            List<Long> nanos = new ArrayList<>();
            CheckInResult last = null;
            for (int i = 0; i < 100; i++) {
                long t0 = System.nanoTime();
                last = service.checkInNow();
                nanos.add(System.nanoTime() - t0);
                if (!last.ok()) {
                    throw new IllegalStateException("check-in failed: " + last.message());
                }
            }
            mdm.setPolicy(SimMdm.Policy.none().withMinimumFirmware("1.0").withBlockDebugMode(true));
            CheckInResult change = service.checkInNow();
            service.stop();

            row("MDM enrollment (discovery + XCEP + WSTEP, HTTPS loopback), median of 5", ms(median(enrollNanos)), "-");
            row("MDM no-change check-in: sessions x round trips", "1 x " + last.roundTrips(), "1 x <= 2");
            row("MDM no-change check-in: HTTP body bytes sent / received", last.bytesSent() + " / " + last.bytesReceived(), "-");
            row("MDM no-change check-in: HTTP body bytes total", Long.toString(last.bytesSent() + last.bytesReceived()), "<= 8192");
            row("MDM no-change check-in latency (mTLS loopback, connection reused), median", ms(median(nanos)), "-");
            row("MDM no-change check-in latency, p95", ms(percentile(nanos, 95)), "-");
            row("MDM check-in with a policy change: round trips / body bytes", change.roundTrips() + " / "
                    + (change.bytesSent() + change.bytesReceived()), "-");
        }
    }

    private static void row(String metric, String value, String target) {
        System.out.println("| " + metric + " | " + value + " | " + target + " |");
    }

    private static long median(List<Long> v) {
        return percentile(v, 50);
    }

    private static long percentile(List<Long> v, int p) {
        List<Long> s = new ArrayList<>(v);
        Collections.sort(s);
        return s.get(Math.min(s.size() - 1, (int) Math.ceil(p / 100.0 * s.size()) - 1));
    }

    private static String ms(long nanos) {
        return String.format("%.2f ms", nanos / 1e6);
    }
}
