package io.roomwire.agent.mgmt.internal;

import io.roomwire.core.store.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.tinylog.Logger;

/**
 * Nonces of signed commands seen until their expiry, kept on disk so that a restart does not open a
 * replay window. The file is an append-only log of {@code <expiry epoch seconds> <nonce>} lines,
 * one appended and fsynced per claim and compacted when mostly expired. It fails closed: a file it
 * cannot read is moved aside and signed commands are refused until every nonce it may have held has
 * expired ({@code quarantine}, the longest lifetime a command may claim); a claim that cannot be
 * saved is refused. Bounded: beyond {@code max} unexpired nonces new claims are answered
 * {@link Claim#FULL}.
 */
public final class NonceLedger {

    /** The outcome of {@link #claim}. */
    public enum Claim { CLAIMED, REPLAYED, FULL }

    /** The ledger cannot vouch for a nonce now (unreadable earlier, or the claim could not be saved). */
    public static final class UnavailableException extends Exception {
        private static final long serialVersionUID = 1L;

        UnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Printable ASCII without spaces: what a nonce may hold, so that a line stays one line. */
    public static final Pattern NONCE = Pattern.compile("[!-~]{8,128}");
    private static final Pattern LINE = Pattern.compile("(\\d{1,12}) ([!-~]{8,128})");
    private static final long MAX_FILE_BYTES = 64L * 1024 * 1024;

    private final Path file;
    private final Clock clock;
    private final int max;
    private final Map<String, Instant> seen = new HashMap<>();
    private FileChannel out;
    private long lines;
    private Instant blockedUntil = Instant.MIN;
    private String blockedBecause = "";
    private Instant nextPrune = Instant.MIN;

    /**
     * @param file       the log (created 0600)
     * @param max        most unexpired nonces kept
     * @param quarantine how long to refuse signed commands after the file could not be read
     */
    public NonceLedger(Path file, Clock clock, int max, Duration quarantine) {
        this.file = file;
        this.clock = clock;
        this.max = max;
        try {
            load();
        } catch (IOException | RuntimeException e) {
            seen.clear();
            lines = 0;
            blockedUntil = clock.instant().plus(quarantine);
            blockedBecause = e.getMessage();
            Path aside = file.resolveSibling(file.getFileName() + ".corrupt-" + clock.instant().getEpochSecond());
            try {
                Files.move(file, aside);
                Logger.error("Replay ledger {} unreadable ({}); moved to {}; signed commands are refused until {}",
                        file, e.getMessage(), aside, blockedUntil);
            } catch (IOException moveFailed) {
                Logger.error("Replay ledger {} unreadable ({}) and cannot be moved aside ({}); signed commands are "
                        + "refused until {} and while it stays unwritable", file, e.getMessage(), moveFailed.getMessage(),
                        blockedUntil);
            }
        }
    }

    private void load() throws IOException {
        byte[] data;
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new IOException("larger than " + MAX_FILE_BYTES + " bytes");
            }
            data = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return;
        }
        String text = new String(data, StandardCharsets.US_ASCII);
        int end = text.lastIndexOf('\n') + 1;
        Instant now = clock.instant();
        int lineNo = 0;
        for (String line : text.substring(0, end).split("\n", -1)) {
            lineNo++;
            if (line.isEmpty()) {
                continue;
            }
            var m = LINE.matcher(line);
            if (!m.matches()) {
                throw new IOException("line " + lineNo + " is not '<expiry> <nonce>'");
            }
            lines++;
            Instant exp = Instant.ofEpochSecond(Long.parseLong(m.group(1)));
            if (!exp.isBefore(now)) {
                seen.put(m.group(2), exp);
            }
        }
        if (end < data.length) {
            // a claim torn by a crash was never acknowledged: drop its bytes so the next line starts clean
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(end);
                ch.force(true);
            }
        }
    }

    /**
     * Records {@code nonce} until {@code until}. {@link Claim#REPLAYED} when it was seen before,
     * {@link Claim#FULL} when {@code max} unexpired nonces are held.
     *
     * @throws UnavailableException while the ledger is in quarantine, or when the claim cannot be saved
     */
    public synchronized Claim claim(String nonce, Instant until) throws UnavailableException {
        if (!NONCE.matcher(nonce).matches()) {
            throw new IllegalArgumentException("nonce must be 8 to 128 printable ASCII characters without spaces");
        }
        Instant now = clock.instant();
        if (now.isBefore(blockedUntil)) {
            throw new UnavailableException("the replay ledger was unreadable (" + blockedBecause + "); signed commands "
                    + "are refused until " + blockedUntil + ", when every nonce it held has expired", null);
        }
        prune(now);
        if (seen.containsKey(nonce)) {
            return Claim.REPLAYED;
        }
        if (seen.size() >= max) {
            return Claim.FULL;
        }
        append(nonce, until);
        seen.put(nonce, until);
        if (lines > 1024 && lines > 2L * seen.size()) {
            compact();
        }
        return Claim.CLAIMED;
    }

    /** Unexpired nonces held. */
    public synchronized int size() {
        return seen.size();
    }

    private void prune(Instant now) {
        if (now.isBefore(nextPrune) && seen.size() < max) {
            return;
        }
        for (Iterator<Instant> it = seen.values().iterator(); it.hasNext(); ) {
            if (it.next().isBefore(now)) {
                it.remove();
            }
        }
        nextPrune = now.plusSeconds(1);
    }

    private void append(String nonce, Instant until) throws UnavailableException {
        byte[] line = (until.getEpochSecond() + " " + nonce + "\n").getBytes(StandardCharsets.US_ASCII);
        long before = -1;
        try {
            if (out == null) {
                out = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.APPEND), PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rw-------")));
            }
            before = out.size();
            ByteBuffer b = ByteBuffer.wrap(line);
            while (b.hasRemaining()) {
                out.write(b);
            }
            out.force(false);
            lines++;
        } catch (IOException e) {
            closeQuietly(before);
            throw new UnavailableException("cannot save the replay ledger " + file + " (" + e.getMessage()
                    + "); command refused: check the state folder's disk space and permissions", e);
        }
    }

    private void compact() {
        StringBuilder sb = new StringBuilder();
        seen.forEach((n, exp) -> sb.append(exp.getEpochSecond()).append(' ').append(n).append('\n'));
        try {
            if (out != null) {
                out.close();
                out = null;
            }
            AtomicFiles.write(file, sb.toString().getBytes(StandardCharsets.US_ASCII),
                    PosixFilePermissions.fromString("rw-------"), p -> { });
            lines = seen.size();
        } catch (IOException e) {
            // the long log is still complete and correct; compaction is tried again at the next claim
            Logger.warn("Replay ledger {} not compacted: {}", file, e.getMessage());
        }
    }

    private void closeQuietly(long truncateTo) {
        if (out == null) {
            return;
        }
        try {
            if (truncateTo >= 0) {
                out.truncate(truncateTo);
            }
            out.close();
        } catch (IOException e) {
            Logger.warn("Replay ledger {} not closed cleanly: {}", file, e.getMessage());
        }
        out = null;
    }

    /** Closes the log file; a later claim opens it again. */
    public synchronized void close() {
        closeQuietly(-1);
    }
}
