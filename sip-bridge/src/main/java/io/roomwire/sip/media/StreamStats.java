package io.roomwire.sip.media;

import io.roomwire.hal.MediaKind;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Counters of one relayed stream at one moment, both directions, as seen on the far side.
 *
 * @param packetsSent      RTP packets sent to the far end (codec media and DTMF)
 * @param bytesSent        bytes of those packets on the wire (with SRTP tags)
 * @param packetsReceived  RTP packets from the far end that passed SRTP checks
 * @param bytesReceived    bytes of those packets on the wire
 * @param packetsLost      far-end packets missing by sequence number (RFC 3550 A.3)
 * @param jitterUnits      interarrival jitter of far-end packets in RTP clock units (RFC 3550 A.8)
 * @param jitter           the same as a duration (by the stream's clock rate)
 * @param roundTrip        from the far end's RTCP reports on our stream (LSR/DLSR), when it sends them
 * @param remoteLost       cumulative loss of our stream as the far end reported it
 * @param dropped          packets from the far end refused: not RTP, SRTP authentication or replay
 *                         failure, too short, or no key yet
 * @param rtcpSent         RTCP compound packets we sent (SR or RR)
 * @param rtcpReceived     RTCP compound packets from the far end that passed checks
 * @param lastReceived     when the last good far-end packet arrived
 * @param secure           whether both directions are SRTP
 */
public record StreamStats(MediaKind kind, long packetsSent, long bytesSent, long packetsReceived, long bytesReceived,
                          long packetsLost, long jitterUnits, Duration jitter, Optional<Duration> roundTrip,
                          long remoteLost, long dropped, long rtcpSent, long rtcpReceived,
                          Optional<Instant> lastReceived, boolean secure) {

    public double jitterMillis() {
        return jitter.toNanos() / 1_000_000.0;
    }
}
