package io.roomwire.sip;

import java.time.Duration;
import java.util.Optional;

/**
 * An estimated MOS for a call's audio from what the receive side measures, by the E-model of ITU-T
 * G.107 (06/2015) in its common simplified form: R = 93.2 − Id − Ie,eff with default values for
 * everything the agent cannot measure (room noise, echo, loudness). Id is the delay impairment in the
 * simplification of Cole and Rosenbluth ("Voice over IP performance monitoring", ACM SIGCOMM CCR, 2001):
 * Id = 0.024·d + 0.11·(d − 177.3)·H(d − 177.3) for a one-way delay d in ms. Ie,eff is G.107 eq. 7-29 with
 * random loss (BurstR = 1) and G.711-with-PLC's Ie = 0, Bpl = 25.1 (ITU-T G.113 Appendix I), used for all
 * codecs: a narrowband-equivalent estimate. R maps to MOS by G.107 Annex B, eq. B-4.
 */
public final class EModel {

    private static final double R0 = 93.2;
    private static final double BPL = 25.1;
    /** One 20 ms frame of packetization plus the smallest jitter buffer, added to the network delay. */
    private static final double FIXED_DELAY_MS = 40;

    private EModel() {
    }

    /**
     * @param lossFraction packets lost of packets expected, 0 to 1
     * @param jitterMillis interarrival jitter (RFC 3550 §6.4.1); the jitter buffer is taken as twice it
     * @param roundTrip    from RTCP (RFC 3550 §6.4.1 LSR/DLSR); without it, the network delay is taken as 0
     */
    public static double rFactor(double lossFraction, double jitterMillis, Optional<Duration> roundTrip) {
        double d = roundTrip.map(r -> r.toNanos() / 2e6).orElse(0.0) + FIXED_DELAY_MS + 2 * Math.max(0, jitterMillis);
        double id = 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0);
        double ppl = 100 * Math.min(1, Math.max(0, lossFraction));
        double ie = 95 * ppl / (ppl + BPL);
        return Math.max(0, Math.min(100, R0 - id - ie));
    }

    /** G.107 Annex B eq. B-4: MOS 1 to 4.5 from R. */
    public static double mos(double r) {
        if (r <= 0) {
            return 1;
        }
        if (r >= 100) {
            return 4.5;
        }
        return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
    }

    /** The estimated MOS of one stream's receive side. */
    public static double mos(MediaStats.Stream s) {
        long expected = s.packetsReceived() + s.packetsLost();
        double loss = expected == 0 ? 0 : (double) s.packetsLost() / expected;
        return mos(rFactor(loss, s.jitterMillis(), s.roundTrip()));
    }
}
