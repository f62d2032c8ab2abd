package io.roomwire.sip;

import io.roomwire.hal.MediaKind;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** Per-stream media counters of a call at one moment. */
public record MediaStats(Map<MediaKind, Stream> streams) {

    /**
     * One stream's counters, both directions.
     *
     * @param roundTrip from RTCP receiver reports, when the far end sends them
     */
    public record Stream(long packetsSent, long bytesSent, long packetsReceived, long bytesReceived,
                         long packetsLost, double jitterMillis, Optional<Duration> roundTrip, boolean secure) {

        /** The E-model's estimated MOS (1 to 4.5) from loss, jitter and round trip; see {@link EModel}. */
        public double estimatedMos() {
            return EModel.mos(this);
        }
    }

    public MediaStats {
        streams = Map.copyOf(streams);
    }

    public static MediaStats none() {
        return new MediaStats(Map.of());
    }

    public Optional<Stream> of(MediaKind kind) {
        return Optional.ofNullable(streams.get(kind));
    }

    public long packetsReceived() {
        return streams.values().stream().mapToLong(Stream::packetsReceived).sum();
    }

    public long packetsSent() {
        return streams.values().stream().mapToLong(Stream::packetsSent).sum();
    }
}
