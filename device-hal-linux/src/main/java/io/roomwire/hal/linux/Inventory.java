package io.roomwire.hal.linux;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One look at the room's peripherals through sysfs and procfs: cameras, sound cards, connected
 * displays, USB devices and the hottest thermal zone, each kind with the reason when none is found.
 */
record Inventory(List<Found> found, Map<String, String> absent, Optional<Temperature> temperature) {

    /** One device; {@code key()} identifies it across polls for hot-plug events. */
    record Found(String kind, String id, String name, String detail, boolean capture, boolean playback) {
        String key() {
            return kind + ":" + id;
        }
    }

    /** Millidegrees Celsius of the hottest zone and the trip points that zone declares. */
    record Temperature(String zone, String type, int milliC, int warnAtMilliC, Optional<Integer> criticalMilliC) {
    }

    static final String CAMERA = "camera";
    static final String AUDIO = "audio";
    static final String DISPLAY = "display";
    static final String USB = "usb";
    static final String THERMAL = "temperature";

    /** Without a declared passive/hot trip point, 85 °C is where PCs and SoCs start to throttle. */
    static final int DEFAULT_WARN_MILLI_C = 85_000;

    private static final Pattern CARD = Pattern.compile("^\\s*(\\d+)\\s+\\[([^\\]]*)\\]:\\s*(\\S+)\\s+-\\s+(.*)$");

    List<Found> of(String kind) {
        return found.stream().filter(f -> f.kind().equals(kind)).toList();
    }

    static Inventory scan(HostFiles files) {
        List<Found> found = new ArrayList<>();
        Map<String, String> absent = new LinkedHashMap<>();
        cameras(files, found, absent);
        audio(files, found, absent);
        displays(files, found, absent);
        usb(files, found, absent);
        Optional<Temperature> t = temperature(files, absent);
        return new Inventory(List.copyOf(found), java.util.Collections.unmodifiableMap(absent), t);
    }

    private static void cameras(HostFiles files, List<Found> out, Map<String, String> absent) {
        String dir = "/sys/class/video4linux";
        List<String> notCapture = new ArrayList<>();
        for (String node : files.list(dir)) {
            if (!node.startsWith("video")) {
                continue; // v4l-subdevN and swradioN are not cameras
            }
            String base = dir + "/" + node;
            Reading name = files.text(base + "/name");
            Reading dev = files.text(base + "/dev");
            // udev's v4l_id queried VIDIOC_QUERYCAP for us and stored the answer: no ioctl of our own
            Optional<String> caps = dev.value().filter(d -> d.matches("\\d+:\\d+"))
                    .flatMap(d -> udevProperty(files, "c" + d, "ID_V4L_CAPABILITIES"));
            boolean capture;
            String capsNote;
            if (caps.isPresent()) {
                String c = caps.get();
                // a memory-to-memory codec (Raspberry Pi's bcm2835-codec, ISPs) captures and outputs: not a camera
                capture = c.contains(":capture:") && !c.contains(":video_output:");
                String list = c.replaceAll("^:+|:+$", "").replace(':', ',');
                capsNote = list.isEmpty() ? "no capture or output" : list;
            } else {
                // UVC makes two nodes per camera: index 0 streams video, index 1 streams metadata
                capture = files.text(base + "/index").value().filter("0"::equals).isPresent();
                capsNote = capture ? "capture (assumed from index 0; no udev data)" : "not index 0";
            }
            if (!capture) {
                notCapture.add(node + " (" + capsNote + ")");
                continue;
            }
            Map<String, String> ue = uevent(files, base + "/device/uevent");
            List<String> parts = new ArrayList<>();
            parts.add(node);
            Optional.ofNullable(ue.get("DRIVER")).ifPresent(parts::add);
            usbIds(ue.get("PRODUCT")).ifPresent(id -> parts.add("USB " + id));
            parts.add(capsNote);
            String label = name.value().orElse(node);
            out.add(new Found(CAMERA, node, label, label + " (" + String.join(", ", parts) + ")", true, false));
        }
        if (out.stream().noneMatch(f -> f.kind().equals(CAMERA))) {
            String why = files.whyNoFolder(dir);
            absent.put(CAMERA, !why.isEmpty() ? why + ": no camera driver has registered a video device"
                    : notCapture.isEmpty() ? "no video device in " + dir
                    : "no capture device in " + dir + " (" + String.join(", ", notCapture) + ")");
        }
    }

    /** "46d/85e/317" (uevent PRODUCT, hex without leading zeros) as "046d:085e". */
    private static Optional<String> usbIds(String product) {
        if (product == null) {
            return Optional.empty();
        }
        String[] p = product.split("/");
        if (p.length < 2 || !p[0].matches("[0-9a-fA-F]{1,4}") || !p[1].matches("[0-9a-fA-F]{1,4}")) {
            return Optional.empty();
        }
        return Optional.of(String.format("%04x:%04x", Integer.parseInt(p[0], 16), Integer.parseInt(p[1], 16)));
    }

    private static Map<String, String> uevent(HostFiles files, String path) {
        Map<String, String> m = new LinkedHashMap<>();
        files.lines(path).value().ifPresent(t -> t.lines().forEach(l -> {
            int eq = l.indexOf('=');
            if (eq > 0) {
                m.put(l.substring(0, eq), l.substring(eq + 1).strip());
            }
        }));
        return m;
    }

    /** A property udev recorded for a device: /run/udev/data/c81:0 holds "E:KEY=value" lines. */
    private static Optional<String> udevProperty(HostFiles files, String id, String key) {
        return files.lines("/run/udev/data/" + id).value().flatMap(t -> t.lines()
                .filter(l -> l.startsWith("E:" + key + "=")).map(l -> l.substring(key.length() + 3)).findFirst());
    }

    private static void audio(HostFiles files, List<Found> out, Map<String, String> absent) {
        Reading cards = files.lines("/proc/asound/cards");
        if (!cards.ok()) {
            String why = cards.reason() + ": no ALSA sound driver is loaded";
            absent.put("microphone", why);
            absent.put("speaker", why);
            return;
        }
        for (String line : cards.get().split("\n")) {
            Matcher m = CARD.matcher(line);
            if (!m.matches()) {
                continue;
            }
            String n = m.group(1);
            List<String> pcms = files.list("/proc/asound/card" + n);
            boolean capture = pcms.stream().anyMatch(p -> p.matches("pcm\\d+c"));
            boolean playback = pcms.stream().anyMatch(p -> p.matches("pcm\\d+p"));
            String name = m.group(4).strip();
            String dirs = (capture ? "capture" : "") + (capture && playback ? ", " : "") + (playback ? "playback" : "");
            out.add(new Found(AUDIO, "card" + n, name, name + " (card " + n + ", " + m.group(3)
                    + (dirs.isEmpty() ? ", no PCM streams" : ", " + dirs) + ")", capture, playback));
        }
        List<Found> a = out.stream().filter(f -> f.kind().equals(AUDIO)).toList();
        if (a.isEmpty()) {
            absent.put("microphone", "no sound card in /proc/asound/cards");
            absent.put("speaker", "no sound card in /proc/asound/cards");
            return;
        }
        if (a.stream().noneMatch(Found::capture)) {
            absent.put("microphone", "no sound card can capture (" + a.size() + " card(s), playback only)");
        }
        if (a.stream().noneMatch(Found::playback)) {
            absent.put("speaker", "no sound card can play (" + a.size() + " card(s), capture only)");
        }
    }

    private static void displays(HostFiles files, List<Found> out, Map<String, String> absent) {
        String dir = "/sys/class/drm";
        List<String> off = new ArrayList<>();
        for (String c : files.list(dir)) {
            if (!c.matches("card\\d+-.+")) {
                continue; // card0, renderD128 and version are not connectors
            }
            String base = dir + "/" + c;
            Reading status = files.text(base + "/status");
            if (!status.ok() || !status.get().equals("connected")) {
                off.add(c + " " + status.value().orElse("status unreadable"));
                continue;
            }
            String connector = c.substring(c.indexOf('-') + 1);
            HostFiles.Bytes edid = files.bytes(base + "/edid");
            String label;
            String note;
            if (edid.data() == null || edid.data().length == 0) {
                label = connector + " display";
                note = "no EDID";
            } else {
                try {
                    Edid e = Edid.parse(edid.data());
                    label = e.monitorName().orElse(e.manufacturer() + " display");
                    note = e.manufacturer() + (e.monitorName().isPresent() ? "" : ", EDID has no monitor name");
                } catch (IllegalArgumentException ex) {
                    label = connector + " display";
                    note = ex.getMessage();
                }
            }
            out.add(new Found(DISPLAY, c, label, label + " (" + connector + ", " + note + ")", false, false));
        }
        if (out.stream().noneMatch(f -> f.kind().equals(DISPLAY))) {
            String why = files.whyNoFolder(dir);
            absent.put(DISPLAY, !why.isEmpty() ? why + ": no graphics (DRM) driver is loaded"
                    : off.isEmpty() ? "no display connector in " + dir : "no display connected (" + String.join(", ", off) + ")");
        }
    }

    private static void usb(HostFiles files, List<Found> out, Map<String, String> absent) {
        String dir = "/sys/bus/usb/devices";
        for (String d : files.list(dir)) {
            // "1-2" and "1-2.4" are devices; "usb1" root hubs and "1-2:1.0" interfaces are not
            if (!d.matches("\\d+-\\d+(\\.\\d+)*")) {
                continue;
            }
            String base = dir + "/" + d;
            if (files.text(base + "/bDeviceClass").value().filter("09"::equals).isPresent()) {
                continue; // hubs
            }
            Optional<String> vid = files.text(base + "/idVendor").value().filter(v -> v.matches("[0-9a-fA-F]{4}"));
            Optional<String> pid = files.text(base + "/idProduct").value().filter(v -> v.matches("[0-9a-fA-F]{4}"));
            String ids = vid.isPresent() && pid.isPresent() ? vid.get() + ":" + pid.get() : "ids unreadable";
            Optional<String> product = files.text(base + "/product").value();
            Optional<String> maker = files.text(base + "/manufacturer").value();
            String label = product.map(p -> maker.filter(m -> !p.startsWith(m)).map(m -> m + " " + p).orElse(p))
                    .orElse("USB device " + ids);
            Optional<String> speed = files.text(base + "/speed").value().filter(s -> s.matches("\\d+(\\.\\d+)?"));
            out.add(new Found(USB, d, label, label + " (" + ids + ", bus port " + d
                    + speed.map(s -> ", " + s + " Mbit/s").orElse("") + ")", false, false));
        }
        if (out.stream().noneMatch(f -> f.kind().equals(USB))) {
            String why = files.whyNoFolder(dir);
            absent.put(USB, !why.isEmpty() ? why + ": no USB controller" : "no USB device plugged in");
        }
    }

    private static Optional<Temperature> temperature(HostFiles files, Map<String, String> absent) {
        String dir = "/sys/class/thermal";
        Temperature hottest = null;
        List<String> bad = new ArrayList<>();
        for (String z : files.list(dir)) {
            if (!z.startsWith("thermal_zone")) {
                continue; // cooling_deviceN
            }
            String base = dir + "/" + z;
            Reading temp = files.text(base + "/temp");
            if (!temp.ok() || !temp.get().matches("-?\\d{1,7}")) {
                bad.add(temp.ok() ? base + "/temp holds '" + temp.get() + "', not millidegrees" : temp.reason());
                continue;
            }
            int warn = Integer.MAX_VALUE;
            Optional<Integer> critical = Optional.empty();
            for (int i = 0; i < 32; i++) {
                Reading type = files.text(base + "/trip_point_" + i + "_type");
                Reading t = files.text(base + "/trip_point_" + i + "_temp");
                if (!type.ok()) {
                    break;
                }
                if (!t.ok() || !t.get().matches("-?\\d{1,7}") || Integer.parseInt(t.get()) <= 0) {
                    continue;
                }
                int v = Integer.parseInt(t.get());
                if (type.get().equals("critical")) {
                    critical = Optional.of(critical.map(c -> Math.min(c, v)).orElse(v));
                } else if (type.get().equals("passive") || type.get().equals("hot")) {
                    warn = Math.min(warn, v);
                }
            }
            Temperature cur = new Temperature(z, files.text(base + "/type").value().orElse(z), Integer.parseInt(temp.get()),
                    warn == Integer.MAX_VALUE ? DEFAULT_WARN_MILLI_C : warn, critical);
            if (hottest == null || cur.milliC() > hottest.milliC()) {
                hottest = cur;
            }
        }
        if (hottest == null) {
            String why = files.whyNoFolder(dir);
            absent.put(THERMAL, !why.isEmpty() ? why : bad.isEmpty() ? "no thermal zone in " + dir : String.join("; ", bad));
        }
        return Optional.ofNullable(hottest);
    }
}
