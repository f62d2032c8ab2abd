package io.roomwire.sip.media.internal;

/**
 * Reception statistics of one source (RFC 3550 A.1, A.3, A.8): extended highest sequence number,
 * expected and lost packets, interarrival jitter, and the numbers of the last report interval.
 * Not thread-safe: its owner locks.
 */
public final class ReceptionStats {

    private int clockRate;
    private boolean rebaseline;
    private boolean started;
    private int ssrc;
    private long baseSeq;
    private int maxSeq;
    private long cycles;
    private long received;
    private long expectedPrior;
    private long receivedPrior;
    private double transit;
    private double jitter;

    public ReceptionStats(int clockRate) {
        this.clockRate = clockRate;
    }

    /** Records a packet; {@code arrivalNanos} is on any monotonic scale shared by all calls. */
    public void packet(int sourceSsrc, int seq, long rtpTimestamp, long arrivalNanos) {
        double arrival = arrivalNanos * (clockRate / 1e9);
        double t = arrival - (rtpTimestamp & 0xffffffffL);
        if (rebaseline && started && sourceSsrc == ssrc) {
            rebaseline = false;
            transit = t;
            jitter = 0;
        }
        if (!started || sourceSsrc != ssrc) {
            started = true;
            ssrc = sourceSsrc;
            baseSeq = seq;
            maxSeq = seq;
            cycles = 0;
            received = 1;
            expectedPrior = 0;
            receivedPrior = 0;
            transit = t;
            jitter = 0;
            return;
        }
        received++;
        int delta = (seq - maxSeq) & 0xffff;
        if (delta > 0 && delta < 0x8000) {
            if (seq < maxSeq) {
                cycles += 0x10000;
            }
            maxSeq = seq;
        }
        double d = Math.abs(t - transit);
        transit = t;
        jitter += (d - jitter) / 16.0;
    }

    public boolean started() {
        return started;
    }

    public int ssrc() {
        return ssrc;
    }

    public long extendedHighestSeq() {
        return cycles + maxSeq;
    }

    public long expected() {
        return started ? extendedHighestSeq() - baseSeq + 1 : 0;
    }

    public long lost() {
        return Math.max(0, expected() - received);
    }

    public long jitterUnits() {
        return (long) jitter;
    }

    public int clockRate() {
        return clockRate;
    }

    /** A new clock rate (after negotiation): jitter starts again in the new units. */
    public void clockRate(int rate) {
        if (rate != clockRate) {
            clockRate = rate;
            rebaseline = true;
            jitter = 0;
        }
    }

    /** Fraction lost since the previous call, in 1/256 (RFC 3550 A.3); starts a new interval. */
    public int fractionLostAndReset() {
        long expected = expected();
        long expectedInterval = expected - expectedPrior;
        long receivedInterval = received - receivedPrior;
        expectedPrior = expected;
        receivedPrior = received;
        long lostInterval = expectedInterval - receivedInterval;
        if (expectedInterval == 0 || lostInterval <= 0) {
            return 0;
        }
        return (int) Math.min(255, (lostInterval << 8) / expectedInterval);
    }
}
