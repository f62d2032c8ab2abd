package io.roomwire.sip.dtmf;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * DTMF as RFC 4733 telephone-events. A key press becomes a sequence of event payloads that share
 * one RTP timestamp: the first (with the RTP marker bit), updates every packet interval with a
 * growing duration, and three identical end packets. Digits 0-9, *, #, A-D (events 0-15).
 */
public final class Rfc4733 {

    /** Default volume, in -dBm0 (RFC 4733 §2.3.2; 10 is what most phones send). */
    public static final int DEFAULT_VOLUME = 10;
    /** Packet interval of a tone: one update every 50 ms (RFC 4733 §2.5.1.2). */
    public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(50);
    private static final String DIGITS = "0123456789*#ABCD";

    private Rfc4733() {
    }

    /** One telephone-event payload (4 bytes on the wire). Duration is in RTP clock units. */
    public record Event(int event, boolean end, int volume, int duration) {
        public Event {
            if (event < 0 || event > 255 || volume < 0 || volume > 63 || duration < 0 || duration > 0xffff) {
                throw new IllegalArgumentException("telephone-event out of range: " + event + "/" + volume + "/" + duration);
            }
        }

        /** The DTMF digit, if the event is one of 0-15. */
        public Optional<Character> digit() {
            return event < DIGITS.length() ? Optional.of(DIGITS.charAt(event)) : Optional.empty();
        }

        public byte[] encode() {
            return new byte[] {(byte) event, (byte) ((end ? 0x80 : 0) | volume), (byte) (duration >>> 8), (byte) duration};
        }
    }

    /** One RTP payload of a key press, and whether its RTP packet carries the marker bit. */
    public record Packet(Event event, boolean marker) {
        public byte[] payload() {
            return event.encode();
        }
    }

    /** True if {@code c} is a digit RFC 4733 can send (0-9 * # A-D, case-insensitive). */
    public static boolean isDigit(char c) {
        return DIGITS.indexOf(Character.toUpperCase(c)) >= 0;
    }

    /** The event code of a digit. */
    public static int eventCode(char digit) {
        int i = DIGITS.indexOf(Character.toUpperCase(digit));
        if (i < 0) {
            throw new IllegalArgumentException("'" + digit + "' is not a DTMF digit (0-9 * # A-D)");
        }
        return i;
    }

    /** Checks a whole digit string, naming the first bad character. */
    public static String requireDigits(String digits) {
        for (int i = 0; i < digits.length(); i++) {
            if (!isDigit(digits.charAt(i))) {
                throw new IllegalArgumentException("DTMF digits may only be 0-9 * # A-D; found '" + digits.charAt(i)
                        + "' at position " + (i + 1) + " of \"" + digits + "\"");
            }
        }
        return digits.toUpperCase(java.util.Locale.ROOT);
    }

    /**
     * The packets of one key press of {@code toneLength}: a start packet with the marker, an update
     * every {@code interval}, then three end packets carrying the total duration. All are sent with
     * the same RTP timestamp (the press's start), one interval apart except the end repeats.
     */
    public static List<Packet> press(char digit, Duration toneLength, int clockRate, Duration interval, int volume) {
        int code = eventCode(digit);
        if (toneLength.isNegative() || toneLength.isZero() || interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("tone length and packet interval must be positive");
        }
        long unitsPerInterval = interval.toNanos() * clockRate / 1_000_000_000L;
        long total = Math.min(0xffff, toneLength.toNanos() * clockRate / 1_000_000_000L);
        List<Packet> out = new ArrayList<>();
        long d = Math.max(1, Math.min(unitsPerInterval, total));
        out.add(new Packet(new Event(code, false, volume, (int) d), true));
        for (d += unitsPerInterval; d < total; d += unitsPerInterval) {
            out.add(new Packet(new Event(code, false, volume, (int) d), false));
        }
        for (int i = 0; i < 3; i++) {
            out.add(new Packet(new Event(code, true, volume, (int) total), false));
        }
        return out;
    }

    /** Decodes a telephone-event payload; empty if it is shorter than 4 bytes. */
    public static Optional<Event> decode(byte[] payload, int off, int len) {
        if (len < 4 || off < 0 || off + 4 > payload.length) {
            return Optional.empty();
        }
        return Optional.of(new Event(payload[off] & 0xff, (payload[off + 1] & 0x80) != 0, payload[off + 1] & 0x3f,
                ((payload[off + 2] & 0xff) << 8) | (payload[off + 3] & 0xff)));
    }
}
