package io.roomwire.hal.linux;

import io.roomwire.hal.DeviceInfo;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Identity and security posture of a Linux room PC, read from os-release, SMBIOS (DMI), the device
 * tree, /proc/cpuinfo, machine-id, sysfs and efivars below a root path.
 *
 * <p>Identity is read once; the posture (encryption, Secure Boot, debug) is read again by
 * {@link #refresh()}, which {@link LinuxDevice} calls on its poll, so accessors never touch the disk.
 *
 * <p>"Debug" on a Linux room PC means any way in that a production room does not need: a kernel
 * command line that opens a shell or a debugger ({@code init=/bin/sh}, {@code rd.break},
 * {@code systemd.debug_shell}, {@code single}, {@code kgdboc} ...), systemd's debug-shell.service
 * enabled (a root shell on tty9), an SSH server enabled or running (unless the owner says SSH is the
 * sanctioned support path), or the agent itself logging at debug or trace.
 */
public final class LinuxDeviceInfo implements DeviceInfo {

    /** EFI global variable GUID (UEFI 2.10 section 3.3); the 5th byte is the value after 4 attribute bytes. */
    static final String SECURE_BOOT_VAR = "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c";

    private static final String DMI = "/sys/class/dmi/id/";

    /** Values vendors leave in SMBIOS strings they did not fill in (as fwupd and systemd's hwdb filter them). */
    private static final Set<String> PLACEHOLDERS = Set.of("to be filled by o.e.m.", "default string", "system product name",
            "system manufacturer", "system serial number", "system version", "not specified", "not applicable", "none",
            "n/a", "na", "oem", "o.e.m.", "type1productconfigid", "base board serial number", "chassis serial number",
            "invalid", "0123456789", "123456789", "1234567890", "serial", "x.x", "unknown");

    private static final Set<String> DEBUG_CMDLINE = Set.of("init=/bin/sh", "init=/bin/bash", "rd.break", "rd.shell",
            "systemd.debug_shell", "systemd.debug-shell", "single", "emergency", "rescue", "s", "1",
            "systemd.unit=rescue.target", "systemd.unit=emergency.target", "kgdbwait", "debug");

    private static final String[] SSH_UNITS = {"/etc/systemd/system/multi-user.target.wants/ssh.service",
        "/etc/systemd/system/multi-user.target.wants/sshd.service", "/etc/systemd/system/sockets.target.wants/ssh.socket",
        "/etc/systemd/system/sockets.target.wants/sshd.socket"};

    /** Application id mixed into machine-id so the serial we derive does not reveal it (as sd_id128_get_machine_app_specific). */
    private static final byte[] APP_ID = HexFormat.of().parseHex("6f1c2a4e9b5d4f0e8a7c3b2d1e0f9a8b");

    private final HostFiles files;
    private final boolean sshIsDebug;
    private final boolean agentDebug;
    private final Map<String, Fact> identity;
    private volatile Map<String, Fact> posture = Map.of();
    private volatile boolean encrypted;
    private volatile boolean secureBoot;
    private volatile boolean debug = true;

    /** A value and where it came from, or {@link DeviceInfo#UNKNOWN} and why. */
    public record Fact(String value, String note) {
        public boolean known() {
            return !UNKNOWN.equals(value);
        }
    }

    /**
     * @param sshIsDebug whether an enabled or running SSH server counts as debug mode
     * @param agentDebug whether the agent runs with debug or trace logging
     */
    LinuxDeviceInfo(HostFiles files, boolean sshIsDebug, boolean agentDebug) {
        this.files = files;
        this.sshIsDebug = sshIsDebug;
        this.agentDebug = agentDebug;
        this.identity = readIdentity();
        refresh();
    }

    @Override public String serialNumber() { return identity.get("serialNumber").value(); }
    @Override public String manufacturer() { return identity.get("manufacturer").value(); }
    @Override public String model() { return identity.get("model").value(); }
    @Override public String firmwareVersion() { return identity.get("firmwareVersion").value(); }
    @Override public String hardwareVersion() { return identity.get("hardwareVersion").value(); }
    @Override public String macAddress() { return identity.get("macAddress").value(); }
    @Override public String osEdition() { return identity.get("osEdition").value(); }
    @Override public boolean storageEncrypted() { return encrypted; }
    @Override public boolean secureBoot() { return secureBoot; }
    @Override public boolean debugEnabled() { return debug; }

    /** CPU model and count from /proc/cpuinfo. */
    public String cpu() {
        return identity.get("cpu").value();
    }

    /** Every fact with its source or the reason it is unknown, in a stable order. */
    public Map<String, Fact> facts() {
        Map<String, Fact> all = new LinkedHashMap<>(identity);
        all.putAll(posture);
        return all;
    }

    @Override
    public Map<String, String> unknownReasons() {
        Map<String, String> m = new LinkedHashMap<>();
        facts().forEach((k, f) -> {
            if (!f.known()) {
                m.put(k, f.note());
            }
        });
        return m;
    }

    /** Reads encryption, Secure Boot and debug state again. */
    public void refresh() {
        Map<String, Fact> p = new LinkedHashMap<>();
        Fact enc = readEncryption();
        Fact sb = readSecureBoot();
        Fact dbg = readDebug();
        p.put("storageEncrypted", enc);
        p.put("secureBoot", sb);
        p.put("debugEnabled", dbg);
        // Unknown posture fails compliance: an unreadable state is not evidence of a safe one.
        encrypted = enc.known() && Boolean.parseBoolean(enc.value());
        secureBoot = sb.known() && Boolean.parseBoolean(sb.value());
        debug = !dbg.known() || Boolean.parseBoolean(dbg.value());
        posture = java.util.Collections.unmodifiableMap(p);
    }

    private Map<String, Fact> readIdentity() {
        Map<String, Fact> m = new LinkedHashMap<>();
        Reading cpuinfo = files.lines("/proc/cpuinfo");
        Map<String, String> cpu = cpuinfo.ok() ? cpuFields(cpuinfo.get()) : Map.of();
        m.put("serialNumber", serial(cpu));
        m.put("manufacturer", fact(dmi("sys_vendor").or(() -> dmi("board_vendor")).or(this::deviceTreeVendor)));
        m.put("model", fact(dmi("product_name").or(() -> dmi("board_name"))
                .or(() -> files.text("/proc/device-tree/model"))));
        m.put("hardwareVersion", fact(dmi("product_version").or(() -> dmi("board_version"))
                .or(() -> cpuField(cpu, cpuinfo, "Revision"))));
        // os-release(5): /etc/os-release first, /usr/lib/os-release as the fallback
        Reading osFile = files.lines("/etc/os-release").or(() -> files.lines("/usr/lib/os-release"));
        OsRelease os = OsRelease.parse(osFile.value().orElse(""));
        String osSource = osFile.ok() ? osFile.source() : "/etc/os-release";
        m.put("firmwareVersion", fact(first(os, osSource, "IMAGE_VERSION", "VERSION_ID", "BUILD_ID")
                .or(() -> files.text("/proc/sys/kernel/osrelease"))));
        m.put("osEdition", fact(first(os, osSource, "PRETTY_NAME", "NAME")));
        m.put("macAddress", mac());
        m.put("cpu", cpuinfo.ok() ? cpuDescription(cpuinfo.get()) : new Fact(UNKNOWN, cpuinfo.reason()));
        if (!files.exists("/sys/class/dmi/id") && !files.exists("/proc/device-tree")) {
            String why = "no SMBIOS tables (/sys/class/dmi/id is missing) and no device tree"
                    + (cpuinfo.ok() && cpuinfo.get().contains(" hypervisor") ? ": a virtual machine without SMBIOS" : "");
            for (String k : List.of("manufacturer", "model", "hardwareVersion")) {
                m.computeIfPresent(k, (key, f) -> f.known() ? f : new Fact(UNKNOWN, why));
            }
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    private static Fact fact(Reading r) {
        return r.ok() ? new Fact(r.get(), r.source()) : new Fact(UNKNOWN, r.reason());
    }

    private Reading dmi(String name) {
        Reading r = files.text(DMI + name);
        if (r.ok() && isPlaceholder(r.get())) {
            return Reading.none(DMI + name + " holds the placeholder '" + r.get() + "'");
        }
        return r;
    }

    static boolean isPlaceholder(String v) {
        String s = v.strip().toLowerCase(Locale.ROOT);
        // all one character ("0000000", "FFFFFFFF", "........") is a filler too
        return PLACEHOLDERS.contains(s) || s.chars().distinct().count() == 1;
    }

    private Reading deviceTreeVendor() {
        // compatible is NUL-separated "vendor,board" strings, most specific first
        HostFiles.Bytes b = files.bytes("/proc/device-tree/compatible");
        if (b.data() == null) {
            return Reading.none(b.reason());
        }
        String first = new String(b.data(), StandardCharsets.US_ASCII).split("\0")[0];
        int comma = first.indexOf(',');
        return comma > 0 && first.substring(0, comma).matches("[a-z0-9-]+")
                ? Reading.of(first.substring(0, comma), "/proc/device-tree/compatible")
                : Reading.none("/proc/device-tree/compatible has no vendor prefix");
    }

    private Fact serial(Map<String, String> cpu) {
        Reading r = dmi("product_serial").or(() -> dmi("board_serial"))
                .or(() -> files.text("/proc/device-tree/serial-number"))
                .or(() -> {
                    String s = cpu.get("Serial");
                    return s != null && !isPlaceholder(s) ? Reading.of(s, "/proc/cpuinfo Serial")
                            : Reading.none("/proc/cpuinfo has no Serial");
                });
        if (r.ok()) {
            return new Fact(r.get(), r.source());
        }
        Reading id = files.text("/etc/machine-id");
        if (id.ok() && id.get().matches("[0-9a-f]{32}") && !isPlaceholder(id.get())) {
            return new Fact("LNX-" + appSpecific(id.get()), "derived from /etc/machine-id (no hardware serial: "
                    + r.reason() + ")");
        }
        String why = id.ok() ? "/etc/machine-id is not 32 hex digits" : id.reason();
        return new Fact(UNKNOWN, r.reason() + "; " + why);
    }

    /** HMAC-SHA256(machine-id, app id), first 8 bytes: stable per machine, and machine-id stays private. */
    private static String appSpecific(String machineId) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(HexFormat.of().parseHex(machineId), "HmacSHA256"));
            byte[] h = mac.doFinal(APP_ID);
            return HexFormat.of().withUpperCase().formatHex(h, 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }

    private Reading first(OsRelease os, String file, String... keys) {
        for (String k : keys) {
            Optional<String> v = os.get(k);
            if (v.isPresent()) {
                return Reading.of(v.get(), k + " in " + file);
            }
        }
        return Reading.none(os.isEmpty() ? "neither /etc/os-release nor /usr/lib/os-release could be read"
                : file + " has no " + String.join(" or ", keys));
    }

    private static Map<String, String> cpuFields(String text) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                m.putIfAbsent(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
            }
        }
        return m;
    }

    private static Reading cpuField(Map<String, String> cpu, Reading cpuinfo, String key) {
        if (!cpuinfo.ok()) {
            return Reading.none(cpuinfo.reason());
        }
        String v = cpu.get(key);
        return v == null || v.isBlank() ? Reading.none("/proc/cpuinfo has no " + key) : Reading.of(v, "/proc/cpuinfo " + key);
    }

    private static Fact cpuDescription(String text) {
        Map<String, String> f = cpuFields(text);
        long n = text.lines().filter(l -> l.startsWith("processor")).count();
        // x86 says "model name"; arm64 kernels say only "CPU part" unless the SoC has a "Hardware"/"Model" line
        String name = Optional.ofNullable(f.get("model name")).or(() -> Optional.ofNullable(f.get("Hardware")))
                .or(() -> Optional.ofNullable(f.get("CPU part")).map(p -> "ARM CPU part " + p)).orElse(null);
        if (name == null || n == 0) {
            return new Fact(UNKNOWN, "/proc/cpuinfo names no processor model");
        }
        return new Fact(name + " x" + n, "/proc/cpuinfo");
    }

    private Fact mac() {
        String iface = defaultRouteInterface().orElse(null);
        List<String> candidates = new ArrayList<>();
        if (iface != null) {
            candidates.add(iface);
        }
        for (String n : files.list("/sys/class/net")) {
            // a "device" link means real hardware; bridges, tunnels, ifb and lo have none
            if (!n.equals(iface) && files.exists("/sys/class/net/" + n + "/device")) {
                candidates.add(n);
            }
        }
        if (candidates.isEmpty()) {
            String why = files.whyNoFolder("/sys/class/net");
            return new Fact(UNKNOWN, why.isEmpty() ? "no default route and no hardware network interface" : why);
        }
        List<String> reasons = new ArrayList<>();
        for (String n : candidates) {
            Reading a = files.text("/sys/class/net/" + n + "/address");
            if (a.ok() && a.get().matches("([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}") && !a.get().equals("00:00:00:00:00:00")) {
                return new Fact(a.get().toLowerCase(Locale.ROOT), "interface " + n
                        + (n.equals(iface) ? " (default route)" : ""));
            }
            reasons.add(a.ok() ? "/sys/class/net/" + n + "/address is not a MAC address" : a.reason());
        }
        return new Fact(UNKNOWN, String.join("; ", reasons));
    }

    private Optional<String> defaultRouteInterface() {
        Reading r = files.lines("/proc/net/route");
        if (!r.ok()) {
            return Optional.empty();
        }
        for (String line : r.get().split("\n")) {
            String[] f = line.trim().split("\\s+");
            // Iface Destination Gateway Flags ...: destination 0 is the default route
            if (f.length > 3 && f[1].equals("00000000") && !f[0].equals("Iface")) {
                return Optional.of(f[0]);
            }
        }
        return Optional.empty();
    }

    private Fact readEncryption() {
        Reading mi = files.lines("/proc/self/mountinfo");
        if (!mi.ok()) {
            return new Fact(UNKNOWN, mi.reason());
        }
        String dev = null;
        String fs = null;
        for (String line : mi.get().split("\n")) {
            // proc(5): ID PARENT MAJ:MIN ROOT MOUNTPOINT ... - FSTYPE SOURCE ...; the last "/" mount is the visible one
            String[] f = line.trim().split(" ");
            int dash = List.of(f).indexOf("-");
            if (f.length > 4 && f[4].equals("/") && dash > 0 && dash + 1 < f.length) {
                dev = f[2];
                fs = f[dash + 1];
            }
        }
        if (dev == null) {
            return new Fact(UNKNOWN, "/proc/self/mountinfo has no root filesystem");
        }
        if (dev.startsWith("0:")) {
            return new Fact(UNKNOWN, "the root filesystem is " + fs + " on no block device");
        }
        String name = blockDevice(dev);
        if (name == null) {
            return new Fact(UNKNOWN, "no block device " + dev + " under /sys/block (root filesystem " + fs + ")");
        }
        List<String> seen = new ArrayList<>();
        Optional<String> crypt = cryptBelow(name, seen, 0);
        if (crypt.isPresent()) {
            return new Fact("true", "root filesystem on dm-crypt " + crypt.get());
        }
        return new Fact("false", "root filesystem " + fs + " on " + String.join(" > ", seen) + ", no dm-crypt layer");
    }

    /** The /sys/block name (disk or partition) whose dev file says {@code majMin}. */
    private String blockDevice(String majMin) {
        for (String disk : files.list("/sys/block")) {
            if (files.text("/sys/block/" + disk + "/dev").value().filter(majMin::equals).isPresent()) {
                return disk;
            }
            for (String part : files.list("/sys/block/" + disk)) {
                if (part.startsWith(disk) && files.text("/sys/block/" + disk + "/" + part + "/dev").value()
                        .filter(majMin::equals).isPresent()) {
                    return part;
                }
            }
        }
        return null;
    }

    /** Walks device-mapper layers down through slaves (LVM on LUKS) looking for a CRYPT- target. */
    private Optional<String> cryptBelow(String name, List<String> seen, int depth) {
        seen.add(name);
        if (depth > 8 || !name.startsWith("dm-")) {
            return Optional.empty();
        }
        Reading uuid = files.text("/sys/block/" + name + "/dm/uuid");
        // cryptsetup names its targets CRYPT-<TYPE>-<uuid>-<name> (LUKS1, LUKS2, PLAIN)
        if (uuid.ok() && uuid.get().startsWith("CRYPT-")) {
            Reading dmName = files.text("/sys/block/" + name + "/dm/name");
            return Optional.of(name + dmName.value().map(n -> " (" + n + ")").orElse(""));
        }
        for (String slave : files.list("/sys/block/" + name + "/slaves")) {
            Optional<String> c = cryptBelow(slave, seen, depth + 1);
            if (c.isPresent()) {
                return c;
            }
        }
        return Optional.empty();
    }

    private Fact readSecureBoot() {
        if (!files.exists("/sys/firmware/efi")) {
            return new Fact("false", "booted without UEFI (/sys/firmware/efi is missing), so no Secure Boot");
        }
        HostFiles.Bytes b = files.bytes(SECURE_BOOT_VAR);
        if (b.data() == null) {
            if (b.reason().endsWith("is missing") && files.exists("/sys/firmware/efi/efivars")) {
                return new Fact("false", "UEFI firmware without a SecureBoot variable");
            }
            return new Fact(UNKNOWN, b.reason());
        }
        if (b.data().length != 5) {
            return new Fact(UNKNOWN, SECURE_BOOT_VAR + " is " + b.data().length + " bytes, expected 4 attribute bytes and 1 value");
        }
        int v = b.data()[4] & 0xFF;
        if (v > 1) {
            return new Fact(UNKNOWN, SECURE_BOOT_VAR + " holds " + v + ", expected 0 or 1");
        }
        return new Fact(Boolean.toString(v == 1), v == 1 ? "UEFI SecureBoot variable is 1" : "UEFI SecureBoot variable is 0");
    }

    private Fact readDebug() {
        // lines(): a real command line can be longer than any single sysfs value
        Reading cmdline = files.lines("/proc/cmdline");
        if (!cmdline.ok()) {
            return new Fact(UNKNOWN, cmdline.reason());
        }
        List<String> why = new ArrayList<>();
        for (String arg : cmdline.get().strip().split("\\s+")) {
            if (arg.equals("--")) {
                break; // what follows is for init, not the kernel
            }
            String a = arg.toLowerCase(Locale.ROOT);
            if (DEBUG_CMDLINE.contains(a) || a.startsWith("kgdboc=") || a.startsWith("systemd.debug_shell=")
                    || a.startsWith("systemd.debug-shell=")) {
                why.add("kernel command line has " + arg);
            }
        }
        if (files.exists("/etc/systemd/system/sysinit.target.wants/debug-shell.service")) {
            why.add("debug-shell.service is enabled (root shell on tty9)");
        }
        if (sshIsDebug) {
            for (String unit : SSH_UNITS) {
                if (files.exists(unit)) {
                    why.add("SSH server enabled (" + unit.substring(unit.lastIndexOf('/') + 1) + ")");
                    break;
                }
            }
            sshdRunning().ifPresent(why::add);
        }
        if (agentDebug) {
            why.add("the agent logs at debug or trace level");
        }
        return why.isEmpty() ? new Fact("false", "no debug kernel arguments, debug shell, SSH server or agent debug logging")
                : new Fact("true", String.join("; ", why));
    }

    private Optional<String> sshdRunning() {
        Reading pid = files.text("/run/sshd.pid");
        if (!pid.ok() || !pid.get().matches("\\d{1,9}")) {
            return Optional.empty();
        }
        Reading comm = files.text("/proc/" + pid.get() + "/comm");
        return comm.ok() && comm.get().startsWith("sshd") ? Optional.of("SSH server running (pid " + pid.get() + ")")
                : Optional.empty();
    }
}
