package io.roomwire.image.build;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
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

    /** Writes {@code jars}, in their order, as one jar at {@code out}. */
    static void merge(List<Path> jars, Path out) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        Map<String, Long> times = new LinkedHashMap<>();
        Map<String, String> from = new LinkedHashMap<>();
        Map<String, StringBuilder> services = new LinkedHashMap<>();
        for (Path jar : jars) {
            String jarName = jar.getFileName().toString();
            try (ZipFile zip = new ZipFile(jar.toFile())) {
                for (ZipEntry e : java.util.Collections.list(zip.entries())) {
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
                    byte[] earlier = entries.get(name);
                    if (earlier == null) {
                        entries.put(name, data);
                        times.put(name, e.getTime());
                        from.put(name, jarName);
                    } else if (!Arrays.equals(earlier, data)) {
                        if (name.endsWith(".class")) {
                            throw new IOException("two different classes " + name + " in " + from.get(name) + " and " + jarName
                                    + ": the class path would load only the first");
                        }
                        String apart = KEPT_APART + jarName + "/" + name;
                        entries.put(apart, data);
                        times.put(apart, e.getTime());
                    }
                }
            }
        }
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        long time = times.values().stream().mapToLong(Long::longValue).max().orElse(0);
        try (OutputStream o = Files.newOutputStream(out); JarOutputStream j = new JarOutputStream(o)) {
            put(j, JarFile.MANIFEST_NAME, time, manifestBytes(manifest));
            StringBuilder listing = new StringBuilder();
            jars.forEach(p -> listing.append(p.getFileName()).append('\n'));
            put(j, LISTING, time, listing.toString().getBytes(StandardCharsets.UTF_8));
            for (Map.Entry<String, StringBuilder> s : services.entrySet()) {
                put(j, s.getKey(), time, s.getValue().toString().getBytes(StandardCharsets.UTF_8));
            }
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                put(j, e.getKey(), times.get(e.getKey()), e.getValue());
            }
        }
    }

    private static byte[] manifestBytes(Manifest manifest) throws IOException {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        manifest.write(b);
        return b.toByteArray();
    }

    private static void put(JarOutputStream j, String name, long time, byte[] data) throws IOException {
        JarEntry e = new JarEntry(name);
        e.setTime(time);
        j.putNextEntry(e);
        j.write(data);
        j.closeEntry();
    }

    /** The file names {@value #LISTING} of {@code merged} lists. */
    static List<String> listing(Path merged) throws IOException {
        try (ZipFile zip = new ZipFile(merged.toFile())) {
            ZipEntry e = zip.getEntry(LISTING);
            if (e == null) {
                return List.of();
            }
            try (InputStream in = zip.getInputStream(e)) {
                return new ArrayList<>(new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList());
            }
        }
    }
}
