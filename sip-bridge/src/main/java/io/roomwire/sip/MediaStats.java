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
                         long packetsLost, double jitterMillis, Optional<Duration> roundTrip, boolean secure,
                         Playout playout) {

        /** Counters without playout figures (a path that cannot see its decoder). */
        public Stream(long packetsSent, long bytesSent, long packetsReceived, long bytesReceived,
                      long packetsLost, double jitterMillis, Optional<Duration> roundTrip, boolean secure) {
            this(packetsSent, bytesSent, packetsReceived, bytesReceived, packetsLost, jitterMillis, roundTrip, secure,
                    Playout.NONE);
        }

        /** The E-model's estimated MOS (1 to 4.5) from loss, jitter and round trip; see {@link EModel}. */
        public double estimatedMos() {
            return EModel.mos(this);
        }
    }

    /**
     * What the far end's stream looked and sounded like after decoding, as a person in the room notices it.
     *
     * @param framesDecoded  video pictures decoded so far
     * @param frameRate      pictures decoded per second over the last second
     * @param width          decoded picture width (0 before the first picture)
     * @param height         decoded picture height (0 before the first picture)
     * @param freezes        times no new picture came for longer than the freeze threshold while video
     *                       was expected (after the first picture)
     * @param frozen         how long the picture stood still in those freezes, the current one included
     * @param audioLevelDbov RMS level of the last ~100 ms of decoded audio in dBov (RFC 6464: 0 loudest,
     *                       -127 silence); empty for video and where the codec does not decode the audio
     */
    public record Playout(long framesDecoded, double frameRate, int width, int height, long freezes, Duration frozen,
                          java.util.OptionalDouble audioLevelDbov) {
        public static final Playout NONE = new Playout(0, 0, 0, 0, 0, Duration.ZERO, java.util.OptionalDouble.empty());
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
