package io.roomwire.image.build;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MergedJarsTest {

    @TempDir
    Path lib;

    @Test
    void theLibraryJarsBecomeOneThatServesEveryClassProviderAndResource() throws Exception {
        // two real providers of one service, in two jars, as the JDK's ServiceLoader finds them
        jar("a-lib-1.0.jar", Map.of(
                "io/roomwire/image/build/MergedJarsTest$First.class", classBytes(First.class),
                "META-INF/services/java.lang.Runnable", "io.roomwire.image.build.MergedJarsTest$First\n",
                "META-INF/LICENSE", "license A",
                "META-INF/NOTICE", "same notice"));
        jar("b-lib-2.0.jar", Map.of(
                "io/roomwire/image/build/MergedJarsTest$Second.class", classBytes(Second.class),
                "META-INF/services/java.lang.Runnable", "# B's provider\nio.roomwire.image.build.MergedJarsTest$Second",
                "META-INF/LICENSE", "license B",
                "META-INF/NOTICE", "same notice"));
        jar("roomwire-agent-0.1.0.jar", Map.of("io/roomwire/agent/Main.class", new byte[] {1, 2, 3}));

        MergedJars.main(new String[] {lib.toString()});

        try (var names = Files.list(lib)) {
            assertEquals(List.of("libraries.jar", "roomwire-agent-0.1.0.jar"),
                    names.map(p -> p.getFileName().toString()).sorted().toList(), "the library jars are gone, the agent's stays");
        }
        Path merged = lib.resolve(MergedJars.MERGED);
        try (ZipFile zip = new ZipFile(merged.toFile())) {
            assertEquals("a-lib-1.0.jar\nb-lib-2.0.jar\n", text(zip, MergedJars.LISTING));
            assertEquals("license A", text(zip, "META-INF/LICENSE"), "the first jar's resource keeps its name");
            assertEquals("license B", text(zip, "META-INF/roomwire-merged/b-lib-2.0.jar/META-INF/LICENSE"),
                    "a different resource of a taken name is kept apart, not lost");
            assertEquals("same notice", text(zip, "META-INF/NOTICE"));
            assertNull(zip.getEntry("META-INF/roomwire-merged/b-lib-2.0.jar/META-INF/NOTICE"), "an identical one is kept once");
            assertArrayEquals(classBytes(First.class), zip.getInputStream(zip.getEntry(
                    "io/roomwire/image/build/MergedJarsTest$First.class")).readAllBytes());
        }
        // the class path of the merged jar alone: both providers, loaded from it
        try (URLClassLoader loader = new URLClassLoader(new URL[] {merged.toUri().toURL()}, null)) {
            List<String> providers = new ArrayList<>();
            ServiceLoader.load(Runnable.class, loader).stream().forEach(p -> providers.add(p.type().getName()));
            assertEquals(List.of(First.class.getName(), Second.class.getName()), providers);
            assertEquals(loader, loader.loadClass(Second.class.getName()).getClassLoader());
        }
    }

    @Test
    void twoDifferentClassesOfOneNameFailTheBuildAndChangeNothing() throws Exception {
        jar("a-lib-1.0.jar", Map.of("x/Y.class", new byte[] {1}));
        jar("b-lib-1.0.jar", Map.of("x/Y.class", new byte[] {2}));
        IOException e = assertThrows(IOException.class, () -> MergedJars.main(new String[] {lib.toString()}));
        assertTrue(e.getMessage().contains("x/Y.class in a-lib-1.0.jar and b-lib-1.0.jar"), e.getMessage());
        assertTrue(Files.exists(lib.resolve("a-lib-1.0.jar")) && Files.exists(lib.resolve("b-lib-1.0.jar")),
                "the jars are still there");
    }

    @Test
    void aFolderWithNoLibraryJarIsAnError() throws Exception {
        jar("roomwire-core-0.1.0.jar", Map.of("a/B.class", new byte[] {1}));
        IOException e = assertThrows(IOException.class, () -> MergedJars.main(new String[] {lib.toString()}));
        assertTrue(e.getMessage().contains("no library jars"), e.getMessage());
        assertFalse(Files.exists(lib.resolve(MergedJars.MERGED)));
    }

    /** Two providers of {@link Runnable} for the ServiceLoader check. */
    public static final class First implements Runnable {
        @Override
        public void run() {
        }
    }

    /** The second provider. */
    public static final class Second implements Runnable {
        @Override
        public void run() {
        }
    }

    private void jar(String name, Map<String, Object> content) throws IOException {
        Map<String, Object> sorted = new LinkedHashMap<>();
        content.keySet().stream().sorted().forEach(k -> sorted.put(k, content.get(k)));
        try (OutputStream o = Files.newOutputStream(lib.resolve(name)); JarOutputStream j = new JarOutputStream(o)) {
            for (Map.Entry<String, Object> e : sorted.entrySet()) {
                j.putNextEntry(new JarEntry(e.getKey()));
                j.write(e.getValue() instanceof byte[] b ? b : e.getValue().toString().getBytes(StandardCharsets.UTF_8));
                j.closeEntry();
            }
        }
    }

    private static byte[] classBytes(Class<?> c) throws IOException {
        try (InputStream in = c.getResourceAsStream(c.getName().substring(c.getName().lastIndexOf('.') + 1) + ".class")) {
            return in.readAllBytes();
        }
    }

    private static String text(ZipFile zip, String name) throws IOException {
        return new String(zip.getInputStream(zip.getEntry(name)).readAllBytes(), StandardCharsets.UTF_8);
    }
}
