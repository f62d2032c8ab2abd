package io.roomwire.image.ab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.roomwire.updater.SlotStore;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A/B slots with real processes: the launcher script, restarts as systemd does them, kill -9 at each step. */
class AbSlotProcessTest {

    @TempDir
    Path tmp;

    @Test
    void goesFromAToBAndBackToAWithTwoBuildsOfDifferentVersions() throws Exception {
        AbDevice d = new AbDevice(tmp);
        assertEquals(List.of(0), d.boot());
        assertTrue(d.lastBoot().startsWith("started 1.0.0 in slot a"), d.bootLog().toString());

        d.updater().apply(d.bundle("2.0.0", "ok", false, 0), io.roomwire.updater.Updater.Progress.NONE);
        assertEquals(List.of(0), d.boot());
        assertTrue(d.lastBoot().startsWith("started 2.0.0 in slot b"), d.bootLog().toString());
        assertTrue(d.bootLog().contains("committed 2.0.0"));

        d.updater().apply(d.bundle("1.0.0", "ok", true, 0), io.roomwire.updater.Updater.Progress.NONE);
        assertEquals(List.of(0), d.boot());
        assertTrue(d.lastBoot().startsWith("started 1.0.0 in slot a"), d.bootLog().toString());
        assertTrue(d.bootLog().contains("committed 1.0.0"));
        assertTrue(d.slots.trial().isEmpty());
    }

    @Test
    void aSlotWhoseJvmCannotRecordItsCdsArchiveLosesOneStartNotItsTrial() throws Exception {
        // A build as the image module makes one (lib/classpath) with a folder where a jar should be (lib/*.jar, in
        // name order, is the slot's class path): a JVM recording for CDS refuses to start with a non-empty folder on
        // its class path before a jar it loads classes from (ab-main.jar: the program's main class).
        AbDevice d = new AbDevice(tmp);
        Path build = d.build("2.0.0", "ok", 0);
        Files.writeString(build.resolve("lib/classpath"), "/usr/lib/roomwire/lib/app.jar\n");
        Files.writeString(Files.createDirectories(build.resolve("lib/a-folder.jar")).resolve("note.txt"), "a folder, not a jar\n");
        String main = SlotProgram.class.getName().replace('.', '/') + ".class";
        try (java.util.jar.JarOutputStream j = new java.util.jar.JarOutputStream(Files.newOutputStream(build.resolve("lib/ab-main.jar")));
             java.io.InputStream in = SlotProgram.class.getClassLoader().getResourceAsStream(main)) {
            j.putNextEntry(new java.util.jar.JarEntry(main));
            in.transferTo(j);
            j.closeEntry();
        }
        d.updater().apply(d.bundleOf("2.0.0", "ok", build, false), io.roomwire.updater.Updater.Progress.NONE);
        assertEquals(List.of(1, 0), d.boot());
        assertTrue(Files.readString(d.dir.resolve("console.log")).contains("Cannot have non-empty directory in paths"));
        assertTrue(d.lastBoot().startsWith("started 2.0.0 in slot b"), d.bootLog().toString());
        assertTrue(d.bootLog().contains("committed 2.0.0"), d.bootLog().toString());
        // tried once, never again: the next start runs without recording and without an archive
        assertTrue(Files.exists(d.slots.slot("b").resolve("lib/slot.jsa.tried")));
        assertFalse(Files.exists(d.slots.slot("b").resolve("lib/slot.jsa")));
        assertEquals(List.of(0), d.boot());
    }

    @Test
    void aBuildThatCarriesItsOwnWebRtcLibraryRunsWithItAndTheNextBuildWithout() throws Exception {
        AbDevice d = new AbDevice(tmp);
        d.updater().apply(d.bundleWithWebRtc("2.0.0", "webrtc-for-2.0.0"), io.roomwire.updater.Updater.Progress.NONE);
        assertEquals(List.of(0), d.boot());
        List<String> log = d.bootLog();
        assertTrue(d.lastBoot().startsWith("started 2.0.0 in slot b") && log.contains("webrtc webrtc-for-2.0.0"), log.toString());
        // the next build carries none (and this device has no roomwire-webrtc package): nothing of slot b's is left on its class path
        d.updater().apply(d.bundle("3.0.0", "ok", false, 0), io.roomwire.updater.Updater.Progress.NONE);
        assertEquals(List.of(0), d.boot());
        log = d.bootLog();
        assertTrue(d.lastBoot().startsWith("started 3.0.0 in slot a"), log.toString());
        assertEquals(1, log.stream().filter(l -> l.startsWith("webrtc ")).count(), log.toString());
    }

    @Test
    void rollsBackASlotThatCrashesAtStartAndReportsWhy() throws Exception {
        AbDevice d = new AbDevice(tmp);
        d.updater().apply(d.bundle("2.0.0", "crash", false, 0), io.roomwire.updater.Updater.Progress.NONE);
        assertEquals(List.of(3, 3, 3, 0), d.boot());
        assertEquals("a", d.slots.currentSlot());
        assertTrue(d.lastBoot().startsWith("started 1.0.0 in slot a"), d.bootLog().toString());
        assertTrue(d.bootLog().stream().anyMatch(l -> l.startsWith("update.rolled_back version=2.0.0 reason=crash loop")), d.bootLog().toString());
        assertFalse(Files.exists(d.home.resolve(SlotStore.TRIAL)));
    }

    @Test
    void rollsBackAfterAFailedHealthCheckWithItsReason() throws Exception {
        AbDevice d = new AbDevice(tmp);
        d.updater().apply(d.bundle("2.0.0", "unhealthy", false, 0), io.roomwire.updater.Updater.Progress.NONE);
        assertEquals(List.of(1, 0), d.boot());
        assertEquals("a", d.slots.currentSlot());
        assertTrue(d.bootLog().contains("update.rolled_back version=2.0.0 reason=health check failed: broker not reached"), d.bootLog().toString());
    }

    @Test
    void rollsBackATrialPastItsDeadline() throws Exception {
        AbDevice d = new AbDevice(tmp);
        d.updater().apply(d.bundle("2.0.0", "ok", false, 0), io.roomwire.updater.Updater.Progress.NONE);
        Map<String, String> trial = d.slots.trial().orElseThrow();
        // A trial whose first start was long ago: the deadline the launcher set has passed.
        Files.writeString(d.home.resolve(SlotStore.TRIAL), Files.readString(d.home.resolve(SlotStore.TRIAL))
                .replace("deadline=\n", "deadline=1\n"));
        assertEquals("b", trial.get("to"));
        assertEquals(List.of(0), d.boot());
        assertEquals("a", d.slots.currentSlot());
        assertTrue(d.bootLog().stream().anyMatch(l -> l.contains("reason=trial timeout")), d.bootLog().toString());
    }

    @Test
    void killsABuildThatNeitherCommitsNorFailsItsTrialAtTheDeadlineAndRollsBack() throws Exception {
        // A build that starts and then hangs: it never commits, never fails its trial, never exits by itself. The
        // launcher's deadline must hold anyway (a 3 s trial here).
        AbDevice d = new AbDevice(tmp);
        d.updater().apply(d.bundle("2.0.0", "hang", false, 0), io.roomwire.updater.Updater.Progress.NONE);
        Files.writeString(d.home.resolve(SlotStore.TRIAL), Files.readString(d.home.resolve(SlotStore.TRIAL))
                .replaceAll("timeout=\\d+\n", "timeout=3\n"));
        List<Integer> codes = d.boot();
        assertEquals(List.of(137, 0), codes, d.bootLog().toString());
        assertEquals("a", d.slots.currentSlot());
        assertTrue(d.lastBoot().startsWith("started 1.0.0 in slot a"), d.bootLog().toString());
        assertTrue(d.bootLog().stream().anyMatch(l -> l.startsWith("update.rolled_back version=2.0.0 reason=trial timeout")),
                d.bootLog().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"download", "verify", "unpack", "switch", "first-boot"})
    void killNineAtEachStepLeavesABootableSlotAndTheUpdateThenCompletes(String step) throws Exception {
        AbDevice d = new AbDevice(tmp);
        Path bundle = d.bundle("2.0.0", "ok", false, step.equals("download") ? 3_000_000 : 200_000);
        AtomicInteger ranges = new AtomicInteger();
        HttpServer http = serve(bundle, ranges);
        try {
            String source = step.equals("download") ? "http://127.0.0.1:" + http.getAddress().getPort() + "/b.rwu" : bundle.toString();
            if (step.equals("first-boot")) {
                d.updater().apply(bundle, io.roomwire.updater.Updater.Progress.NONE);
                Files.writeString(d.home.resolve("hold"), "");
                Process p = d.launch();
                AbDevice.awaitFile(d.home.resolve("held"), p);
                p.destroyForcibly(); // SIGKILL: the launcher exec'd the JVM, so this is the new slot's process
                assertTrue(p.waitFor(AbDevice.BOUND.toSeconds(), TimeUnit.SECONDS));
                Files.delete(d.home.resolve("hold"));
            } else {
                Process p = applyProcess(d, source, step);
                AbDevice.awaitFile(d.home.resolve("stopped-" + step), p);
                p.destroyForcibly();
                assertTrue(p.waitFor(AbDevice.BOUND.toSeconds(), TimeUnit.SECONDS));
                // The device still boots the old build.
                assertEquals(List.of(0), d.boot());
                assertTrue(d.lastBoot().startsWith("started 1.0.0 in slot a"), step + ": " + d.bootLog());
                // The update, tried again, completes.
                Process again = applyProcess(d, source, "none");
                assertTrue(again.waitFor(AbDevice.BOUND.toSeconds(), TimeUnit.SECONDS));
                assertEquals(0, again.exitValue(), Files.readString(d.dir.resolve("apply.log")));
            }
            List<Integer> codes = d.boot();
            assertEquals(0, codes.get(codes.size() - 1));
            assertTrue(d.lastBoot().startsWith("started 2.0.0 in slot b"), step + ": " + d.bootLog());
            assertTrue(d.bootLog().contains("committed 2.0.0"), step + ": " + d.bootLog());
            if (step.equals("download")) {
                assertTrue(ranges.get() >= 2, "the second attempt resumed with Range: " + ranges.get());
            }
        } finally {
            http.stop(0);
        }
    }

    /**
     * kill -9 of the launcher in the middle of a rollback: after it decided (crash loop) but before the record is
     * written, or after the record but before the pointer moved. The next start repeats the rollback and the old
     * build runs; the rollback is reported once.
     */
    @ParameterizedTest
    @ValueSource(strings = {SlotStore.ROLLED_BACK, SlotStore.CURRENT})
    void killNineOfTheLauncherDuringARollbackRepeatsItAtTheNextStart(String movedOnto) throws Exception {
        AbDevice d = new AbDevice(tmp);
        d.updater().apply(d.bundle("2.0.0", "crash", false, 0), io.roomwire.updater.Updater.Progress.NONE);
        d.killLauncherAtMoveOnto(movedOnto);
        // Three crashed starts of the new slot, the launcher killed while rolling back (137), then the old build.
        assertEquals(List.of(3, 3, 3, 137, 0), d.boot());
        assertFalse(Files.exists(d.dir.resolve("kill-armed")), "the kill happened");
        assertEquals("a", d.slots.currentSlot());
        assertTrue(d.lastBoot().startsWith("started 1.0.0 in slot a"), d.bootLog().toString());
        assertEquals(1, d.bootLog().stream().filter(l -> l.startsWith("update.rolled_back version=2.0.0 reason=crash loop")).count(),
                d.bootLog().toString());
        assertFalse(Files.exists(d.home.resolve(SlotStore.TRIAL)));
    }

    private static Process applyProcess(AbDevice d, String source, String stopAt) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), ApplyProgram.class.getName(),
                d.home.toString(), source, stopAt));
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(d.dir.resolve("apply.log").toFile())).start();
    }

    /** Serves the bundle on 127.0.0.1 with Range support, as any static file server would. */
    private static HttpServer serve(Path file, AtomicInteger ranges) throws Exception {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        s.createContext("/", ex -> {
            try (ex) {
                byte[] all = Files.readAllBytes(file);
                String range = ex.getRequestHeaders().getFirst("Range");
                int start = 0;
                int end = all.length - 1;
                if (range != null) {
                    ranges.incrementAndGet();
                    String[] p = range.substring(6).split("-", -1);
                    start = Integer.parseInt(p[0]);
                    if (!p[1].isEmpty()) {
                        end = Math.min(end, Integer.parseInt(p[1]));
                    }
                    ex.getResponseHeaders().set("Content-Range", "bytes " + start + "-" + end + "/" + all.length);
                }
                ex.sendResponseHeaders(range == null ? 200 : 206, end - start + 1);
                try (OutputStream o = ex.getResponseBody()) {
                    o.write(all, start, end - start + 1);
                }
            }
        });
        s.start();
        return s;
    }
}
