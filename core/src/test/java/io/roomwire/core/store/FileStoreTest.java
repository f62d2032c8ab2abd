package io.roomwire.core.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.store.FileStore.Sensitivity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileStoreTest {

    @TempDir
    Path dir;

    private final Clock clock = Clock.fixed(Instant.parse("2026-05-01T12:00:00Z"), ZoneOffset.UTC);

    @Test
    void readsBackWhatWasWritten() throws Exception {
        FileStore s = new FileStore(dir, clock);
        s.writeString("calendar.json", "{\"a\":1}", Sensitivity.PLAIN);
        assertEquals(Optional.of("{\"a\":1}"), s.readString("calendar.json"));
        assertEquals(Optional.empty(), s.read("never-written"));
    }

    @Test
    void writeInterruptedBeforeRenameLeavesTheOldValue() throws Exception {
        new FileStore(dir, clock).writeString("tokens", "old", Sensitivity.SECRET);
        FileStore crashing = new FileStore(dir, clock, tmp -> {
            throw new UncheckedIOException(new IOException("power lost"));
        });
        assertThrows(UncheckedIOException.class, () -> crashing.writeString("tokens", "new", Sensitivity.SECRET));
        // After the "reboot", the store opens, removes the half-written temp file and reads the old value.
        FileStore reopened = new FileStore(dir, clock);
        assertEquals(Optional.of("old"), reopened.readString("tokens"));
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")));
        }
    }

    @Test
    void flippedByteIsDetectedMovedAsideAndNeverUsed() throws Exception {
        FileStore s = new FileStore(dir, clock);
        s.writeString("delta-link", "https://graph/delta?token=abc", Sensitivity.PLAIN);
        Path f = s.pathOf("delta-link");
        byte[] raw = Files.readAllBytes(f);
        raw[raw.length - 3] ^= 0x01;
        Files.write(f, raw);

        CorruptStateException e = assertThrows(CorruptStateException.class, () -> s.read("delta-link"));
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
        assertFalse(Files.exists(f));
        assertTrue(Files.exists(e.movedTo()));
        assertEquals("delta-link.corrupt-20260501T120000Z", e.movedTo().getFileName().toString());
        assertEquals(Optional.empty(), s.read("delta-link"));
    }

    @Test
    void truncatedAndForeignFilesAreReportedAsCorrupt() throws Exception {
        FileStore s = new FileStore(dir, clock);
        Files.write(s.pathOf("short"), new byte[] {1, 2, 3});
        Files.write(s.pathOf("foreign"), "hello world, this is not a store file at all....".getBytes(StandardCharsets.UTF_8));
        assertTrue(assertThrows(CorruptStateException.class, () -> s.read("short")).getMessage().contains("truncated"));
        assertTrue(assertThrows(CorruptStateException.class, () -> s.read("foreign")).getMessage().contains("unknown format"));
    }

    @Test
    void secretsAre0600AndTheFolder0700() throws Exception {
        Path sub = dir.resolve("state");
        FileStore s = new FileStore(sub, clock);
        s.write("device-key", new byte[] {42}, Sensitivity.SECRET);
        s.write("calendar", new byte[] {1}, Sensitivity.PLAIN);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(s.pathOf("device-key"))));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(s.pathOf("calendar"))));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sub)));
    }

    @Test
    void overwriteReplacesTheWholeValue() throws Exception {
        FileStore s = new FileStore(dir, clock);
        s.write("q", new byte[1000], Sensitivity.PLAIN);
        s.write("q", new byte[] {7}, Sensitivity.PLAIN);
        assertArrayEquals(new byte[] {7}, s.read("q").orElseThrow());
    }

    @Test
    void rejectsNamesThatCouldEscapeTheFolder() {
        FileStore s = new FileStore(dir, clock);
        assertThrows(IllegalArgumentException.class, () -> s.pathOf("../etc/passwd"));
        assertThrows(IllegalArgumentException.class, () -> s.pathOf(".hidden"));
    }
}
