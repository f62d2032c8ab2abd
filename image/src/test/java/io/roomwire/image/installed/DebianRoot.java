package io.roomwire.image.installed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A minimal Debian 12 root to install the package into, as a chroot sharing the host's network.
 * {@code debootstrap --variant=minbase} builds it once into a tarball cached outside the checkout
 * (a few minutes); each test run unpacks a fresh copy (seconds) and mounts /proc into it.
 */
final class DebianRoot implements AutoCloseable {

    static final String SUITE = "bookworm";
    /** What the package depends on plus systemd, whose systemd-analyze verifies the unit as installed. */
    static final List<String> INCLUDE = List.of("zlib1g", "systemd", "procps");
    static final Path CACHE = Path.of(System.getProperty("roomwire.test.root-cache", "/var/cache/roomwire-test/bookworm-root.tar"));

    private static final Duration DEBOOTSTRAP_BOUND = Duration.ofMinutes(15);
    private static final Duration SHORT = Duration.ofMinutes(2);

    final Path dir;
    private boolean procMounted;

    private DebianRoot(Path dir) {
        this.dir = dir;
    }

    /** A fresh root under {@code parent}, from the cached tarball (built first when missing or made with other packages). */
    static DebianRoot create(Path parent) throws IOException {
        if (!"0".equals(Sh.run(SHORT, "id", "-u").ok().output().strip())) {
            throw new AssertionError("The installed-package tests install a package into a chroot and need root (CI runs bin/test as root)");
        }
        ensureCache();
        Path dir = Files.createTempDirectory(Files.createDirectories(parent), "bookworm-");
        Sh.run(SHORT, "tar", "-xf", CACHE.toString(), "-C", dir.toString()).ok();
        DebianRoot root = new DebianRoot(dir);
        Sh.run(SHORT, "mount", "-t", "proc", "proc", dir.resolve("proc").toString()).ok();
        root.procMounted = true;
        return root;
    }

    private static synchronized void ensureCache() throws IOException {
        Path stamp = CACHE.resolveSibling(CACHE.getFileName() + ".packages");
        String wanted = SUITE + " minbase " + String.join(",", INCLUDE) + "\n";
        if (Files.isRegularFile(CACHE) && Files.isRegularFile(stamp) && Files.readString(stamp).equals(wanted)) {
            return;
        }
        Files.createDirectories(CACHE.getParent());
        Path build = Files.createTempDirectory(CACHE.getParent(), "debootstrap-");
        try {
            String mirror = debianMirror(Path.of("/etc/apt"));
            System.out.println("[DebianRoot] building " + CACHE + " with debootstrap from " + mirror + " (once; a few minutes)");
            Sh.run(DEBOOTSTRAP_BOUND, "debootstrap", "--variant=minbase", "--include=" + String.join(",", INCLUDE),
                    SUITE, build.resolve("root").toString(), mirror).ok();
            Path tmp = CACHE.resolveSibling(CACHE.getFileName() + ".tmp");
            Sh.run(Duration.ofMinutes(5), "tar", "--numeric-owner", "-cf", tmp.toString(), "-C", build.resolve("root").toString(), ".").ok();
            Files.move(tmp, CACHE, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Files.writeString(stamp, wanted);
        } finally {
            Sh.run(Duration.ofMinutes(2), "rm", "-rf", build.toString());
        }
    }

    /** The Debian archive apt is configured with (deb822 .sources or one-line .list), else deb.debian.org. */
    static String debianMirror(Path aptDir) throws IOException {
        List<Path> files = new ArrayList<>();
        if (Files.isRegularFile(aptDir.resolve("sources.list"))) {
            files.add(aptDir.resolve("sources.list"));
        }
        if (Files.isDirectory(aptDir.resolve("sources.list.d"))) {
            try (var s = Files.list(aptDir.resolve("sources.list.d"))) {
                s.sorted().forEach(files::add);
            }
        }
        Pattern oneLine = Pattern.compile("(?m)^\\s*deb\\s+(?:\\[[^]]*]\\s+)?(\\S+)\\s+" + SUITE + "\\s");
        Pattern deb822 = Pattern.compile("(?m)^URIs:\\s*(\\S+)");
        for (Path f : files) {
            String text = Files.readString(f);
            Matcher m = oneLine.matcher(text);
            if (m.find()) {
                return m.group(1);
            }
            for (String stanza : text.split("\\n\\s*\\n")) {
                Matcher u = deb822.matcher(stanza);
                if (u.find() && stanza.matches("(?s).*\\nSuites:[^\\n]*\\b" + SUITE + "\\b(?!-).*") && !u.group(1).contains("security")) {
                    return u.group(1);
                }
            }
        }
        return "http://deb.debian.org/debian";
    }

    /** A path inside the root, as the host sees it; {@code inside} is absolute in the root. */
    Path host(String inside) {
        return dir.resolve(inside.substring(1));
    }

    /** The command run in the root, with a clean environment. */
    List<String> chroot(Map<String, String> env, String... command) {
        List<String> cmd = new ArrayList<>(List.of("chroot", dir.toString(), "/usr/bin/env", "-i",
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"));
        env.forEach((k, v) -> cmd.add(k + "=" + v));
        cmd.addAll(List.of(command));
        return cmd;
    }

    Sh.Result run(Duration bound, String... command) {
        return Sh.run(bound, chroot(Map.of(), command));
    }

    /** Unmounts /proc, so that the tree can be copied whole (QemuBoot's disk image); {@link #close()} skips it then. */
    void unmountProc() {
        if (procMounted) {
            Sh.run(SHORT, "umount", dir.resolve("proc").toString()).ok();
            procMounted = false;
        }
    }

    @Override
    public void close() {
        if (procMounted) {
            Sh.run(SHORT, "umount", "-l", dir.resolve("proc").toString());
        }
        try {
            Sh.run(SHORT, "rm", "-rf", "--one-file-system", dir.toString());
        } catch (UncheckedIOException e) {
            // Best effort: the next run unpacks a fresh root anyway.
        }
    }
}
