package io.roomwire.image.build;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Writes the ProGuard configuration that shrinks the agent's jars to what the agent can reach (the
 * image module's {@code package} phase runs ProGuard with it next): each jar of LIB_DIR goes under
 * the same name to OUT_DIR, so the package's copyright file still names each one. The rules are in
 * {@code src/shrink/roomwire.pro}; service providers ({@code META-INF/services}) are kept from the
 * jars themselves, as ServiceLoader finds them by name.
 *
 * <p>Arguments: {@code LIB_DIR OUT_DIR RULES_FILE GENERATED_FILE}. OUT_DIR is emptied.
 */
public final class ShrunkJars {

    private ShrunkJars() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            throw new IllegalArgumentException("usage: ShrunkJars LIB_DIR OUT_DIR RULES_FILE GENERATED_FILE");
        }
        Path lib = Path.of(args[0]);
        Path out = Path.of(args[1]);
        Path rules = Path.of(args[2]);
        List<Path> jars;
        try (Stream<Path> s = Files.list(lib)) {
            jars = s.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        }
        if (jars.isEmpty()) {
            throw new IOException("no jars in " + lib + ": run the image module's package phase (copy-dependencies) first");
        }
        RuntimeImage.deleteTree(out);
        Files.createDirectories(out);
        List<String> cfg = new ArrayList<>(List.of("-include", "'" + rules.toAbsolutePath() + "'"));
        for (Path jar : jars) {
            // Pairs of -injars/-outjars keep each jar apart; module-info and signatures no longer match a shrunk jar.
            cfg.addAll(List.of("-injars", jar + "(!META-INF/versions/**,!module-info.class,!META-INF/*.SF,!META-INF/*.RSA,!META-INF/*.DSA,!META-INF/*.EC)",
                    "-outjars", out.resolve(jar.getFileName()).toString()));
        }
        for (String module : jdkModules()) {
            cfg.addAll(List.of("-libraryjars", Path.of(System.getProperty("java.home"), "jmods", module + ".jmod")
                    + "(!**.jar;!module-info.class)"));
        }
        for (String provider : serviceProviders(jars)) {
            cfg.addAll(List.of("-keep", "class " + provider + " { <init>(); }"));
        }
        Path generated = Path.of(args[3]);
        Files.write(generated, lines(cfg), StandardCharsets.UTF_8);
        System.out.printf("[roomwire-image] ProGuard configuration %s: %d jars (%.1f MB), %s%n",
                generated, jars.size(), size(jars) / 1e6, rules);
    }

    /** The JDK modules ProGuard reads as libraries: every one the building JDK has. */
    private static Set<String> jdkModules() throws IOException {
        Set<String> names = new TreeSet<>();
        Path jmods = Path.of(System.getProperty("java.home"), "jmods");
        if (!Files.isDirectory(jmods)) {
            throw new IOException("no " + jmods + ": build the image with a full JDK 17 (with jmods), e.g. openjdk-17-jdk");
        }
        try (Stream<Path> s = Files.list(jmods)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jmod"))
                    .forEach(n -> names.add(n.substring(0, n.length() - ".jmod".length())));
        }
        return names;
    }

    /** Every class named in a jar's META-INF/services files. */
    static Set<String> serviceProviders(List<Path> jars) throws IOException {
        Set<String> providers = new TreeSet<>();
        for (Path jar : jars) {
            try (ZipFile zip = new ZipFile(jar.toFile())) {
                for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                    if (e.isDirectory() || !e.getName().startsWith("META-INF/services/")) {
                        continue;
                    }
                    try (InputStream in = zip.getInputStream(e)) {
                        new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                                .map(l -> l.replaceFirst("#.*", "").strip())
                                .filter(l -> l.matches("[\\w$.]+")).forEach(providers::add);
                    }
                }
            }
        }
        return providers;
    }

    private static List<String> lines(List<String> cfg) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < cfg.size(); i += 2) {
            lines.add(cfg.get(i) + " " + cfg.get(i + 1));
        }
        return lines;
    }

    private static long size(List<Path> files) throws IOException {
        long n = 0;
        for (Path f : files) {
            n += Files.size(f);
        }
        return n;
    }
}
