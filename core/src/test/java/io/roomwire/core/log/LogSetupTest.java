package io.roomwire.core.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.tinylog.Logger;

/**
 * tinylog's configuration is per process and freezes at the first line logged, so each case runs in a JVM of its own.
 * The agent configures logging twice at start (before the config, then with the device id): a thread that logs
 * in between, as the Linux layer may while it opens the hardware, must not make the second one throw.
 */
class LogSetupTest {

    private record Result(int exit, String out, String err) { }

    private static Result run(String scenario) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Child.class.getName(), scenario).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child JVM did not end");
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void configuredBeforeTheFirstLineEveryLineNamesTheDevice() throws Exception {
        Result r = run("fresh");
        assertEquals(0, r.exit(), r.err());
        assertEquals("configured true", r.out().strip());
        assertTrue(r.err().contains(" INFO device=RW-LOG-0001 [main] "), r.err());
        assertFalse(r.err().contains("DEBUG"), "the level applied too: " + r.err());
    }

    @Test
    void aLineLoggedByAnotherThreadFirstLeavesTheConfigurationInForceAndNothingThrows() throws Exception {
        Result r = run("in-use");
        assertEquals(0, r.exit(), r.err());
        assertEquals("configured false", r.out().strip());
        assertTrue(r.err().contains("device=- [early] "), r.err());
        assertTrue(r.err().contains("device=- [main] "), "logging goes on with the configuration in force: " + r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    /** The child JVM. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            if (List.of(args).contains("in-use")) {
                CountDownLatch logged = new CountDownLatch(1);
                Thread early = new Thread(() -> {
                    Logger.info("a line before the device is known");
                    logged.countDown();
                }, "early");
                early.start();
                logged.await();
            }
            System.out.println("configured " + LogSetup.configure("RW-LOG-0001", "info"));
            Logger.debug("not at info");
            Logger.info("after the configuration");
        }
    }
}
