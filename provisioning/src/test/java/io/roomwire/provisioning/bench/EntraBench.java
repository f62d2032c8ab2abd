package io.roomwire.provisioning.bench;

import io.roomwire.core.store.FileStore;
import io.roomwire.core.time.SystemScheduler;
import io.roomwire.provisioning.EnrollmentState;
import io.roomwire.provisioning.entra.EntraConfig;
import io.roomwire.provisioning.entra.TokenManager;
import io.roomwire.provisioning.entra.TokenSet;
import io.roomwire.provisioning.entra.TokenVault;
import io.roomwire.provisioning.entra.internal.EntraHttp;
import io.roomwire.provisioning.identity.DeviceIdentity;
import io.roomwire.sim.cloud.SimPki;
import io.roomwire.sim.cloud.SimTokenAuthority;
import io.roomwire.sim.cloud.entra.SimEntra;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * End-to-end figures for device identity and Entra sign-in, real time, HTTPS on loopback
 * against the simulated Entra. Prints only markdown table rows.
 */
public final class EntraBench {

    public static void main(String[] args) throws Exception {
        // Only table rows on stdout: keep log lines in the in-memory ring, off the console.
        org.tinylog.configuration.Configuration.set("writer.console", "false");
        Path root = Files.createTempDirectory("entra-bench");
        Clock clock = Clock.systemUTC();
        try (SystemScheduler scheduler = new SystemScheduler(2)) {
            // Device identity on first start: P-256 key, self-signed certificate, two fsynced 0600 files.
            List<Long> create = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                FileStore s = new FileStore(root.resolve("id" + i), clock);
                long t0 = System.nanoTime();
                DeviceIdentity.loadOrCreate(s, clock, "room" + i);
                create.add(System.nanoTime() - t0);
            }
            FileStore store = new FileStore(root.resolve("id0"), clock);
            List<Long> load = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                long t0 = System.nanoTime();
                DeviceIdentity.loadOrCreate(store, clock, "room0");
                load.add(System.nanoTime() - t0);
            }
            DeviceIdentity identity = DeviceIdentity.loadOrCreate(store, clock, "room0");

            SimTokenAuthority authority = new SimTokenAuthority("4b6f8a9e-2d3c-4e5f-9a1b-3c5d7e9f1a2b", clock);
            SimPki pki = new SimPki("bench");
            try (SimEntra entra = SimEntra.https(authority, pki)) {
                entra.setPollInterval(Duration.ofSeconds(1), false).autoApproveAfter(Duration.ZERO, "room401@contoso.example");
                EntraConfig cfg = EntraConfig.of(authority.tenantId(), SimEntra.DEFAULT_CLIENT_ID)
                        .withAuthority(entra.baseUri()).withCaFile(pki.writeCaPem(root.resolve("ca.pem")));

                // Enrollment: code requested -> first poll after the 1 s interval -> tokens stored.
                long enrollCold = enroll(cfg, identity, new FileStore(root.resolve("cold"), clock), scheduler);
                long enroll = enroll(cfg, identity, store, scheduler);

                // Refresh-token grant round trip over HTTPS (java.net.http, warm connection).
                TokenVault vault = new TokenVault(store, identity, clock);
                TokenSet tokens = vault.load().orElseThrow();
                EntraHttp http = new EntraHttp(cfg, scheduler);
                entra.strictRotation(false);
                List<Long> refresh = new ArrayList<>();
                for (int i = 0; i < 60; i++) {
                    Map<String, String> form = new LinkedHashMap<>();
                    form.put("client_id", cfg.clientId());
                    form.put("grant_type", "refresh_token");
                    form.put("refresh_token", tokens.refreshToken());
                    CompletableFuture<EntraHttp.Response> f = new CompletableFuture<>();
                    long r0 = System.nanoTime();
                    http.post(cfg.tokenEndpoint(), form, f::complete);
                    EntraHttp.Response r = f.get(10, TimeUnit.SECONDS);
                    if (r.status() != 200) {
                        throw new IllegalStateException("refresh failed: " + r.summary());
                    }
                    if (i >= 10) {
                        refresh.add(System.nanoTime() - r0);
                    }
                }

                // Token vault: AES-GCM + atomic fsynced write, and read + decrypt.
                List<Long> save = new ArrayList<>();
                List<Long> read = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    long s0 = System.nanoTime();
                    vault.save(tokens);
                    save.add(System.nanoTime() - s0);
                    long l0 = System.nanoTime();
                    vault.load();
                    read.add(System.nanoTime() - l0);
                }

                row("device identity first start (P-256 key + self-signed cert + 2 fsynced files), median", ms(median(create)), "< 200 ms");
                row("device identity load at start (parse + key/cert match check), median", ms(median(load)), "< 50 ms");
                row("Entra enrollment, device code to stored tokens, first in JVM (HTTPS loopback, 1 s poll interval, auto-approve)", ms(enrollCold), "< 3 s");
                row("Entra enrollment, device code to stored tokens, warm (1 s poll interval included)", ms(enroll), "< 1.2 s");
                row("refresh-token grant round trip (HTTPS loopback, sim signs RS256), median", ms(median(refresh)), "< 20 ms");
                row("refresh-token grant round trip, p99", ms(percentile(refresh, 0.99)), "< 50 ms");
                row("token vault save (AES-256-GCM, atomic fsynced write), median", ms(median(save)), "< 20 ms");
                row("token vault load (checksum + decrypt), median", ms(median(read)), "< 5 ms");
            }
        }
    }

    private static long enroll(EntraConfig cfg, DeviceIdentity identity, FileStore store, SystemScheduler scheduler) {
        long t0 = System.nanoTime();
        TokenManager m = TokenManager.builder().config(cfg).identity(identity).store(store).scheduler(scheduler).build();
        m.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (m.enrollment().state() != EnrollmentState.ENROLLED && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
        long took = System.nanoTime() - t0;
        m.stop();
        if (m.enrollment().state() != EnrollmentState.ENROLLED) {
            throw new IllegalStateException("enrollment did not finish: " + m.enrollment());
        }
        return took;
    }

    private static void row(String metric, String value, String target) {
        System.out.println("| " + metric + " | " + value + " | " + target + " |");
    }

    private static long median(List<Long> v) {
        return percentile(v, 0.5);
    }

    private static long percentile(List<Long> v, double p) {
        List<Long> s = new ArrayList<>(v);
        Collections.sort(s);
        return s.get(Math.min(s.size() - 1, (int) Math.floor(p * s.size())));
    }

    private static String ms(long nanos) {
        return String.format("%.2f ms", nanos / 1e6);
    }
}
