package io.roomwire.image.installed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.image.ImageLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * roomwire-webrtc, the optional package with webrtc-java: without it the installed agent reports the
 * missing WebRTC library clearly; installed next to roomwire (apt resolves its libraries from the root's
 * mirror) the agent's own WebRTC loader, through the launcher's class path and CDS archive, loads the
 * native library; removed, the report comes back.
 */
class WebRtcPackageIT {

    private static final Duration SHORT = Duration.ofMinutes(2);

    @Test
    void webrtcPackageAddsTheNativeLibraryToTheInstalledAgent() throws IOException {
        Sh.require("dpkg-deb", "dpkg", "lintian", "lintian", "debootstrap", "debootstrap", "chroot", "coreutils", "mount", "mount");
        Path dir = Path.of(System.getProperty("roomwire.deb.dir", "target"));
        Path deb = only(dir, "roomwire_.+_.+\\.deb");
        Path webrtc = only(dir, "roomwire-webrtc_.+_.+\\.deb");
        String version = Sh.run(SHORT, "dpkg-deb", "--field", deb.toString(), "Version").ok().output().strip();
        assertEquals(version, Sh.run(SHORT, "dpkg-deb", "--field", webrtc.toString(), "Version").ok().output().strip());
        assertTrue(Sh.run(SHORT, "dpkg-deb", "--field", deb.toString(), "Recommends").ok().output().contains("roomwire-webrtc"),
                "roomwire recommends roomwire-webrtc");
        String listing = Sh.run(SHORT, "dpkg-deb", "--contents", webrtc.toString()).ok().output();
        assertTrue(listing.lines().anyMatch(l -> l.matches(".* \\./usr/lib/roomwire/webrtc/webrtc-java-[0-9.]+-linux-x86_64\\.jar")), listing);
        assertTrue(listing.lines().anyMatch(l -> l.matches(".* \\./usr/lib/roomwire/webrtc/webrtc-java-[0-9.]+\\.jar")), listing);
        assertFalse(Sh.run(SHORT, "dpkg-deb", "--contents", deb.toString()).ok().output().contains("webrtc-java"),
                "the main package carries no webrtc-java");
        Sh.Result lintian = Sh.run(Duration.ofMinutes(10), "lintian", "--fail-on", "error", webrtc.toString());
        System.out.println("lintian " + webrtc.getFileName() + ":\n" + lintian.output());
        assertEquals(0, lintian.exit(), "lintian reports errors:\n" + lintian.output());

        try (DebianRoot root = DebianRoot.create(Path.of(System.getProperty("java.io.tmpdir")))) {
            Files.copy(deb, root.host("/tmp/" + deb.getFileName()));
            Files.copy(webrtc, root.host("/tmp/" + webrtc.getFileName()));
            root.run(SHORT, "dpkg", "-i", "/tmp/" + deb.getFileName()).ok();

            // ---- without roomwire-webrtc: a clear report, exit 1
            Sh.Result missing = root.run(SHORT, "roomwire", "webrtc", "check");
            System.out.println("roomwire webrtc check (without roomwire-webrtc):\n" + missing.output());
            assertEquals(1, missing.exit(), missing.output());
            assertTrue(missing.output().contains("WebRTC native library: not loadable")
                    && missing.output().contains("webrtc-java linux-x86_64 jar is on the class path"), missing.output());

            // ---- with it: apt installs it and its libraries from the root's mirror, as an operator would
            Files.copy(Path.of("/etc/resolv.conf"), root.host("/etc/resolv.conf"), StandardCopyOption.REPLACE_EXISTING);
            Sh.run(Duration.ofMinutes(10), root.chroot(Map.of("DEBIAN_FRONTEND", "noninteractive"), "sh", "-c",
                    "apt-get update -q && apt-get install -y -q --no-install-recommends /tmp/" + webrtc.getFileName())).ok();
            assertTrue(Files.isDirectory(root.host(ImageLayout.WEBRTC)));
            Sh.Result loaded = root.run(SHORT, "roomwire", "webrtc", "check", "--json");
            System.out.println("roomwire webrtc check (with roomwire-webrtc):\n" + loaded.output());
            assertEquals(0, loaded.exit(), loaded.output());
            assertTrue(loaded.output().contains("\"loaded\":true"), loaded.output());
            // The appended class path keeps the agent's CDS archive usable (a mismatch would be a JVM warning on stderr).
            assertFalse(loaded.output().contains("[cds]") || loaded.output().contains("shared archive"), loaded.output());

            // ---- removed again: the report comes back, the agent itself unaffected
            root.run(SHORT, "dpkg", "--remove", "roomwire-webrtc").ok();
            assertFalse(Files.exists(root.host(ImageLayout.WEBRTC)));
            assertEquals(1, root.run(SHORT, "roomwire", "webrtc", "check").exit());
            root.run(SHORT, "roomwire", "version").ok();
        }
    }

    private static Path only(Path dir, String regex) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> found = s.filter(p -> p.getFileName().toString().matches(regex)).toList();
            assertEquals(1, found.size(), "exactly one " + regex + " in " + dir + " (mvn package makes it): " + found);
            return found.get(0);
        }
    }
}
