package io.roomwire.agent.update;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.agent.cli.Cli;
import io.roomwire.updater.SlotStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worked example in docs/updates.md ("Signing releases"), run as written: keys, a root signed in turn by two
 * holders, bundles, a rotation that revokes a key, and the device's side (a slotted prefix in a temp folder).
 */
class ReleaseCliDocTest {

    private static final Pattern EXIT = Pattern.compile("#\\s*exit (\\d+)(?: \\((\\w+)\\))?");

    @TempDir
    Path tmp;

    @Test
    void theWorkedExampleRunsAsDocumented() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "updates.md"));
        int from = doc.indexOf("<!-- worked-example -->");
        int to = doc.indexOf("<!-- /worked-example -->");
        assertTrue(from > 0 && to > from, "docs/updates.md has the worked example between its markers");
        List<String> lines = doc.substring(from, to).lines().filter(l -> l.startsWith("roomwire update ") || l.startsWith("sudo -u roomwire "))
                .toList();
        assertTrue(lines.size() >= 15, "the example's commands: " + lines);

        // The builds the example extracts from .deb files: a slot layout each.
        for (String v : List.of("1.1.0", "1.2.0")) {
            Path l = Files.createDirectories(tmp.resolve("build-" + v + "/usr/lib/roomwire/lib"));
            Files.writeString(l.resolve("agent.jar"), "build " + v);
            // as the package lays it out: its CDS archive, which applies at /usr/lib/roomwire only
            Files.writeString(l.resolve("roomwire.jsa"), "the package's archive of " + v);
            Files.createDirectories(tmp.resolve("build-" + v + "/usr/lib/roomwire/runtime/bin"));
            Files.writeString(tmp.resolve("build-" + v + "/usr/lib/roomwire/runtime/bin/java"), "#!/bin/sh\n");
        }
        Files.createDirectories(tmp.resolve("keys"));
        Files.createDirectories(tmp.resolve("release"));
        // The device: running 1.0.0 in slot a; root v1 is installed once the example made it.
        Path device = Files.createDirectories(tmp.resolve("device"));
        SlotStore slots = new SlotStore(device);
        slots.initialize("a");
        Files.createDirectories(slots.slot("a"));
        Files.writeString(slots.slot("a").resolve(SlotStore.VERSION), "1.0.0\n");
        Files.writeString(device.resolve("model"), "roomwire\n");

        String arch = System.getProperty("os.arch").replace("amd64", "x86_64");
        String statusOut = "";
        for (String line : lines) {
            Matcher exit = EXIT.matcher(line);
            int expected = exit.find() ? Integer.parseInt(exit.group(1)) : 0;
            String command = line.replaceFirst("\\s+#.*$", "");
            boolean atDevice = command.startsWith("sudo -u roomwire ");
            if (atDevice && !Files.exists(device.resolve("root.json"))) {
                Files.copy(tmp.resolve("release/root-v1.json"), device.resolve("root.json"));
            }
            List<String> words = new ArrayList<>();
            for (String w : command.replaceFirst("^sudo -u roomwire ", "").substring("roomwire ".length()).split(" +")) {
                // Paths in the example are relative to the operator's working folder: here, the temp folder.
                List<String> parts = new ArrayList<>();
                for (String part : w.split(",", -1)) {
                    parts.add(part.matches("(keys|release|build-[0-9.]+)/.*") ? tmp.resolve(part).toString() : part.equals("x86_64") ? arch : part);
                }
                words.add(String.join(",", parts));
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = io.roomwire.agent.Main.cli().run(words.toArray(String[]::new), new Cli.Io(new PrintStream(out, true),
                    new PrintStream(err, true), atDevice ? Map.of("ROOMWIRE_HOME", device.toString()) : Map.of()));
            String said = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
            assertEquals(expected, code, line + "\n" + said);
            if (exit.find(0) && exit.group(2) != null) {
                assertTrue(said.contains(exit.group(2)), line + " says why (" + exit.group(2) + "): " + said);
            }
            if (command.contains(" make-bundle ") && code == 0) {
                assertTrue(said.contains("left out lib/roomwire.jsa: a CDS archive of one place"), said);
            }
            if (command.endsWith("update status")) {
                statusOut = said;
            }
        }

        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("keys/root1.key"))));
        for (Path f : List.of(tmp.resolve("release/root-v2.json"), tmp.resolve("release/roomwire-1.2.0.rwu"))) {
            String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
            assertFalse(text.contains(ReleaseCli.keyFile(tmp.resolve("keys/root1.key")).getProperty("private")), "no private key in " + f);
        }
        // The device installed 1.2.0 on trial and moved to root v2 with it.
        assertEquals("b", slots.currentSlot());
        assertEquals("1.2.0", slots.version("b").orElseThrow());
        assertTrue(Files.isRegularFile(slots.slot("b").resolve("lib/agent.jar")));
        assertFalse(Files.exists(slots.slot("b").resolve("lib/roomwire.jsa")), "the package's CDS archive stays out of bundles");
        assertTrue(statusOut.contains("current: slot b 1.2.0") && statusOut.contains("trust:   root v2"), statusOut);
        // keygen never overwrites a key.
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int again = io.roomwire.agent.Main.cli().run(new String[] {"update", "keygen", "--out", tmp.resolve("keys/root1").toString()},
                new Cli.Io(new PrintStream(new ByteArrayOutputStream(), true), new PrintStream(err, true), Map.of()));
        assertEquals(1, again, err.toString(StandardCharsets.UTF_8));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("never overwritten"));
    }

    @Test
    void badInputGetsAClearErrorAndNoFile() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Cli.Io cio = new Cli.Io(new PrintStream(out, true), new PrintStream(err, true), Map.of());
        Path pub = tmp.resolve("k.pub");
        assertEquals(0, io.roomwire.agent.Main.cli().run(new String[] {"update", "keygen", "--out", tmp.resolve("k").toString()}, cio));
        // A threshold above the number of keys.
        assertEquals(1, io.roomwire.agent.Main.cli().run(new String[] {"update", "make-root", "--version", "1", "--root-keys", pub.toString(),
                "--root-threshold", "2", "--update-keys", pub.toString(), "--out", tmp.resolve("r.json").toString()}, cio));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("threshold is above its number of keys"), err.toString(StandardCharsets.UTF_8));
        assertFalse(Files.exists(tmp.resolve("r.json")));
        // Signing with a public key file.
        assertEquals(1, io.roomwire.agent.Main.cli().run(new String[] {"update", "make-root", "--version", "1", "--root-keys", pub.toString(),
                "--root-threshold", "1", "--update-keys", pub.toString(), "--sign", pub.toString(), "--out", tmp.resolve("r.json").toString()}, cio));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("signing needs a .key file"), err.toString(StandardCharsets.UTF_8));
        // A missing option is a usage error (exit 2).
        assertEquals(2, io.roomwire.agent.Main.cli().run(new String[] {"update", "make-bundle", "--layout", tmp.toString()}, cio));
    }
}
