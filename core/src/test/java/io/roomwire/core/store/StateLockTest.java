package io.roomwire.core.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateLockTest {

    @TempDir
    Path tmp;

    @Test
    void oneHolderAtATimeAndTheRefusalNamesIt() throws Exception {
        Path dir = tmp.resolve("state");
        try (StateLock held = StateLock.acquire(dir, "roomwire run")) {
            assertTrue(held.isValid());
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
            StateLock.StateLockedException e = assertThrows(StateLock.StateLockedException.class,
                    () -> StateLock.acquire(dir, "roomwire enroll"));
            assertTrue(e.getMessage().contains("pid " + ProcessHandle.current().pid() + ", roomwire run"), e.getMessage());
            assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
        }
        try (StateLock again = StateLock.acquire(dir, "roomwire enroll")) {
            assertTrue(again.isValid());
        }
    }

    @Test
    void anotherProcessHoldsItUntilItDiesHoweverItDies() throws Exception {
        Path dir = tmp.resolve("state");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                StateLockHolder.class.getName(), dir.toString())).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (java.io.IOException e) {
                    return e.toString();
                }
            }).get(30, TimeUnit.SECONDS);
            assertEquals("held", line);
            StateLock.StateLockedException e = assertThrows(StateLock.StateLockedException.class,
                    () -> StateLock.acquire(dir, "roomwire run"));
            assertTrue(e.getMessage().contains("pid " + child.pid() + ", test holder"), e.getMessage());
            child.destroyForcibly(); // SIGKILL: no clean-up code runs; the kernel drops the lock
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            try (StateLock mine = StateLock.acquire(dir, "roomwire run")) {
                assertTrue(mine.isValid());
            }
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void aHostileLockFileCannotInjectIntoTheMessage() throws Exception {
        Path dir = tmp.resolve("state");
        Files.createDirectories(dir);
        try (StateLock held = StateLock.acquire(dir, "line1\nline2\u001b[31m" + "x".repeat(500))) {
            StateLock.StateLockedException e = assertThrows(StateLock.StateLockedException.class,
                    () -> StateLock.acquire(dir, "second"));
            assertTrue(!e.getMessage().contains("\n") && !e.getMessage().contains("\u001b"), e.getMessage());
            assertTrue(e.getMessage().length() < 400, e.getMessage());
        }
    }
}
