package io.roomwire.image.bench;

import io.roomwire.core.time.Backoff;
import io.roomwire.image.ab.AbDevice;
import io.roomwire.sim.cloud.SimPki;
import io.roomwire.sim.cloud.hawkbit.SimHawkbit;
import io.roomwire.updater.Downloader;
import io.roomwire.updater.Updater;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Update figures on loopback with the real launcher and real processes: a 60 MB bundle over HTTPS from the simulated
 * update server through download, verify, unpack, switch and first boot to committed; the rollback of a build that
 * crashes at start; a download resumed after a cut; the updater's peak memory (a child JVM) for a small and a large
 * bundle. Prints table rows.
 */
public final class UpdateBench {

    private UpdateBench() {
    }

    public static void main(String[] args) throws Exception {
        org.tinylog.configuration.Configuration.set("writer.level", "off");
        measure(60).forEach((k, v) -> System.out.println("| " + k + " | " + v[0] + " | " + v[1] + " |"));
    }

    /** The figures for a {@code megabytes} bundle: metric -> {value, target}. */
    public static Map<String, String[]> measure(int megabytes) throws Exception {
        Map<String, String[]> rows = new LinkedHashMap<>();
        Path root = Files.createTempDirectory("update-bench");
        SimPki pki = new SimPki("update-bench");
        HttpClient http = HttpClient.newBuilder().sslContext(pki.sslContext(null)).build();
        Downloader downloader = new Downloader(http, new Backoff(Duration.ofMillis(50), Duration.ofMillis(200)),
                d -> Thread.sleep(d.toMillis()), 5, Duration.ofMinutes(2));
        try (SimHawkbit server = new SimHawkbit(pki, "DEFAULT", "bench")) {
            AbDevice device = new AbDevice(Files.createDirectories(root.resolve("apply")));
            device.boot();
            Path bundle = device.bundle("2.0.0", "ok", false, megabytes << 20);
            URI url = server.serve("b.rwu", bundle);
            long size = Files.size(bundle);
            long[] phaseAt = new long[4];
            long t0 = System.nanoTime();
            device.updater(downloader).apply(url, Optional.empty(), (phase, done, total) -> {
                int i = switch (phase) {
                    case "download" -> 0;
                    case "verify" -> 1;
                    case "unpack" -> 2;
                    default -> 3;
                };
                phaseAt[i] = System.nanoTime();
            });
            long installed = System.nanoTime();
            // Reference: the same bytes fetched by the same client to a file, nothing checked.
            long g0 = System.nanoTime();
            http.send(java.net.http.HttpRequest.newBuilder(url).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofFile(root.resolve("plain-get.bin")));
            long plainGet = System.nanoTime() - g0;
            Files.delete(root.resolve("plain-get.bin"));
            List<Integer> codes = device.boot();
            long committed = System.nanoTime();
            if (!device.bootLog().contains("committed 2.0.0") || codes.get(codes.size() - 1) != 0) {
                throw new IllegalStateException("the new build did not commit: " + device.bootLog());
            }
            String mb = (size >> 20) + " MB";
            rows.put("apply " + mb + " over HTTPS, download (incl. header check)", new String[] {ms(phaseAt[0] - t0),
                    "reference: plain HTTPS GET to a file " + ms(plainGet)});
            rows.put("apply " + mb + ", verify and unpack (one streaming pass)", new String[] {ms(phaseAt[2] - phaseAt[0]), ""});
            rows.put("apply " + mb + ", switch (slot rename, trust, pointer)", new String[] {ms(installed - phaseAt[3]), ""});
            rows.put("apply " + mb + ", first boot to committed (launcher + JVM + commit)", new String[] {ms(committed - installed), ""});
            rows.put("apply " + mb + ", total: download to committed", new String[] {ms(committed - t0), "< 60 s"});

            AbDevice crashing = new AbDevice(Files.createDirectories(root.resolve("rollback")));
            crashing.updater().apply(crashing.bundle("2.0.0", "crash", false, 0), Updater.Progress.NONE);
            long starts = System.nanoTime();
            for (int i = 0; i < 3; i++) {
                crashing.launch().waitFor(2, TimeUnit.MINUTES);
            }
            long failed = System.nanoTime();
            Process old = crashing.launch();
            old.waitFor(2, TimeUnit.MINUTES);
            long back = System.nanoTime();
            // Reference: the same start of the old build with nothing to decide.
            long p0 = System.nanoTime();
            crashing.launch().waitFor(2, TimeUnit.MINUTES);
            long plainStart = System.nanoTime() - p0;
            if (!crashing.bootLog().stream().anyMatch(l -> l.startsWith("update.rolled_back"))) {
                throw new IllegalStateException("no rollback: " + crashing.bootLog());
            }
            rows.put("rollback: last failed start to the old build running (launcher decision + JVM start)", new String[] {ms(back - failed),
                    "< 10 s; reference: a plain start " + ms(plainStart)});
            rows.put("rollback: 3 crashing starts of the new build (without systemd's RestartSec=5 between them)",
                    new String[] {ms(failed - starts), ""});

            AbDevice cut = new AbDevice(Files.createDirectories(root.resolve("cut")));
            Path resumeBundle = cut.bundle("2.0.0", "ok", false, megabytes << 20);
            URI resumeUrl = server.serve("r.rwu", resumeBundle);
            int rangesBefore = server.rangeRequests();
            server.cutNextDownloadAfter(Files.size(resumeBundle) / 2);
            long r0 = System.nanoTime();
            cut.updater(downloader).apply(resumeUrl, Optional.empty(), Updater.Progress.NONE);
            rows.put("apply " + mb + " with the connection cut at half, resumed (Range), to installed", new String[] {ms(System.nanoTime() - r0),
                    (server.rangeRequests() - rangesBefore) + " range requests; reference: uncut, to installed " + ms(installed - t0)});

            rows.put("updater peak RSS verifying+unpacking a 4 MB bundle (child JVM, -Xmx32m)",
                    new String[] {peakRss(root.resolve("mem-small"), 4) + " MB", ""});
            rows.put("updater peak RSS verifying+unpacking a " + megabytes + " MB bundle (child JVM, -Xmx32m)",
                    new String[] {peakRss(root.resolve("mem-large"), megabytes) + " MB", "same as the 4 MB one"});
        }
        return rows;
    }

    /** Applies a bundle file in a child JVM with a small heap and reports its peak resident set (VmHWM). */
    private static long peakRss(Path dir, int megabytes) throws Exception {
        AbDevice d = new AbDevice(Files.createDirectories(dir));
        Path bundle = d.bundle("2.0.0", "ok", false, megabytes << 20);
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx32m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), HoldingApply.class.getName(), d.home.toString(), bundle.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("apply child failed: " + out);
        }
        return Long.parseLong(out.substring(out.lastIndexOf(' ') + 1)) / 1024;
    }

    /** The child: applies the bundle, then prints its own VmHWM in kB. */
    public static final class HoldingApply {
        public static void main(String[] args) throws Exception {
            org.tinylog.configuration.Configuration.set("writer.level", "off");
            Path home = Path.of(args[0]);
            new Updater(new io.roomwire.updater.SlotStore(home), new io.roomwire.updater.TrustStore(home.resolve("root.json")),
                    new io.roomwire.updater.DeviceIdentity("rw-100", "x86_64", "0"), java.time.Clock.systemUTC(), null,
                    new Updater.Settings(3, Duration.ofMinutes(5), 1L << 30, 1L << 30), Updater.freeSpaceOf(home))
                    .apply(Path.of(args[1]), Updater.Progress.NONE);
            String hwm = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmHWM:")).findFirst()
                    .orElseThrow().replaceAll("[^0-9]", "");
            System.out.println("VmHWM " + hwm);
        }
    }

    private static String ms(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.2f s", nanos / 1e9);
    }
}
