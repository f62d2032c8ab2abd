package io.roomwire.agent.diag;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.roomwire.agent.Version;
import io.roomwire.agent.config.Config;
import io.roomwire.core.log.LogScrubber;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A support bundle an operator attaches to a support case (a zip, 0600): the version, the
 * configuration with secrets masked, health, recent log lines, peripherals, network interfaces
 * and the last call's media figures. Every entry's text goes through {@link LogScrubber} once
 * more and is capped at {@value #MAX_ENTRY_BYTES} bytes (logs keep their newest lines), so a
 * bundle never exceeds {@link #MAX_BYTES}.
 */
public final class DiagnosticsBundle {

    public static final int MAX_ENTRY_BYTES = 512 * 1024;
    public static final int MAX_LOG_LINES = 2_000;
    /** The zip's own headers, the README and eight capped entries (stored at worst). */
    public static final int MAX_BYTES = 9 * MAX_ENTRY_BYTES;
    /** Bundles kept in a folder by {@link #write}: the oldest beyond these are removed. */
    public static final int KEEP = 3;

    static final String PREFIX = "roomwire-diagnostics-";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    /**
     * What goes in: {@code health} by service (or how it was read), {@code logs} oldest first,
     * {@code lastCall} the media figures of the last call (empty object when none is known).
     */
    public record Contents(String deviceId, Instant collectedAt, String collectedBy, Config config, JsonObject health,
                           List<String> logs, JsonElement peripherals, JsonObject lastCall) { }

    /** The bundle as written: its path, size, SHA-256 and entry names. */
    public record Written(Path file, byte[] bytes, String sha256, List<String> entries) { }

    private DiagnosticsBundle() {
    }

    /** The bundle's entries, in order, as the text each holds (already scrubbed and capped). */
    static Map<String, String> entries(Contents c) {
        Map<String, String> e = new LinkedHashMap<>();
        e.put("README.txt", """
                Roomwire diagnostics bundle
                version.json       the agent, Java and OS versions, when and by what this was collected
                config.properties  the configuration in force, secrets masked (***)
                health.json        each service's health
                logs.txt           recent log lines, scrubbed of tokens, passwords and keys
                peripherals.json   camera, microphone, speaker, display, touch panel
                network.json       network interfaces and name servers
                last-call.json     the last call's media figures (packets, loss, jitter, round trip)
                """);
        JsonObject v = new JsonObject();
        v.addProperty("roomwire", Version.get());
        v.addProperty("device", c.deviceId());
        v.addProperty("collectedAt", c.collectedAt().toString());
        v.addProperty("collectedBy", c.collectedBy());
        v.addProperty("java", System.getProperty("java.runtime.version", System.getProperty("java.version")));
        v.addProperty("javaVendor", System.getProperty("java.vendor"));
        v.addProperty("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        e.put("version.json", json(v));
        StringBuilder cfg = new StringBuilder("# the configuration in force (file, defaults and ROOMWIRE_* overrides); secrets masked\n");
        c.config().toMaskedMap().forEach((k, val) -> cfg.append(k).append(" = ").append(val).append('\n'));
        e.put("config.properties", cfg.toString());
        e.put("health.json", json(c.health()));
        e.put("logs.txt", newestLines(c.logs()));
        e.put("peripherals.json", json(c.peripherals()));
        e.put("network.json", json(network(Path.of("/etc/resolv.conf"))));
        e.put("last-call.json", json(c.lastCall()));
        Map<String, String> scrubbed = new LinkedHashMap<>();
        e.forEach((name, text) -> scrubbed.put(name, cap(LogScrubber.scrub(text))));
        return scrubbed;
    }

    /** The bundle as zip bytes; entries carry the collection time, so the same contents give the same bytes. */
    public static byte[] zip(Contents c) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(buf, StandardCharsets.UTF_8)) {
            zip.setLevel(9);
            for (Map.Entry<String, String> e : entries(c).entrySet()) {
                ZipEntry entry = new ZipEntry(e.getKey());
                entry.setLastModifiedTime(FileTime.from(c.collectedAt()));
                zip.putNextEntry(entry);
                zip.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing a zip to memory", e);
        }
        return buf.toByteArray();
    }

    /**
     * Writes the bundle into {@code dir} (made 0700 when missing) as
     * {@code roomwire-diagnostics-<device>-<UTC>.zip}, mode 0600 from its creation, then removes
     * all but the newest {@value #KEEP} bundles there.
     */
    public static Written write(Path dir, Contents c) throws IOException {
        byte[] bytes = zip(c);
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        String name = PREFIX + c.deviceId().replaceAll("[^A-Za-z0-9_.-]", "-") + "-" + STAMP.format(c.collectedAt()) + ".zip";
        Path file = dir.resolve(name);
        Path tmp = dir.resolve("." + name + ".tmp");
        Files.deleteIfExists(tmp);
        try (SeekableByteChannel ch = Files.newByteChannel(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            ch.write(java.nio.ByteBuffer.wrap(bytes));
        } catch (FileAlreadyExistsException e) {
            throw new IOException("another collection is writing " + tmp + "; try again in a moment", e);
        }
        // A umask or ACL may not narrow what createFile set, but an existing wider mode must not survive.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        pruneOld(dir);
        return new Written(file, bytes, sha256(bytes), List.copyOf(entries(c).keySet()));
    }

    private static void pruneOld(Path dir) throws IOException {
        List<Path> bundles;
        try (Stream<Path> s = Files.list(dir)) {
            bundles = s.filter(p -> p.getFileName().toString().startsWith(PREFIX) && p.toString().endsWith(".zip"))
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString().replaceAll(".*-(\\d{8}T\\d{6}Z)\\.zip", "$1"))
                            .reversed()).toList();
        }
        for (Path old : bundles.subList(Math.min(KEEP, bundles.size()), bundles.size())) {
            Files.deleteIfExists(old);
        }
    }

    /** Network interfaces (name, state, MTU, addresses with prefix) and the name servers of {@code resolvConf}. */
    static JsonObject network(Path resolvConf) {
        JsonObject o = new JsonObject();
        JsonArray ifs = new JsonArray();
        try {
            List<NetworkInterface> all = Collections.list(NetworkInterface.getNetworkInterfaces());
            all.sort(Comparator.comparing(NetworkInterface::getName));
            for (NetworkInterface ni : all) {
                JsonObject j = new JsonObject();
                j.addProperty("name", ni.getName());
                j.addProperty("up", ni.isUp());
                j.addProperty("loopback", ni.isLoopback());
                j.addProperty("mtu", ni.getMTU());
                JsonArray addrs = new JsonArray();
                for (InterfaceAddress a : ni.getInterfaceAddresses()) {
                    InetAddress ip = a.getAddress();
                    addrs.add(ip.getHostAddress().replaceFirst("%.*", "") + "/" + a.getNetworkPrefixLength());
                }
                j.add("addresses", addrs);
                ifs.add(j);
            }
        } catch (SocketException e) {
            o.addProperty("interfacesError", "cannot list interfaces: " + e.getMessage());
        }
        o.add("interfaces", ifs);
        JsonArray dns = new JsonArray();
        try {
            if (Files.isReadable(resolvConf)) {
                Files.readAllLines(resolvConf).stream().map(String::strip).filter(l -> l.startsWith("nameserver"))
                        .map(l -> l.substring("nameserver".length()).strip()).forEach(dns::add);
            }
        } catch (IOException e) {
            o.addProperty("nameserversError", "cannot read " + resolvConf + ": " + e.getMessage());
        }
        o.add("nameservers", dns);
        return o;
    }

    /**
     * The newest of {@code lines} that fit {@value #MAX_LOG_LINES} lines and {@value #MAX_ENTRY_BYTES} bytes,
     * oldest first. Scrubbed as one text before the cut: a journal gives a PEM key one line at a time,
     * and only the whole block shows where it begins and ends.
     */
    static String newestLines(List<String> lines) {
        List<String> all = LogScrubber.scrub(String.join("\n", lines)).lines().toList();
        List<String> kept = new ArrayList<>();
        int bytes = 0;
        for (int i = all.size() - 1; i >= 0 && kept.size() < MAX_LOG_LINES; i--) {
            String l = all.get(i) + "\n";
            int n = l.getBytes(StandardCharsets.UTF_8).length;
            if (bytes + n > MAX_ENTRY_BYTES) {
                break;
            }
            kept.add(l);
            bytes += n;
        }
        Collections.reverse(kept);
        return String.join("", kept);
    }

    private static String cap(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        if (b.length <= MAX_ENTRY_BYTES) {
            return text;
        }
        String marker = "\n[truncated at " + MAX_ENTRY_BYTES + " bytes]\n";
        // Decoding a cut byte array may end in a replacement character: harmless in a text for people.
        return new String(b, 0, MAX_ENTRY_BYTES - marker.length(), StandardCharsets.UTF_8) + marker;
    }

    private static String json(JsonElement e) {
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(e == null ? new JsonObject() : e) + "\n";
    }

    private static String sha256(byte[] bytes) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is in every Java runtime", e);
        }
    }
}
