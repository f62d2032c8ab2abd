package io.roomwire.image.installed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.image.ImageLayout;
import io.roomwire.sim.room.SimCloud;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The .deb the build made, as a fleet operator gets it: lintian, then installed into a minimal
 * Debian 12 root (chroot, host network) where the bundled runtime runs the agent against the
 * simulated cloud on the host's loopback; upgraded, removed and purged.
 */
class InstalledPackageIT {

    private static final Duration SHORT = Duration.ofMinutes(2);
    /** Issue 16's goal: the package, runtime included, at most 40 MB. */
    static final long MAX_DEB_BYTES = 40_000_000;

    private static Path deb;
    private static String version;
    private static DebianRoot root;

    @BeforeAll
    static void packageAndRoot() throws IOException {
        Sh.require("dpkg-deb", "dpkg", "lintian", "lintian", "debootstrap", "debootstrap", "systemd-analyze", "systemd",
                "chroot", "coreutils", "mount", "mount");
        Path dir = Path.of(System.getProperty("roomwire.deb.dir", "target"));
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> debs = s.filter(p -> p.getFileName().toString().matches("roomwire_.+_.+\\.deb")).toList();
            assertEquals(1, debs.size(), "exactly one roomwire_<version>_<arch>.deb in " + dir + " (mvn package makes it): " + debs);
            deb = debs.get(0);
        }
        version = Sh.run(SHORT, "dpkg-deb", "--field", deb.toString(), "Version").ok().output().strip();
        root = DebianRoot.create(Path.of(System.getProperty("java.io.tmpdir")));
    }

    @AfterAll
    static void removeRoot() {
        if (root != null) {
            root.close();
        }
    }

    @Test
    void lintianFindsNoErrors() {
        Sh.Result r = Sh.run(Duration.ofMinutes(10), "lintian", "--fail-on", "error", deb.toString());
        System.out.println("lintian " + deb.getFileName() + ":\n" + r.output());
        assertEquals(0, r.exit(), "lintian reports errors:\n" + r.output());
    }

    @Test
    void packageNameVersionAndContents() {
        String name = deb.getFileName().toString();
        String arch = Sh.run(SHORT, "dpkg-deb", "--field", deb.toString(), "Architecture").ok().output().strip();
        assertEquals("roomwire_" + version + "_" + arch + ".deb", name);
        String listing = Sh.run(SHORT, "dpkg-deb", "--contents", deb.toString()).ok().output();
        for (String path : List.of("./usr/bin/roomwire", "./lib/systemd/system/roomwire.service", "./etc/roomwire/roomwire.properties",
                "./etc/roomwire/jvm.options", "./usr/lib/roomwire/runtime/bin/java", "./usr/lib/roomwire/runtime/lib/modules",
                "./usr/share/doc/roomwire/copyright", "./usr/share/doc/roomwire/changelog.gz",
                "./usr/lib/roomwire/lib/roomwire.jsa", "./usr/lib/roomwire/lib/classpath", "./usr/lib/roomwire/VERSION")) {
            assertTrue(listing.lines().anyMatch(l -> l.endsWith(" " + path)), path + " missing:\n" + listing);
        }
        assertTrue(listing.lines().anyMatch(l -> l.startsWith("-rwxr-xr-x") && l.endsWith(" ./usr/lib/roomwire/runtime/bin/java")),
                "the runtime's java is executable");
        Path control = root.dir.resolveSibling("control-" + root.dir.getFileName());
        Sh.run(SHORT, "dpkg-deb", "--control", deb.toString(), control.toString()).ok();
        try {
            assertEquals(List.of("/etc/roomwire/jvm.options", "/etc/roomwire/roomwire.properties"),
                    Files.readAllLines(control.resolve("conffiles")).stream().map(String::strip).sorted().toList());
        } catch (IOException e) {
            throw new AssertionError("no conffiles in the package's control archive", e);
        } finally {
            Sh.run(SHORT, "rm", "-rf", control.toString());
        }
    }

    @Test
    void installsRunsUpgradesRemovesAndPurges() throws Exception {
        // ---- install
        Path inRoot = root.host("/tmp/" + deb.getFileName());
        Files.copy(deb, inRoot);
        root.run(SHORT, "dpkg", "-i", "/tmp/" + deb.getFileName()).ok();
        assertTrue(root.run(SHORT, "getent", "passwd", "roomwire").ok().output().contains("/usr/sbin/nologin"), "system user");
        assertEquals("roomwire roomwire 700", stat("/var/lib/roomwire"));
        assertEquals("roomwire roomwire 750", stat("/var/log/roomwire"));
        assertEquals("roomwire roomwire 640", stat("/etc/roomwire/roomwire.properties"));
        assertTrue(Files.isSymbolicLink(root.host("/etc/systemd/system/multi-user.target.wants/roomwire.service")), "enabled on install");

        // ---- the A/B layout the updater's slot code expects: slot a is the package's build, through a link
        assertEquals("roomwire roomwire 755", stat(ImageLayout.UPDATE_HOME));
        assertEquals("slots/a", Files.readSymbolicLink(root.host(ImageLayout.UPDATE_HOME + "/current")).toString());
        assertEquals(ImageLayout.HOME, Files.readSymbolicLink(root.host(ImageLayout.UPDATE_HOME + "/slots/a")).toString());
        io.roomwire.updater.SlotStore installed = new io.roomwire.updater.SlotStore(root.host(ImageLayout.UPDATE_HOME));
        assertTrue(installed.isSlotted());
        String packaged = Files.readString(root.host(ImageLayout.HOME + "/VERSION")).strip();
        assertEquals(version.replace('~', '-'), packaged, "the package's version stamp");
        assertEquals("a", installed.currentSlot());

        // ---- the unit as installed
        root.run(SHORT, "systemd-analyze", "verify", "/lib/systemd/system/roomwire.service").ok();
        String security = root.run(SHORT, "systemd-analyze", "security", "--offline=true", "/lib/systemd/system/roomwire.service").output();
        Matcher m = Pattern.compile("Overall exposure level for roomwire.service: ([0-9.]+)").matcher(security);
        assertTrue(m.find(), security);
        double exposure = Double.parseDouble(m.group(1));
        System.out.println("systemd-analyze security exposure: " + exposure);
        assertTrue(exposure <= 3.0, "exposure " + exposure + " > 3.0:\n" + security);

        // ---- the commands, on the bundled runtime
        Sh.Result v = root.run(SHORT, "roomwire", "version");
        assertEquals(0, v.exit(), v.output());
        assertTrue(v.output().contains(version.replace('~', '-')), "version " + version + " in: " + v.output());
        root.run(SHORT, "roomwire", "config", "check", ImageLayout.CONFIG).ok();
        assertTrue(Files.size(deb) <= MAX_DEB_BYTES, deb.getFileName() + " is " + Files.size(deb) + " bytes, over " + MAX_DEB_BYTES);

        // ---- the CDS archive made at build time maps at the installed paths (-Xshare:on fails the JVM otherwise)
        String classPath = Files.readString(root.host("/usr/lib/roomwire/lib/classpath")).strip();
        Sh.Result cds = root.run(SHORT, "/usr/lib/roomwire/runtime/bin/java", "-XX:+UseSerialGC", "-XX:SharedArchiveFile=/usr/lib/roomwire/lib/roomwire.jsa",
                "-Xshare:on", "-Xlog:class+load=info", "-cp", classPath, "io.roomwire.agent.Main", "version");
        assertEquals(0, cds.exit(), cds.output());
        assertTrue(cds.output().lines().anyMatch(l -> l.contains("io.roomwire.agent.Main source: shared objects file (top)")),
                "the agent's classes come from the archive:\n" + cds.output().lines().filter(l -> l.contains("io.roomwire")).limit(20).toList());

        // ---- a short run against the simulated cloud on the host's loopback, as the service user
        Path simDir = root.host("/srv/roomwire-sim");
        try (SimCloud cloud = SimCloud.start(simDir, Clock.systemUTC(), Duration.ZERO)) {
            cloud.startBroker();
            cloud.addRoom("401", "Room 401");
            cloud.bookMeetingNow("401", ZoneOffset.UTC);
            StringBuilder config = new StringBuilder("# edited by the operator\nagent.log-level = info\n");
            cloud.agentSettings("RW-INSTALLED-1", "401").forEach((k, val) ->
                    config.append(k).append(" = ").append(val.replace(root.dir.toString(), "")).append('\n'));
            Files.writeString(root.host(ImageLayout.CONFIG), config);
            root.run(SHORT, "chown", "-R", "roomwire:roomwire", "/srv/roomwire-sim").ok();
            root.run(SHORT, "roomwire", "config", "check", ImageLayout.CONFIG).ok();
            runUntilAllServicesUp();

            // ---- a signed update made from a second build of another version, applied to the installed package
            Sh.Result before = asRoomwire("roomwire", "update", "status");
            assertEquals(0, before.exit(), before.output());
            assertTrue(before.output().contains("current: slot a " + packaged), before.output());
            assertTrue(before.output().contains("trust:   none"), "no trust root before provisioning: " + before.output());
            OtaKeys keys = new OtaKeys();
            Files.write(root.host(ImageLayout.UPDATE_HOME + "/root.json"), keys.rootJson());
            root.run(SHORT, "chown", "roomwire:roomwire", ImageLayout.UPDATE_HOME + "/root.json").ok();
            String next = nextVersion(packaged);
            Path bundle = secondBuildBundle(next, keys);
            Files.copy(bundle, root.host("/tmp/" + bundle.getFileName()));
            Sh.Result asRoot = root.run(SHORT, "roomwire", "update", "apply", "/tmp/" + bundle.getFileName());
            assertEquals(1, asRoot.exit(), "root must not write the service user's slots: " + asRoot.output());
            Sh.Result applied = asRoomwire(Duration.ofMinutes(10), "roomwire", "update", "apply", "/tmp/" + bundle.getFileName());
            assertEquals(0, applied.exit(), applied.output());
            assertTrue(applied.output().contains("installed " + next + " in slot b on trial"), applied.output());
            Sh.Result onTrial = asRoomwire("roomwire", "update", "status");
            assertTrue(onTrial.output().contains("current: slot b " + next) && onTrial.output().contains("trial:   version " + next + ", 3 start(s) left"),
                    "status (and not counting a start): " + onTrial.output());
            // The service starts the new slot: its agent comes up against the simulated cloud and commits the trial.
            runUntilAllServicesUp();
            Sh.Result committed = asRoomwire("roomwire", "update", "status");
            assertTrue(committed.output().contains("current: slot b " + next) && committed.output().contains("trial:   none (committed)"),
                    committed.output());
            assertFalse(Files.exists(root.host(ImageLayout.UPDATE_HOME + "/trial")));
            assertEquals(ImageLayout.HOME, Files.readSymbolicLink(root.host(ImageLayout.UPDATE_HOME + "/slots/a")).toString(),
                    "the package stays in slot a to go back to");
            // ... and back to the package's build by hand.
            Sh.Result back = asRoomwire("roomwire", "update", "rollback");
            assertEquals(0, back.exit(), back.output());
            assertTrue(asRoomwire("roomwire", "update", "status").output().contains("current: slot a " + packaged));
            asRoomwire("roomwire", "version").ok();
            // The newer update in slot b is current again for the package upgrade below.
            assertEquals(0, asRoomwire("roomwire", "update", "rollback").exit());
        }

        // ---- a support bundle from the installed CLI: private, bounded, no secret of the config in it
        String config = Files.readString(root.host(ImageLayout.CONFIG));
        Files.writeString(root.host(ImageLayout.CONFIG), config + "sip.password = installed-s3cret\n");
        Sh.Result diag = root.run(SHORT, "roomwire", "diagnostics", "--config", ImageLayout.CONFIG, "--out", "/root", "--json");
        assertEquals(0, diag.exit(), diag.output());
        Files.writeString(root.host(ImageLayout.CONFIG), config);
        Matcher file = Pattern.compile("\"file\":\"([^\"]+)\"").matcher(diag.output());
        assertTrue(file.find(), diag.output());
        assertEquals("root root 600", stat(file.group(1)));
        StringBuilder unzipped = new StringBuilder();
        try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(Files.newInputStream(root.host(file.group(1))))) {
            for (java.util.zip.ZipEntry e; (e = in.getNextEntry()) != null; ) {
                unzipped.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        assertTrue(unzipped.toString().contains("sip.password = ***"), unzipped.toString());
        assertFalse(unzipped.toString().contains("installed-s3cret"), "the bundle holds the SIP password");
        assertTrue(Files.list(root.host("/var/lib/roomwire")).findAny().isPresent(), "the run left state (identity, tokens)");
        String edited = Files.readString(root.host(ImageLayout.CONFIG));

        // ---- upgrade to a later version: the edited conffile and the state stay
        Path next = bumpedPackage(deb, version + "+upgrade1");
        assertEquals(0, Sh.run(SHORT, "dpkg", "--compare-versions", version + "+upgrade1", "gt", version).exit());
        Files.copy(next, root.host("/tmp/" + next.getFileName()));
        String stateBefore = listing("/var/lib/roomwire");
        root.run(SHORT, "dpkg", "--force-confdef", "--force-confold", "-i", "/tmp/" + next.getFileName()).ok();
        assertEquals(version + "+upgrade1", root.run(SHORT, "dpkg-query", "-W", "-f=${Version}", "roomwire").ok().output().strip());
        assertEquals(edited, Files.readString(root.host(ImageLayout.CONFIG)), "the operator's config survives the upgrade");
        assertEquals(stateBefore, listing("/var/lib/roomwire"), "the state survives the upgrade");
        assertEquals("slots/b", Files.readSymbolicLink(root.host(ImageLayout.UPDATE_HOME + "/current")).toString(),
                "a package older than the running update leaves the update current");
        root.run(SHORT, "roomwire", "version").ok();

        // ---- remove: the program goes, config and state stay
        root.run(SHORT, "dpkg", "--remove", "roomwire").ok();
        assertFalse(Files.exists(root.host("/usr/bin/roomwire")));
        assertFalse(Files.exists(root.host("/usr/lib/roomwire")));
        assertTrue(Files.exists(root.host(ImageLayout.CONFIG)), "remove keeps the config");
        assertEquals(stateBefore, listing("/var/lib/roomwire"), "remove keeps the state");

        // ---- purge: config, state, logs and the user go
        root.run(SHORT, "dpkg", "--purge", "roomwire").ok();
        for (String gone : List.of("/etc/roomwire", "/var/lib/roomwire", "/var/log/roomwire",
                "/etc/systemd/system/multi-user.target.wants/roomwire.service")) {
            assertFalse(Files.exists(root.host(gone), java.nio.file.LinkOption.NOFOLLOW_LINKS), gone + " after purge");
        }
        assertEquals(2, root.run(SHORT, "getent", "passwd", "roomwire").exit(), "user removed on purge");
    }

    /** {@code roomwire run} in the root until it reports every service UP, then SIGTERM and a clean stop. */
    private static void runUntilAllServicesUp() throws Exception {
        List<String> cmd = new ArrayList<>(List.of("chroot", "--userspec=roomwire:roomwire", root.dir.toString(), "/usr/bin/env", "-i",
                "PATH=/usr/bin:/bin", "LANG=C.UTF-8", "/usr/bin/roomwire", "run", "--config", ImageLayout.CONFIG));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> seen = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            Thread reader = new Thread(() -> r.lines().forEach(l -> {
                synchronized (seen) {
                    seen.add(l);
                    seen.notifyAll();
                }
            }), "installed-agent-output");
            reader.setDaemon(true);
            reader.start();
            // 3 minutes: an update's slot starts without the CDS archive, and the machine may be busy.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            synchronized (seen) {
                while (seen.stream().noneMatch(l -> l.contains("all services UP")) && p.isAlive() && System.nanoTime() < deadline) {
                    seen.wait(500);
                }
            }
            boolean up;
            synchronized (seen) {
                up = seen.stream().anyMatch(l -> l.contains("all services UP"));
            }
            // The JVM is the launcher's exec'd child of chroot: signal it, as systemd would.
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
            boolean exited = p.waitFor(30, TimeUnit.SECONDS);
            reader.join(5000);
            synchronized (seen) {
                String out = String.join("\n", seen);
                System.out.println("roomwire run (installed):\n" + out);
                assertTrue(up, "the installed agent did not report all services UP within 180 s:\n" + out);
                assertTrue(exited, "the installed agent did not stop within 30 s of SIGTERM:\n" + out);
            }
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    /** The same package with another version: unpacked and built again by dpkg-deb, as a later release would be. */
    private static Path bumpedPackage(Path deb, String newVersion) throws IOException {
        Path work = Files.createTempDirectory(root.dir.getParent(), "bump-");
        Path tree = work.resolve("tree");
        Sh.run(SHORT, "dpkg-deb", "--raw-extract", deb.toString(), tree.toString()).ok();
        Path control = tree.resolve("DEBIAN/control");
        Files.writeString(control, Files.readString(control).replaceFirst("(?m)^Version: .*$", "Version: " + newVersion));
        // The new release ships a changed default config: dpkg must keep the operator's edited one.
        Path conf = tree.resolve("etc/roomwire/roomwire.properties");
        Files.writeString(conf, Files.readString(conf) + "\n# a later release's default\n");
        Path out = work.resolve("roomwire_" + newVersion + "_upgrade.deb");
        // Fast gzip: dpkg-deb's default xz takes minutes on the 200 MB payload.
        Sh.run(Duration.ofMinutes(10), "dpkg-deb", "-Zgzip", "-z1", "--root-owner-group", "--build", tree.toString(), out.toString()).ok();
        return out;
    }

    private static String stat(String path) {
        return root.run(SHORT, "stat", "-c", "%U %G %a", path).ok().output().strip();
    }

    /** The files under {@code dir} but the A/B prefix, which updates and upgrades change on purpose. */
    private static String listing(String dir) {
        return root.run(SHORT, "find", dir, "-path", ImageLayout.UPDATE_HOME, "-prune", "-o", "-printf", "%P %s %m %u\\n").ok().output()
                .lines().sorted().reduce("", (a, b) -> a + b + "\n");
    }

    /** A command in the root as the service's user, as systemd runs the agent. */
    private static Sh.Result asRoomwire(String... command) {
        return asRoomwire(SHORT, command);
    }

    private static Sh.Result asRoomwire(Duration bound, String... command) {
        List<String> cmd = new ArrayList<>(List.of("chroot", "--userspec=roomwire:roomwire", root.dir.toString(), "/usr/bin/env", "-i",
                "PATH=/usr/bin:/bin", "LANG=C.UTF-8"));
        cmd.addAll(List.of(command));
        return Sh.run(bound, cmd);
    }

    /** The next patch release after {@code v} (0.1.0-SNAPSHOT -> 0.1.1), which the updater orders above it. */
    static String nextVersion(String v) {
        Matcher m = Pattern.compile("^(\\d+)\\.(\\d+)\\.(\\d+)").matcher(v);
        assertTrue(m.find(), "version " + v);
        return m.group(1) + "." + m.group(2) + "." + (Integer.parseInt(m.group(3)) + 1);
    }

    /** The operator's keys: one root key, one update key, and the device's first trust root. */
    static final class OtaKeys {
        final java.security.KeyPair rootKey = io.roomwire.updater.Ed25519Keys.generate();
        final java.security.KeyPair updateKey = io.roomwire.updater.Ed25519Keys.generate();

        byte[] rootJson() {
            String r = io.roomwire.updater.Ed25519Keys.keyId(rootKey.getPublic());
            String u = io.roomwire.updater.Ed25519Keys.keyId(updateKey.getPublic());
            io.roomwire.updater.TrustRoot v1 = new io.roomwire.updater.TrustRoot(1, java.time.Instant.now().plus(Duration.ofDays(365)),
                    Map.of(r, rootKey.getPublic(), u, updateKey.getPublic()), java.util.Set.of(r), 1, java.util.Set.of(u), 1, java.util.Set.of());
            return io.roomwire.updater.SignedDocument.sign(v1.toBody(), List.of(rootKey.getPrivate()), List.of(r)).toBytes();
        }
    }

    /**
     * A second build: the package's installed layout (usr/lib/roomwire) as another release would ship it, stamped
     * {@code newVersion}, zipped and signed as a bundle for this model and architecture.
     */
    private static Path secondBuildBundle(String newVersion, OtaKeys keys) throws IOException {
        Path work = Files.createTempDirectory(root.dir.getParent(), "ota-");
        Path tree = work.resolve("tree");
        Sh.run(SHORT, "dpkg-deb", "--extract", deb.toString(), tree.toString()).ok();
        Path layout = tree.resolve(ImageLayout.HOME.substring(1));
        Files.writeString(layout.resolve("VERSION"), newVersion + "\n");
        Path payload = work.resolve("payload.zip");
        String sha = io.roomwire.updater.BundleBuilder.zipLayout(layout, payload);
        String arch = System.getProperty("os.arch").replace("amd64", "x86_64");
        java.time.Instant now = java.time.Instant.now();
        Path bundle = work.resolve("roomwire-" + newVersion + ".rwu");
        io.roomwire.updater.BundleBuilder.write(payload, sha, new io.roomwire.updater.BundleBuilder.Target(newVersion, "roomwire", arch,
                        "0.0.0", false, now.minusSeconds(60), now.plus(Duration.ofDays(7))), List.of(keys.updateKey.getPrivate()),
                List.of(io.roomwire.updater.Ed25519Keys.keyId(keys.updateKey.getPublic())), List.of(), bundle);
        return bundle;
    }
}
