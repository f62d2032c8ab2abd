package io.roomwire.agent.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SlotArchive} in real JVMs (this test's JDK) started the way the launcher starts an update's slot: the first
 * run records and writes the archive when it exits, the next maps it, and an archive the JVM cannot use is removed
 * with the reason.
 */
class SlotArchiveTest {

    @TempDir
    Path tmp;

    @Test
    void theFirstRunWritesTheArchiveAtExitAndTheNextMapsIt() throws Exception {
        Path archive = tmp.resolve("slot.jsa");
        Path marker = Files.writeString(tmp.resolve("slot.jsa.tried"), ""); // the launcher's, before it started the JVM
        String first = run(List.of("-XX:ArchiveClassesAtExit=" + archive), archive);
        assertTrue(Files.isRegularFile(archive) && Files.size(archive) > 0, first);
        assertFalse(Files.exists(marker), "the recording start reached UP: the launcher may record again: " + first);
        assertTrue(first.contains("This slot's CDS archive " + archive + " is written when the agent stops"), first);

        String next = run(List.of("-XX:SharedArchiveFile=" + archive), archive);
        assertTrue(next.contains("mapped=true"), next);
        assertTrue(next.contains("This slot's CDS archive " + archive + " is in use"), next);
        assertTrue(Files.isRegularFile(archive), "a mapped archive stays: " + next);
        assertFalse(next.contains("WARN"), next);
    }

    @Test
    void anArchiveTheJvmCannotUseIsRemovedSoTheNextStartMakesItAgain() throws Exception {
        Path archive = Files.writeString(tmp.resolve("slot.jsa"), "not an archive (a torn write, another JDK's)\n");
        Files.writeString(tmp.resolve("slot.jsa.tried"), "");
        String out = run(List.of("-XX:SharedArchiveFile=" + archive), archive);
        assertTrue(out.contains("mapped=false"), out);
        assertFalse(Files.exists(archive), out);
        assertFalse(Files.exists(tmp.resolve("slot.jsa.tried")), "the launcher's marker goes too: " + out);
        assertTrue(out.contains("could not be used (the JVM started without class data sharing); removed"), out);
    }

    @Test
    void readsTheMemoryMapByWholePath() {
        String maps = "7f00-7f10 r--p 00000000 08:01 123 /var/lib/roomwire/update/slots/b/lib/slot.jsa\n"
                + "7f10-7f20 r--p 00000000 08:01 124 /usr/lib/roomwire/lib/roomwire.jsa\n";
        assertTrue(SlotArchive.mapped(maps, Path.of("/var/lib/roomwire/update/slots/b/lib/slot.jsa")));
        assertFalse(SlotArchive.mapped(maps, Path.of("/var/lib/roomwire/update/slots/a/lib/slot.jsa")));
        assertFalse(SlotArchive.mapped(maps, Path.of("/b/lib/slot.jsa")));
        assertEquals(false, SlotArchive.configured().isPresent(), "no launcher, no slot archive");
    }

    /** A child JVM with {@code flags} running {@link Child}: its standard output and error. */
    private String run(List<String> flags, Path archive) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xlog:disable", "-Xlog:all=warning:stderr", "-Xlog:cds*=error:stderr"));
        cmd.addAll(flags);
        cmd.addAll(List.of("-D" + SlotArchive.PROPERTY + "=" + archive, "-cp", jarsOnly(), Child.class.getName()));
        Path out = tmp.resolve("child-" + System.nanoTime() + ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        boolean ended = p.waitFor(2, TimeUnit.MINUTES);
        if (!ended) {
            p.destroyForcibly();
        }
        String said = Files.readString(out, StandardCharsets.UTF_8);
        assertTrue(ended, "the child JVM did not end within 2 min: " + said);
        assertEquals(0, p.exitValue(), said);
        return said;
    }

    /**
     * This test's class path with each folder (the modules' classes) packed into a jar, as a slot's lib/ holds them:
     * a JVM that records for CDS refuses to start with a non-empty directory on its class path.
     */
    private String jarsOnly() throws IOException {
        if (jarsOnly != null) {
            return jarsOnly; // the same jars every start: an archive records their sizes and times
        }
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> out = new ArrayList<>();
        for (String e : cp.split(java.io.File.pathSeparator)) {
            Path p = Path.of(e);
            if (!Files.isDirectory(p)) {
                out.add(e);
                continue;
            }
            Path jar = tmp.resolve("cp-" + out.size() + ".jar");
            try (java.util.jar.JarOutputStream j = new java.util.jar.JarOutputStream(Files.newOutputStream(jar));
                 java.util.stream.Stream<Path> files = Files.walk(p)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    j.putNextEntry(new java.util.jar.JarEntry(p.relativize(f).toString().replace('\\', '/')));
                    Files.copy(f, j);
                    j.closeEntry();
                }
            }
            out.add(jar.toString());
        }
        jarsOnly = String.join(java.io.File.pathSeparator, out);
        return jarsOnly;
    }

    private String jarsOnly;

    /** The child: what the agent does once all is UP ({@link SlotArchive#afterAllUp}), and whether it has the archive mapped. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            Path archive = Path.of(System.getProperty(SlotArchive.PROPERTY));
            if (Files.exists(archive)) {
                System.out.println("mapped=" + SlotArchive.mapped(Files.readString(Path.of("/proc/self/maps")), archive.toRealPath()));
            }
            SlotArchive.configured().orElseThrow().afterAllUp();
            org.tinylog.provider.ProviderRegistry.getLoggingProvider().shutdown();
        }
    }
}
