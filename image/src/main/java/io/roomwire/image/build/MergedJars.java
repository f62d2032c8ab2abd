package io.roomwire.image.build;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Merges the shrunk third-party jars of the installed layout's {@code lib/} into one, {@value #MERGED} (the image
 * module's {@code package} phase runs this after ProGuard). Each jar on the class path costs the start: the JVM's
 * class loader opens it, reads its central directory and its manifest, and every class-path resource look-up
 * (tinylog's, Paho's and the JDK's service files) asks each jar in turn. With the package's 51 library jars as one,
 * the installed agent reaches all services UP ~55 ms sooner with ~90 ms less CPU (docs/performance.md, round 15).
 * The agent's own jars ({@code roomwire-*}) stay apart, as built.
 *
 * <p>What the merge keeps: every class (two different classes of one name fail the build: the class path would
 * have loaded only the first); {@code META-INF/services} files joined, so every provider stays visible to
 * {@code ServiceLoader}; any other resource once, and a different resource of a name already taken (the jars'
 * LICENSE and NOTICE files) under {@code META-INF/roomwire-merged/JAR/NAME}; and the list of the jars merged, in
 * {@value #LISTING}. The jars' own manifests are dropped (nothing on a class path reads them but package versions).
 *
 * <p>Arguments: {@code LIB_DIR}. The merged jars are removed from it.
 */
public final class MergedJars {

    /** The merged jar's file name in lib/. */
    public static final String MERGED = "libraries.jar";
    /** The list of the jars that went into {@value #MERGED}, one file name a line, inside it. */
    public static final String LISTING = "META-INF/roomwire-libraries.txt";
    private static final String SERVICES = "META-INF/services/";
    private static final String KEPT_APART = "META-INF/roomwire-merged/";

    private MergedJars() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: MergedJars LIB_DIR");
        }
        Path lib = Path.of(args[0]);
        List<Path> jars = libraryJars(lib);
        if (jars.isEmpty()) {
            throw new IOException("no library jars in " + lib + ": run ProGuard (the image module's package phase) first");
        }
        long before = 0;
        for (Path jar : jars) {
            before += Files.size(jar);
        }
        Path merged = lib.resolve(MERGED);
        merge(jars, merged);
        for (Path jar : jars) {
            Files.delete(jar);
        }
        System.out.printf("[roomwire-image] %s: %d library jars (%.1f MB) merged into one (%.1f MB)%n", merged, jars.size(),
                before / 1e6, Files.size(merged) / 1e6);
    }

    /** The jars of {@code lib} to merge, in name order: all but the agent's own and an earlier merge's. */
    static List<Path> libraryJars(Path lib) throws IOException {
        try (Stream<Path> s = Files.list(lib)) {
            return s.filter(p -> {
                String n = p.getFileName().toString();
                return n.endsWith(".jar") && !n.startsWith("roomwire-") && !n.equals(MERGED);
            }).sorted().toList();
        }
    }

    /** An entry of the merged jar: its bytes, its time and the jar it came from. */
    private record Entry(byte[] data, long time, String jar) { }

    /** Writes {@code jars}, in their order, as one jar at {@code out}. */
    static void merge(List<Path> jars, Path out) throws IOException {
        Map<String, Entry> entries = new LinkedHashMap<>();
        Map<String, StringBuilder> services = new LinkedHashMap<>();
        for (Path jar : jars) {
            String jarName = jar.getFileName().toString();
            try (ZipFile zip = new ZipFile(jar.toFile())) {
                for (ZipEntry e : Collections.list(zip.entries())) {
                    String name = e.getName();
                    if (e.isDirectory() || name.equalsIgnoreCase(JarFile.MANIFEST_NAME) || name.equals(LISTING)) {
                        continue;
                    }
                    byte[] data;
                    try (InputStream in = zip.getInputStream(e)) {
                        data = in.readAllBytes();
                    }
                    if (name.startsWith(SERVICES)) {
                        StringBuilder joined = services.computeIfAbsent(name, k -> new StringBuilder());
                        joined.append("# ").append(jarName).append('\n').append(new String(data, StandardCharsets.UTF_8));
                        if (joined.charAt(joined.length() - 1) != '\n') {
                            joined.append('\n');
                        }
                        continue;
                    }
                    Entry earlier = entries.get(name);
                    if (earlier == null) {
                        entries.put(name, new Entry(data, e.getTime(), jarName));
                    } else if (!Arrays.equals(earlier.data(), data)) {
                        if (name.endsWith(".class")) {
                            throw new IOException("two different classes " + name + " in " + earlier.jar() + " and " + jarName
                                    + ": the class path would load only the first");
                        }
                        entries.put(KEPT_APART + jarName + "/" + name, new Entry(data, e.getTime(), jarName));
                    }
                }
            }
        }
        long time = entries.values().stream().mapToLong(Entry::time).max().orElse(0);
        StringBuilder listing = new StringBuilder();
        jars.forEach(p -> listing.append(p.getFileName()).append('\n'));
        try (OutputStream o = Files.newOutputStream(out); JarOutputStream j = new JarOutputStream(o)) {
            put(j, JarFile.MANIFEST_NAME, time, "Manifest-Version: 1.0\r\n\r\n");
            put(j, LISTING, time, listing.toString());
            for (Map.Entry<String, StringBuilder> e : services.entrySet()) {
                put(j, e.getKey(), time, e.getValue().toString());
            }
            for (Map.Entry<String, Entry> e : entries.entrySet()) {
                put(j, e.getKey(), e.getValue().time(), e.getValue().data());
            }
        }
    }

    private static void put(JarOutputStream j, String name, long time, String text) throws IOException {
        put(j, name, time, text.getBytes(StandardCharsets.UTF_8));
    }

    private static void put(JarOutputStream j, String name, long time, byte[] data) throws IOException {
        JarEntry e = new JarEntry(name);
        e.setTime(time);
        j.putNextEntry(e);
        j.write(data);
        j.closeEntry();
    }
}
