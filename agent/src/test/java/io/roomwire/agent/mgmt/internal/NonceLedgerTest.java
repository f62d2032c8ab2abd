package io.roomwire.agent.mgmt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.time.VirtualScheduler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replay ledger fails closed, says "full" rather than "replayed", and appends one line per claim. */
class NonceLedgerTest {

    @TempDir
    Path dir;
    final VirtualScheduler time = new VirtualScheduler(Instant.parse("2026-01-05T10:00:00Z"));
    static final Duration QUARANTINE = Duration.ofMinutes(11);

    NonceLedger ledger(Path file, int max) {
        return new NonceLedger(file, time.clock(), max, QUARANTINE);
    }

    Instant in(int seconds) {
        return time.now().plusSeconds(seconds);
    }

    @Test
    void aReplayIsRefusedAfterARestartAndTheFileIsOwnerOnly() throws Exception {
        Path f = dir.resolve("nonces.log");
        assertEquals(NonceLedger.Claim.CLAIMED, ledger(f, 10).claim("nonce-0001", in(60)));
        assertEquals(NonceLedger.Claim.REPLAYED, ledger(f, 10).claim("nonce-0001", in(60)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    }

    @Test
    void eachClaimAppendsOneLineAndLeavesEarlierBytesAlone() throws Exception {
        Path f = dir.resolve("nonces.log");
        NonceLedger l = ledger(f, 10);
        l.claim("nonce-0001", in(60));
        byte[] first = Files.readAllBytes(f);
        l.claim("nonce-0002", in(60));
        l.claim("nonce-0003", in(60));
        List<String> lines = Files.readAllLines(f);
        assertEquals(3, lines.size());
        assertEquals(new String(first, StandardCharsets.US_ASCII), lines.get(0) + "\n");
        assertTrue(lines.get(2).endsWith(" nonce-0003"), lines.toString());
    }

    @Test
    void aFullLedgerAnswersFullNotReplayedAndMakesRoomAsNoncesExpire() throws Exception {
        NonceLedger l = ledger(dir.resolve("nonces.log"), 2);
        l.claim("nonce-0001", in(30));
        l.claim("nonce-0002", in(90));
        assertEquals(NonceLedger.Claim.FULL, l.claim("nonce-0003", in(60)));
        assertEquals(NonceLedger.Claim.REPLAYED, l.claim("nonce-0001", in(60)));
        time.advance(Duration.ofSeconds(31));
        assertEquals(NonceLedger.Claim.CLAIMED, l.claim("nonce-0003", in(60)));
    }

    @Test
    void anUnreadableLedgerRefusesSignedCommandsUntilEveryNonceItHeldHasExpired() throws Exception {
        Path f = dir.resolve("nonces.log");
        ledger(f, 10).claim("nonce-0001", in(60));
        Files.writeString(f, "\u0000\u0001garbage that is not a ledger\n");
        NonceLedger l = ledger(f, 10);
        NonceLedger.UnavailableException e = assertThrows(NonceLedger.UnavailableException.class,
                () -> l.claim("nonce-0002", in(60)));
        assertTrue(e.getMessage().contains("unreadable"), e.getMessage());
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.anyMatch(p -> p.getFileName().toString().startsWith("nonces.log.corrupt-")),
                    "the unreadable file is kept aside for inspection");
        }
        time.advance(QUARANTINE.minusSeconds(1));
        assertThrows(NonceLedger.UnavailableException.class, () -> l.claim("nonce-0002", in(60)));
        time.advance(Duration.ofSeconds(2));
        assertEquals(NonceLedger.Claim.CLAIMED, l.claim("nonce-0002", in(60)));
    }

    @Test
    void aClaimThatCannotBeSavedIsRefused() throws Exception {
        Path f = dir.resolve("nonces.log");
        NonceLedger l = ledger(f, 10);
        Files.createDirectory(f); // the log cannot be opened for writing now
        NonceLedger.UnavailableException e = assertThrows(NonceLedger.UnavailableException.class,
                () -> l.claim("nonce-0001", in(60)));
        assertTrue(e.getMessage().contains("cannot save"), e.getMessage());
        Files.delete(f);
        assertEquals(NonceLedger.Claim.CLAIMED, l.claim("nonce-0001", in(60)), "nothing was recorded by the failed claim");
    }

    @Test
    void aLineTornByACrashIsDroppedAndTheRestStillCounts() throws Exception {
        Path f = dir.resolve("nonces.log");
        ledger(f, 10).claim("nonce-0001", in(60));
        Files.writeString(f, Files.readString(f) + in(60).getEpochSecond() + " nonce-00", java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
        NonceLedger l = ledger(f, 10);
        assertEquals(NonceLedger.Claim.REPLAYED, l.claim("nonce-0001", in(60)));
        assertEquals(NonceLedger.Claim.CLAIMED, l.claim("nonce-0002", in(60)));
        assertEquals(2, Files.readAllLines(f).size());
        assertEquals(NonceLedger.Claim.REPLAYED, ledger(f, 10).claim("nonce-0002", in(60)));
    }

    @Test
    void theLogIsCompactedWhenMostlyExpired() throws Exception {
        Path f = dir.resolve("nonces.log");
        NonceLedger l = ledger(f, 100_000);
        for (int i = 0; i < 3000; i++) {
            l.claim(String.format("nonce-%05d", i), in(5));
            time.advance(Duration.ofMillis(100));
        }
        long lines = Files.readAllLines(f).size();
        assertTrue(lines < 2100, "expired nonces are compacted away, " + lines + " lines left");
        assertFalse(Files.readString(f).contains(" nonce-00000\n"));
        assertEquals(NonceLedger.Claim.REPLAYED, ledger(f, 100_000).claim("nonce-02999", in(5)));
    }
}
