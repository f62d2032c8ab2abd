package io.roomwire.image.installed;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The package installed in the Debian 12 root, booted with systemd as init under
 * {@code qemu-system-x86_64} (TCG: no KVM on CI or the developers' machines): a oneshot unit in the
 * guest ({@value #CHECK_UNIT}) waits until {@code roomwire.service} is active (READY=1 from the agent),
 * kills its main process with SIGKILL, waits until systemd has started it again and is active
 * (Restart=on-failure), prints {@value #MARK} lines on the serial console, and powers off.
 *
 * <p>The kernel is Debian's ({@code linux-image-amd64}, with the initramfs its initramfs-tools
 * make), installed once into a copy of the root and cached next to the root's tarball
 * ({@code bookworm-kernel/}). The guest has no network: its config names the device only, so the
 * services it configures (panel, obtp, sip) come UP without the cloud.
 *
 * <p>As a program: {@code QemuBoot DEB WORK_DIR [BOUND_SECONDS]}, printing the markers with the host's
 * seconds since qemu started.
 */
public final class QemuBoot {

    static final String MARK = "ROOMWIRE-QEMU";
    static final String CHECK_UNIT = "roomwire-qemu-check.service";
    static final Path KERNEL_CACHE = DebianRoot.CACHE.resolveSibling(DebianRoot.SUITE + "-kernel");
    private static final Duration SHORT = Duration.ofMinutes(2);

    /** A marker line from the guest and when the host read it, in seconds since qemu started. */
    public record Mark(double hostSeconds, String text) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%7.1f s  %s", hostSeconds, text);
        }
    }

    /** What the boot showed: every marker, whether it passed, the console's last lines for a failure message. */
    public record Result(List<Mark> marks, boolean passed, boolean qemuExited, double seconds, String consoleTail) {
        public double at(String prefix) {
            return marks.stream().filter(m -> m.text().startsWith(prefix)).mapToDouble(Mark::hostSeconds).findFirst().orElse(Double.NaN);
        }
    }

    private QemuBoot() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: QemuBoot DEB WORK_DIR [BOUND_SECONDS]");
        }
        Duration bound = Duration.ofSeconds(args.length > 2 ? Long.parseLong(args[2]) : 1200);
        // The console as it comes (with the host's seconds), then the markers again as a summary.
        Result r = boot(Path.of(args[0]), Path.of(args[1]), bound, 2, true);
        r.marks().forEach(System.out::println);
        System.out.printf(Locale.ROOT, "qemu boot %s in %.1f s%n", r.passed() ? "PASSED" : "FAILED", r.seconds());
        if (!r.passed()) {
            System.out.println(r.consoleTail());
            System.exit(1);
        }
    }

    /**
     * Installs {@code deb} into a fresh root under {@code work}, boots it with {@code cpus} virtual CPUs
     * and returns what the guest reported; {@code echo} prints the serial console as it comes.
     */
    public static Result boot(Path deb, Path work, Duration bound, int cpus, boolean echo) throws IOException, InterruptedException {
        Sh.require("qemu-system-x86_64", "qemu-system-x86", "mkfs.ext4", "e2fsprogs", "debootstrap", "debootstrap", "chroot", "coreutils");
        Path kernel = ensureKernel(work);
        Path disk;
        try (DebianRoot root = DebianRoot.create(work)) {
            installAndPrepare(root, deb);
            root.unmountProc();
            disk = work.resolve("roomwire-qemu.ext4");
            Files.deleteIfExists(disk);
            // The root as an ext4 image (mke2fs -d copies the tree in; no loop mount, no guestfs).
            Sh.run(Duration.ofMinutes(5), "mkfs.ext4", "-q", "-F", "-L", "roomwire", "-E", "root_owner=0:0", "-d", root.dir.toString(),
                    disk.toString(), "2G").ok();
        }
        try {
            return runQemu(kernel, disk, bound, cpus, echo);
        } finally {
            Files.deleteIfExists(disk);
        }
    }

    /** The package installed in {@code root}, and the guest's check unit, script, config and drop-in beside it. */
    static void installAndPrepare(DebianRoot root, Path deb) throws IOException {
        Files.copy(deb, root.host("/tmp/" + deb.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        root.run(SHORT, "dpkg", "-i", "/tmp/" + deb.getFileName()).ok();
        Files.delete(root.host("/tmp/" + deb.getFileName()));
        prepareGuest(root);
    }

    /** The check unit, its script, a config the guest can satisfy, and a root file system mounted read-write. */
    private static void prepareGuest(DebianRoot root) throws IOException {
        Files.writeString(root.host("/etc/hostname"), "roomwire-qemu\n");
        // No fstab entry: the minimal root has no udev, so systemd would wait for a by-label device unit that
        // never appears and go to emergency mode; the kernel mounts the root read-write (rw) and that is all.
        Files.writeString(root.host("/etc/fstab"), "# / is mounted read-write by the kernel (root=LABEL=roomwire rw)\n");
        // The conffile keeps its owner and mode (roomwire, 0640): only its content changes.
        Files.writeString(root.host("/etc/roomwire/roomwire.properties"),
                "# The qemu boot test's room: no network in the guest, so no cloud services are configured.\n"
                        + "device.id = RW-QEMU-1\nagent.log-level = info\n");
        // Emulation without KVM on a shared 2-core host runs the guest 10 to 50 times slower than a device: the
        // unit's 90 s start and 30 s watchdog bounds are for a device, so the guest gets longer ones (the
        // unit itself is unchanged; its other settings, the hardening included, are what the boot tests).
        Path dropIn = root.host("/etc/systemd/system/roomwire.service.d/qemu-slow-guest.conf");
        Files.createDirectories(dropIn.getParent());
        Files.writeString(dropIn, "[Service]\nTimeoutStartSec=20min\nWatchdogSec=10min\n");
        Path script = root.host("/usr/local/sbin/roomwire-qemu-check");
        Files.createDirectories(script.getParent());
        Files.writeString(script, checkScript());
        Sh.run(SHORT, "chmod", "0755", script.toString()).ok();
        Files.writeString(root.host("/etc/systemd/system/" + CHECK_UNIT), """
                [Unit]
                Description=Roomwire qemu boot check: roomwire.service active, restarted after SIGKILL

                [Service]
                Type=oneshot
                TimeoutStartSec=infinity
                ExecStart=/usr/local/sbin/roomwire-qemu-check
                StandardOutput=tty
                StandardError=tty
                TTYPath=/dev/ttyS0

                [Install]
                WantedBy=multi-user.target
                """);
        Path wants = root.host("/etc/systemd/system/multi-user.target.wants");
        Files.createDirectories(wants);
        Files.createSymbolicLink(wants.resolve(CHECK_UNIT), Path.of("/etc/systemd/system/" + CHECK_UNIT));
        // No getty on the serial console: nothing reads it, and it would interleave its prompt with the markers.
        Files.createSymbolicLink(root.host("/etc/systemd/system/serial-getty@ttyS0.service"), Path.of("/dev/null"));
    }

    /** The guest's check, POSIX sh: every wait bounded by the guest's uptime. */
    static String checkScript() {
        return """
                #!/bin/sh
                # Run once at boot by %2$s under qemu (QemuBoot): roomwire.service becomes active
                # (Type=notify: READY=1 from the agent), is restarted after SIGKILL, and the guest powers off.
                up() { cut -d' ' -f1 /proc/uptime; }
                say() { echo "%1$s $*"; }
                # The main PID once roomwire.service is active with a main PID other than $1; waits at most $2 s.
                active_pid() {
                    end=$(( $(cut -d. -f1 /proc/uptime) + $2 ))
                    while [ "$(cut -d. -f1 /proc/uptime)" -lt "$end" ]; do
                        if [ "$(systemctl is-active roomwire)" = active ]; then
                            pid=$(systemctl show -p MainPID --value roomwire)
                            if [ "$pid" != 0 ] && [ "$pid" != "$1" ]; then
                                echo "$pid"
                                return 0
                            fi
                        fi
                        sleep 1
                    done
                    return 1
                }
                fail() {
                    say "FAIL $*"
                    systemctl status --no-pager -n 40 roomwire 2>&1 | sed 's/^/  /'
                    systemctl poweroff
                    exit 1
                }
                say "userspace at $(up) s (guest uptime)"
                pid=$(active_pid 0 900) || fail "roomwire.service not active within 900 s: $(systemctl is-active roomwire)"
                say "active at $(up) s: main PID $pid, STATUS=$(systemctl show -p StatusText --value roomwire)"
                kill -KILL "$pid"
                say "killed $pid with SIGKILL at $(up) s"
                pid2=$(active_pid "$pid" 900) || fail "roomwire.service not active again within 900 s of the kill"
                say "restarted at $(up) s: main PID $pid2, NRestarts=$(systemctl show -p NRestarts --value roomwire), STATUS=$(systemctl show -p StatusText --value roomwire)"
                say "PASS"
                systemctl poweroff
                """.formatted(MARK, CHECK_UNIT);
    }

    private static Result runQemu(Path kernel, Path disk, Duration bound, int cpus, boolean echo) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("qemu-system-x86_64", "-accel", "tcg,thread=multi", "-smp", Integer.toString(cpus),
                "-m", "1536", "-nographic", "-no-reboot", "-nic", "none",
                "-kernel", kernel.resolve("vmlinuz").toString(), "-initrd", kernel.resolve("initrd.img").toString(),
                "-append", "root=LABEL=roomwire rw console=ttyS0 init=/lib/systemd/systemd panic=-1 systemd.show_status=1",
                "-drive", "file=" + disk + ",format=raw,if=virtio"));
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        List<Mark> marks = new ArrayList<>();
        List<String> console = new ArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    double s = (System.nanoTime() - t0) / 1e9;
                    // The serial console carries escape sequences and carriage returns around systemd's status lines.
                    String clean = l.replaceAll("\u001B\\[[0-9;?]*[A-Za-z]", "").replace("\r", "");
                    synchronized (console) {
                        console.add(String.format(Locale.ROOT, "[%6.1f] %s", s, clean));
                        if (echo) {
                            System.out.println(console.get(console.size() - 1));
                        }
                        int at = clean.indexOf(MARK + " ");
                        if (at >= 0) {
                            marks.add(new Mark(s, clean.substring(at + MARK.length() + 1).strip()));
                        }
                    }
                }
            } catch (IOException e) {
                // qemu was stopped: the lines read so far are kept.
            }
        }, "qemu-console");
        reader.setDaemon(true);
        reader.start();
        boolean exited = p.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS);
        if (!exited) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        reader.join(5000);
        double seconds = (System.nanoTime() - t0) / 1e9;
        synchronized (console) {
            boolean passed = marks.stream().anyMatch(m -> m.text().equals("PASS"));
            String tail = String.join("\n", console.subList(Math.max(0, console.size() - 80), console.size()));
            return new Result(List.copyOf(marks), passed, exited, seconds,
                    (exited ? "" : "qemu did not power off within " + bound + "\n") + tail);
        }
    }

    /**
     * Debian's kernel and initramfs, installed once into a copy of the root ({@code apt-get install
     * linux-image-amd64} from the root's own mirror) and cached as {@code vmlinuz} and {@code initrd.img}.
     */
    static synchronized Path ensureKernel(Path work) throws IOException {
        Path stamp = KERNEL_CACHE.resolve("packages");
        String wanted = DebianRoot.SUITE + " linux-image-amd64 initramfs-tools\n";
        if (Files.isRegularFile(KERNEL_CACHE.resolve("vmlinuz")) && Files.isRegularFile(KERNEL_CACHE.resolve("initrd.img"))
                && Files.isRegularFile(stamp) && Files.readString(stamp).equals(wanted)) {
            return KERNEL_CACHE;
        }
        System.out.println("[QemuBoot] installing Debian's kernel into a copy of the root for " + KERNEL_CACHE + " (once; a few minutes)");
        try (DebianRoot root = DebianRoot.create(work)) {
            Files.copy(Path.of("/etc/resolv.conf"), root.host("/etc/resolv.conf"), StandardCopyOption.REPLACE_EXISTING);
            Sh.run(Duration.ofMinutes(20), root.chroot(Map.of("DEBIAN_FRONTEND", "noninteractive"), "sh", "-c",
                    "apt-get update -q && apt-get install -y -q --no-install-recommends linux-image-amd64 initramfs-tools")).ok();
            Path boot = root.host("/boot");
            Path tmp = Files.createDirectories(KERNEL_CACHE.resolveSibling(KERNEL_CACHE.getFileName() + ".tmp"));
            Files.copy(newest(boot, "vmlinuz-"), tmp.resolve("vmlinuz"), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(newest(boot, "initrd.img-"), tmp.resolve("initrd.img"), StandardCopyOption.REPLACE_EXISTING);
            Files.writeString(tmp.resolve("packages"), wanted);
            Sh.run(SHORT, "rm", "-rf", KERNEL_CACHE.toString()).ok();
            Files.move(tmp, KERNEL_CACHE, StandardCopyOption.ATOMIC_MOVE);
        }
        return KERNEL_CACHE;
    }

    private static Path newest(Path dir, String prefix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix)).max(Path::compareTo)
                    .orElseThrow(() -> new IOException("no " + prefix + "* in " + dir));
        }
    }

    /** Seconds between two markers, for the docs' table. */
    static Map<String, Double> phases(Result r) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("qemu start to systemd userspace", r.at("userspace"));
        m.put("qemu start to roomwire.service active", r.at("active"));
        m.put("SIGKILL to active again", r.at("restarted") - r.at("killed"));
        m.put("qemu start to power off", r.seconds());
        return m;
    }
}
