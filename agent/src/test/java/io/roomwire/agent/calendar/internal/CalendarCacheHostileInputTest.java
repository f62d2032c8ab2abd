package io.roomwire.agent.calendar.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.sim.cloud.hostile.HostileInputs;
import io.roomwire.sim.cloud.hostile.HostileRun;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A calendar cache that opened (right key) but holds hostile JSON: refused by name, nothing else escapes. */
class CalendarCacheHostileInputTest {

    private static final long SEED = 0xCA1E7L;

    @Test
    void hostileCacheContentIsRefusedWithIllegalArgumentOnly() {
        HostileInputs gen = new HostileInputs(SEED);
        String valid = "{\"format\":1,\"mailbox\":\"room@contoso.example\",\"windowStart\":\"2026-03-01T00:00:00Z\",\"windowEnd\":\"2026-03-09T00:00:00Z\",\"syncedAt\":\"2026-03-02T10:00:00Z\","
                + "\"deltaLink\":\"https://graph.microsoft.com/v1.0/x?$deltatoken=a\",\"events\":[{\"id\":\"e1\",\"subject\":\"s\"}],"
                + "\"masters\":[{\"id\":\"m1\"}]}";
        List<byte[]> json = gen.json(valid, 1500);
        List<byte[]> inputs = new ArrayList<>(json);
        inputs.addAll(gen.binary(200, 4096));
        // as the cache is written now: gzip'd, whole and cut short
        for (byte[] b : json.subList(0, 300)) {
            byte[] gz = gzip(b);
            inputs.add(gz);
            inputs.add(java.util.Arrays.copyOf(gz, gz.length / 2));
        }
        HostileRun run = HostileRun.start("calendar cache content", SEED);
        for (byte[] b : inputs) {
            run.attempt(i -> CalendarSnapshot.fromBytes(b), t -> t instanceof IllegalArgumentException);
        }
        List<String> leaked = run.leakedThreads();
        System.out.println(run.summary(leaked));
        assertEquals(List.of(), run.crashes(), run.summary(leaked));
        assertTrue(run.inputs() > 2100, run.summary(leaked));
        assertTrue(run.elapsed().compareTo(Duration.ofSeconds(30)) < 0, run.summary(leaked));
    }

    private static byte[] gzip(byte[] b) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(out)) {
            gz.write(b);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
