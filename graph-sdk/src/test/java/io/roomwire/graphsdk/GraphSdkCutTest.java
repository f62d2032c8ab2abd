package io.roomwire.graphsdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.invoke.MethodHandles;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The cut links on its own: every class in it loads, verifies and initialises with the SDK's run-time
 * dependencies but without the full SDK (which the tests' class path also has, as a provided dependency).
 * A class the keep rules lost shows here as the NoClassDefFoundError the agent would meet in a call.
 */
class GraphSdkCutTest {

    private static final Path CUT = Path.of("target", "classes");

    @Test
    void everyClassOfTheCutLinksWithoutTheFullSdk() throws Exception {
        List<String> names;
        try (Stream<Path> s = Files.walk(CUT)) {
            names = s.map(p -> CUT.relativize(p).toString().replace(File.separatorChar, '/'))
                    .filter(n -> n.endsWith(".class")).map(n -> n.substring(0, n.length() - 6).replace('/', '.')).sorted().toList();
        }
        assertTrue(names.contains("com.microsoft.graph.serviceclient.GraphServiceClient"), names.toString());
        assertTrue(names.size() < 100, "the cut has " + names.size() + " classes: the keep rules keep too much");
        List<URL> path = new ArrayList<>(List.of(CUT.toUri().toURL()));
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String file = Path.of(e).getFileName().toString();
            if (!file.startsWith("microsoft-graph-6") && !e.contains("test-classes") && !Path.of(e).equals(CUT.toAbsolutePath())
                    && !Path.of(e).equals(CUT)) {
                path.add(Path.of(e).toUri().toURL());
            }
        }
        try (URLClassLoader cut = new URLClassLoader(path.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
            assertEquals(null, cut.getResource("com/microsoft/graph/models/Event.class"), "the full SDK is on the cut's class path");
            for (String n : names) {
                Class<?> c = Class.forName(n, true, cut);
                MethodHandles.lookup().in(c); // loaded, verified and initialised from the cut
                assertEquals(cut, c.getClassLoader(), n);
                c.getDeclaredMethods(); // every signature it declares resolves
            }
        }
    }
}
