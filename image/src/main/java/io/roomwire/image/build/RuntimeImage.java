package io.roomwire.image.build;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Builds the Java runtime the package ships (run by the image module's {@code package} phase):
 * {@code jdeps} lists the JDK modules the agent's jars reference, the caller adds the service
 * providers {@code jdeps} cannot see (they are loaded by name), and {@code jlink} links only those.
 *
 * <p>Arguments: {@code LIB_DIR OUT_DIR EXTRA_MODULES EXCLUDED_MODULES LOCALES}, each list comma-separated
 * (EXCLUDED_MODULES: modules jdeps finds that the agent never loads; LOCALES: the locale data kept,
 * jlink's {@code --include-locales}). OUT_DIR is replaced.
 */
public final class RuntimeImage {

    /** Above this many classes a jar is scanned rather than given to jdeps (see {@link #modulesReferenced}). */
    static final int JDEPS_MAX_CLASSES = 10_000;

    private RuntimeImage() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 5) {
            throw new IllegalArgumentException("usage: RuntimeImage LIB_DIR OUT_DIR EXTRA_MODULES EXCLUDED_MODULES LOCALES");
        }
        Path lib = Path.of(args[0]);
        Path out = Path.of(args[1]);
        TreeSet<String> modules = new TreeSet<>(modulesReferenced(lib));
        modules.addAll(list(args[2]));
        modules.removeAll(list(args[3]));
        deleteTree(out);
        Files.createDirectories(out.getParent());
        run("jlink", "--add-modules", String.join(",", modules), "--strip-debug", "--no-man-pages",
                "--no-header-files", "--include-locales=" + args[4], "--output", out.toString());
        Files.writeString(out.resolve("roomwire-modules"), String.join("\n", modules) + "\n");
        Path security = out.resolve("conf/security/java.security");
        Files.writeString(security, keepLinkedProviders(Files.readString(security), linkedModules(out)));
        stripNativeCode(out);
        dumpSharedArchive(out);
        System.out.println("[roomwire-image] jlink runtime " + out + ": " + String.join(",", modules));
    }

    /**
     * Every module a jlink runtime holds, those it was asked for and those they require, from its {@code release}
     * file ({@code MODULES="java.base java.logging ..."}).
     */
    static Set<String> linkedModules(Path runtime) throws IOException {
        Properties release = new Properties();
        try (Reader r = Files.newBufferedReader(runtime.resolve("release"))) {
            release.load(r);
        }
        String modules = release.getProperty("MODULES", "").replace("\"", "").strip();
        if (modules.isEmpty()) {
            throw new IOException(runtime + "/release names no MODULES");
        }
        return Set.copyOf(Arrays.asList(modules.split("\\s+")));
    }

    /** The security providers JDK 17's java.security lists on Linux, and the module each is in. */
    static final Map<String, String> PROVIDER_MODULES = Map.ofEntries(
            Map.entry("SUN", "java.base"), Map.entry("SunRsaSign", "java.base"),
            Map.entry("SunEC", "jdk.crypto.ec"), Map.entry("SunJSSE", "java.base"),
            Map.entry("SunJCE", "java.base"), Map.entry("SunJGSS", "java.security.jgss"),
            Map.entry("SunSASL", "java.security.sasl"), Map.entry("XMLDSig", "java.xml.crypto"),
            Map.entry("SunPCSC", "java.smartcardio"), Map.entry("JdkLDAP", "java.naming"),
            Map.entry("JdkSASL", "jdk.security.jgss"), Map.entry("SunPKCS11", "jdk.crypto.cryptoki"));

    private static final Pattern PROVIDER_LINE =
            Pattern.compile("security\\.provider\\.(\\d+)=(\\S+)(.*)");

    /**
     * The runtime's java.security with only the security providers whose module the runtime links, numbered
     * again from 1 (the others become comments saying why). The JDK lists twelve; for an algorithm the first five
     * lack (the first TLS socket asks for some) the JCA walks on down the list, and for a listed provider whose
     * module is missing it instantiates every {@code java.security.Provider} on the class path to find one of that
     * name: BouncyCastle's two, ~650 classes and their algorithm tables, on the agent's start path (the entra
     * service's start took 157-203 ms on this runtime against 59-70 ms on a full JDK, docs/performance.md).
     *
     * @throws IllegalStateException for a provider not in {@link #PROVIDER_MODULES} (a JDK whose list changed)
     */
    static String keepLinkedProviders(String javaSecurity, Collection<String> modules) {
        TreeSet<Integer> kept = new TreeSet<>(); // the numbers of the providers that stay
        List<String> lines = javaSecurity.lines().toList();
        for (String line : lines) {
            Matcher m = PROVIDER_LINE.matcher(line);
            if (m.matches()) {
                String module = PROVIDER_MODULES.get(m.group(2));
                if (module == null) {
                    throw new IllegalStateException("java.security lists a provider this build does not know, " + m.group(2)
                            + ": add it and its module to RuntimeImage.PROVIDER_MODULES");
                }
                if (module.equals("java.base") || modules.contains(module)) {
                    kept.add(Integer.parseInt(m.group(1)));
                }
            }
        }
        StringBuilder out = new StringBuilder();
        for (String line : lines) {
            Matcher m = PROVIDER_LINE.matcher(line);
            if (!m.matches()) {
                out.append(line);
            } else if (kept.contains(Integer.parseInt(m.group(1)))) {
                // numbered by rank among those that stay: the JCA stops at the first missing number
                out.append("security.provider.").append(kept.headSet(Integer.parseInt(m.group(1))).size() + 1).append('=')
                        .append(m.group(2)).append(m.group(3));
            } else {
                out.append("# ").append(line).append("   (left out by the roomwire image: module ")
                        .append(PROVIDER_MODULES.get(m.group(2))).append(" is not in this runtime)");
            }
            out.append('\n');
        }
        return out.toString();
    }

    /**
     * The JDK modules the jars in {@code lib} reference statically, as {@code jdeps --print-module-deps}
     * finds them. The jars are unpacked into one folder first, so that jdeps reads them as plain class-path
     * classes (modular jars such as azure-core would otherwise demand their whole module graph). Jars of
     * more than {@value #JDEPS_MAX_CLASSES} classes are scanned instead: jdeps' analysis grows with the
     * square of an archive's classes and takes over half an hour on the Graph SDK's 40,000 request
     * builders, while the scan reads every class's constant pool in seconds.
     */
    public static List<String> modulesReferenced(Path lib) throws IOException {
        List<Path> jars;
        try (Stream<Path> s = Files.list(lib)) {
            jars = s.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        }
        if (jars.isEmpty()) {
            throw new IOException("no jars in " + lib + ": run the image module's package phase (copy-dependencies) first");
        }
        Path classes = lib.resolveSibling("jdeps-classes");
        deleteTree(classes);
        TreeSet<String> modules = new TreeSet<>();
        for (Path jar : jars) {
            if (classCount(jar) > JDEPS_MAX_CLASSES) {
                Set<String> scanned = ClassReferences.jdkModules(jar);
                System.out.println("[roomwire-image] " + jar.getFileName() + " (scanned): " + scanned);
                modules.addAll(scanned);
            } else {
                unpackClasses(jar, classes);
            }
        }
        String printed = run("jdeps", "--print-module-deps", "--ignore-missing-deps", classes.toString()).strip();
        deleteTree(classes);
        // The last line is the comma-separated list; jdeps may warn (split packages) on lines before it.
        String last = printed.lines().reduce((a, b) -> b).orElse("");
        List<String> found = Arrays.stream(last.split(",")).map(String::strip).toList();
        if (found.isEmpty() || !found.stream().allMatch(m -> m.matches("[a-z][a-z0-9.]*"))) {
            throw new IllegalStateException("jdeps printed no module list: " + printed);
        }
        modules.addAll(found);
        return List.copyOf(modules);
    }

    private static List<String> list(String commaSeparated) {
        return Arrays.stream(commaSeparated.split(",")).map(String::strip).filter(m -> !m.isEmpty()).toList();
    }

    private static long classCount(Path jar) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            return zip.stream().filter(e -> e.getName().endsWith(".class")).count();
        }
    }

    /** The classes of a jar, without module-info and META-INF (multi-release variants included). */
    private static void unpackClasses(Path jar, Path into) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                String name = e.getName();
                if (e.isDirectory() || !name.endsWith(".class") || name.startsWith("META-INF/") || name.endsWith("module-info.class")) {
                    continue;
                }
                Path target = into.resolve(name).normalize();
                if (!target.startsWith(into)) {
                    throw new IOException(jar + " holds an entry outside its folder: " + name);
                }
                Files.createDirectories(target.getParent());
                try (InputStream in = zip.getInputStream(e)) {
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /**
     * Strips the runtime's executables and shared libraries as Debian does (dh_strip): jlink's
     * --strip-debug leaves their symbol tables, which lintian reports as an error and which nobody
     * on a device needs (Debian's debug symbols are in openjdk-17-dbg).
     */
    private static void stripNativeCode(Path runtime) throws IOException {
        List<String> cmd = new java.util.ArrayList<>(List.of("strip", "--strip-unneeded", "--remove-section=.comment",
                "--remove-section=.note"));
        try (Stream<Path> s = Files.walk(runtime)) {
            s.filter(Files::isRegularFile).filter(p -> isElf(p)).map(Path::toString).sorted().forEach(cmd::add);
        }
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("strip (binutils) is needed to build the runtime: apt-get install binutils", e);
        }
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (p.waitFor() != 0) {
                throw new IllegalStateException("strip failed on the runtime: " + text);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stripping the runtime", e);
        }
    }

    private static boolean isElf(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The default CDS archive of the JDK's own classes (lib/server/classes.jsa), which jlink in JDK 17
     * does not make: without it every start parses and verifies the JDK classes again.
     */
    private static void dumpSharedArchive(Path runtime) throws IOException {
        Process p = new ProcessBuilder(runtime.resolve("bin/java").toString(), "-Xshare:dump").redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (p.waitFor() != 0) {
                throw new IllegalStateException(runtime + "/bin/java -Xshare:dump failed: " + text);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while dumping the CDS archive", e);
        }
    }

    private static String run(String tool, String... args) {
        ToolProvider provider = ToolProvider.findFirst(tool).orElseThrow(() -> new IllegalStateException(
                tool + " is not in this JDK (" + System.getProperty("java.home") + "): build the image with a full JDK 17"));
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            int rc = provider.run(ps, ps, args);
            String text = buf.toString(StandardCharsets.UTF_8);
            if (rc != 0) {
                throw new IllegalStateException(tool + " failed (exit " + rc + "): " + text);
            }
            return text;
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
