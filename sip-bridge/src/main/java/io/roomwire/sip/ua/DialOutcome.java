package io.roomwire.sip.ua;

import io.roomwire.sip.CallEnd;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * What one {@code roomwire dial} amounted to, said once: connected and held for the duration,
 * connected but ended before it (the far end hung up or the call dropped), or not connected.
 *
 * @param result    {@code connected}, {@code ended-early} or {@code failed}
 * @param held      how long the call was up, when it connected
 * @param end       how it ended
 * @param requested the --duration asked for
 */
record DialOutcome(String result, Optional<Duration> held, CallEnd end, Duration requested) {

    static DialOutcome of(Optional<Duration> held, CallEnd end, Duration requested) {
        String result = held.isEmpty() ? "failed"
                // Only the room's own hang-up at the end of --duration is a call that lasted as asked.
                : end.by() == CallEnd.EndedBy.LOCAL ? "connected" : "ended-early";
        return new DialOutcome(result, held, end, requested);
    }

    boolean succeeded() {
        return result.equals("connected");
    }

    /** The SIP status the far end sent that ended the call; empty when none was received. */
    Optional<Integer> status() {
        return end.status() > 0 && end.by() != CallEnd.EndedBy.LOCAL ? Optional.of(end.status()) : Optional.empty();
    }

    /**
     * Why the call did not last, as a word scripts can match, when no SIP status says it:
     * {@code no-answer}, {@code no-response}, {@code unreachable}, {@code dns}, {@code media},
     * {@code connection-lost}, {@code session-expired}, {@code hung-up}, {@code bad-address}, {@code local}.
     */
    Optional<String> failure() {
        if (succeeded() || status().isPresent()) {
            return Optional.empty();
        }
        String m = end.message();
        if (m.equals(CallFailures.RING_TIMEOUT)) {
            return Optional.of("no-answer");
        } else if (m.equals(CallFailures.TIMEOUT)) {
            return Optional.of("no-response");
        } else if (m.equals(CallFailures.UNREACHABLE)) {
            return Optional.of("unreachable");
        } else if (m.equals(CallFailures.NOT_FOUND)) {
            return Optional.of("dns");
        } else if (m.equals(CallFailures.LOST)) {
            return Optional.of("connection-lost");
        } else if (m.equals(CallFailures.SESSION_EXPIRED)) {
            return Optional.of("session-expired");
        } else if (CallFailures.isNegotiation(m) || m.startsWith("The room's media")) {
            return Optional.of("media");
        } else if (m.startsWith("The meeting address")) {
            return Optional.of("bad-address");
        } else if (end.by() == CallEnd.EndedBy.REMOTE) {
            return Optional.of("hung-up");
        }
        return Optional.of("local");
    }

    /** One line for people: what happened, with the SIP status only where the far end sent one. */
    String sentence() {
        String why = end.message() + status().map(s -> " (the far end answered " + s + ")").orElse("");
        return switch (result) {
            case "connected" -> "Connected for " + seconds(held.orElseThrow()) + "; the room hung up as asked.";
            case "ended-early" -> (end.by() == CallEnd.EndedBy.REMOTE ? "The far end ended the call after "
                    : "The call dropped after ") + seconds(held.orElseThrow()) + " of the " + seconds(requested)
                    + " asked for: " + why + ".";
            default -> "Not connected: " + why + ".";
        };
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }
}
