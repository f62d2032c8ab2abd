package io.roomwire.sip.ua.internal;

import io.roomwire.core.event.EventSink;
import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.Codec;
import io.roomwire.hal.MediaKind;
import io.roomwire.sip.MediaStats;
import io.roomwire.sip.media.MediaRelay;
import io.roomwire.sip.media.StreamStats;
import io.roomwire.sip.sdp.Crypto;
import io.roomwire.sip.sdp.Direction;
import io.roomwire.sip.sdp.NegotiatedStream;
import io.roomwire.sip.srtp.SrtpException;
import io.roomwire.sip.srtp.SrtpKeys;
import io.roomwire.sip.srtp.SrtpSuite;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.tinylog.Logger;

/**
 * Call media on the codec and h3a's {@link MediaRelay}: sockets are bound before the offer, the
 * codec is opened once the codec formats are agreed, keys are set from the chosen a=crypto.
 */
public final class RelayCallMedia implements CallMedia {

    private final Codec codec;
    private final MediaRelay relay;
    private final Map<MediaKind, Map<SrtpSuite, SrtpKeys>> ourKeys = new EnumMap<>(MediaKind.class);
    private volatile Codec.MediaSession session;
    private List<NegotiatedStream> current = List.of();
    private Optional<Integer> telephoneEventPt = Optional.empty();
    private final Scheduler scheduler;
    private final EventSink events;
    private final String callId;
    private final Duration freezeAfter;
    private volatile PlayoutWatch videoWatch;

    private RelayCallMedia(Codec codec, MediaRelay relay, Map<MediaKind, Map<SrtpSuite, SrtpKeys>> keys,
                           Scheduler scheduler, EventSink events, String callId, Duration freezeAfter) {
        this.codec = codec;
        this.relay = relay;
        this.ourKeys.putAll(keys);
        this.scheduler = scheduler;
        this.events = events;
        this.callId = callId;
        this.freezeAfter = freezeAfter;
    }

    /** A factory binding media on {@code address}, for the kinds the codec can do. */
    public static Factory factory(Scheduler scheduler, Codec codec, InetAddress address, EventSink events,
                                  Set<MediaKind> kinds, Duration noMediaWindow, Runnable onNoMedia) {
        return factory(scheduler, codec, address, events, kinds, noMediaWindow, onNoMedia, PlayoutWatch.FREEZE_AFTER);
    }

    /** @param freezeAfter no new video picture for longer than this is a freeze (counted, event {@code call.video.freeze}) */
    public static Factory factory(Scheduler scheduler, Codec codec, InetAddress address, EventSink events,
                                  Set<MediaKind> kinds, Duration noMediaWindow, Runnable onNoMedia, Duration freezeAfter) {
        return callId -> {
            Map<MediaKind, Map<SrtpSuite, SrtpKeys>> keys = new EnumMap<>(MediaKind.class);
            MediaRelay.Builder b = MediaRelay.builder(scheduler).callId(callId).eventSink(events)
                    .farSideAddress(address);
            for (MediaKind k : kinds) {
                Map<SrtpSuite, SrtpKeys> perSuite = new EnumMap<>(SrtpSuite.class);
                for (SrtpSuite s : SrtpSuite.values()) {
                    perSuite.put(s, SrtpKeys.random(s));
                }
                keys.put(k, perSuite);
                b.stream(k, Optional.of(perSuite.get(SrtpSuite.AES_CM_128_HMAC_SHA1_80)));
            }
            MediaRelay relay = b.build();
            relay.onNoMedia(noMediaWindow, onNoMedia);
            return new RelayCallMedia(codec, relay, keys, scheduler, events, callId, freezeAfter);
        };
    }

    @Override
    public Map<MediaKind, Integer> localPorts() {
        Map<MediaKind, Integer> m = new EnumMap<>(MediaKind.class);
        for (MediaKind k : relay.kinds()) {
            m.put(k, relay.localFarSidePort(k).getPort());
        }
        return m;
    }

    @Override
    public Map<MediaKind, List<Crypto>> offerCryptos() {
        Map<MediaKind, List<Crypto>> m = new EnumMap<>(MediaKind.class);
        ourKeys.forEach((kind, suites) -> {
            List<Crypto> list = new ArrayList<>();
            int tag = 1;
            for (SrtpSuite s : SrtpSuite.values()) {
                list.add(new Crypto(tag++, s.sdpName(), "inline:" + suites.get(s).toSdesInline()));
            }
            m.put(kind, list);
        });
        return m;
    }

    @Override
    public String answerKey(MediaKind kind, String suite) {
        SrtpSuite s = SrtpSuite.fromSdpName(suite).orElseThrow(() -> new IllegalArgumentException("unsupported suite " + suite));
        Map<SrtpSuite, SrtpKeys> k = ourKeys.get(kind);
        if (k == null) {
            throw new IllegalArgumentException("no " + kind + " stream");
        }
        return "inline:" + k.get(s).toSdesInline();
    }

    @Override
    public synchronized void apply(List<NegotiatedStream> streams) throws IOException {
        if (session == null) {
            List<Codec.StreamPlan> plans = new ArrayList<>();
            for (NegotiatedStream s : streams) {
                plans.add(new Codec.StreamPlan(s.kind(), s.codec().payloadType(), s.codec().encoding(),
                        s.codec().clockRate(), relay.localCodecSidePort(s.kind()), s.maxBitrateKbps()));
            }
            session = codec.open(plans);
            for (NegotiatedStream s : streams) {
                relay.connectCodec(s.kind(), session.localPorts().get(s.kind()));
            }
            Codec.MediaSession opened = session;
            relay.onKeyframeRequest(kind -> {
                if (kind == MediaKind.VIDEO) {
                    opened.requestKeyframe();
                }
            });
            if (streams.stream().anyMatch(s -> s.kind() == MediaKind.VIDEO)) {
                videoWatch = new PlayoutWatch(scheduler, callId, events, () -> opened.playout(MediaKind.VIDEO), freezeAfter);
                videoWatch.start();
            }
        }
        if (videoWatch != null) {
            // on hold (our side sendonly/inactive) or with video gone from the answer no picture is expected
            videoWatch.expect(streams.stream().anyMatch(s -> s.kind() == MediaKind.VIDEO
                    && (s.direction() == Direction.SENDRECV || s.direction() == Direction.RECVONLY)));
        }
        for (NegotiatedStream s : streams) {
            Optional<SrtpKeys> send = Optional.empty();
            Optional<SrtpKeys> recv = Optional.empty();
            if (s.secure()) {
                try {
                    SrtpSuite suite = SrtpSuite.fromSdpName(s.receiveCrypto().get().suite()).orElseThrow();
                    recv = Optional.of(SrtpKeys.fromSdesInline(suite, s.receiveCrypto().get().keyParams()));
                    send = Optional.of(SrtpKeys.fromSdesInline(suite, s.sendCrypto().get().keyParams()));
                } catch (SrtpException e) {
                    throw new IOException("unusable a=crypto from the far end: " + e.getMessage(), e);
                }
            }
            relay.rekey(s.kind(), send, recv);
            relay.retarget(s.kind(), s.farEnd());
            s.telephoneEvent().ifPresent(te -> telephoneEventPt = Optional.of(te.payloadType()));
        }
        current = List.copyOf(streams);
    }

    @Override
    public synchronized boolean sendDtmf(String digits, Duration toneLength, Duration gap) {
        if (telephoneEventPt.isEmpty() || current.stream().noneMatch(s -> s.kind() == MediaKind.AUDIO)) {
            return false;
        }
        try {
            relay.sendDtmf(digits, telephoneEventPt.get(), toneLength, gap);
            return true;
        } catch (IllegalArgumentException | IllegalStateException e) {
            Logger.warn("DTMF '{}' not sent: {}", digits.replaceAll("[0-9]", "#"), e.getMessage());
            return false;
        }
    }

    @Override
    public MediaStats stats() {
        Map<MediaKind, MediaStats.Stream> m = new EnumMap<>(MediaKind.class);
        for (MediaKind k : relay.kinds()) {
            StreamStats s = relay.stats(k);
            m.put(k, new MediaStats.Stream(s.packetsSent(), s.bytesSent(), s.packetsReceived(), s.bytesReceived(),
                    s.packetsLost(), s.jitterMillis(), s.roundTrip(), s.secure(), playout(k)));
        }
        return new MediaStats(m);
    }

    private MediaStats.Playout playout(MediaKind kind) {
        Codec.MediaSession open = session;
        PlayoutWatch watch = videoWatch;
        if (open == null) {
            return MediaStats.Playout.NONE;
        }
        Codec.Playout p = open.playout(kind);
        if (kind == MediaKind.VIDEO && watch != null) {
            return watch.figures(p);
        }
        return new MediaStats.Playout(p.framesDecoded(), 0, p.width(), p.height(), 0, Duration.ZERO, p.audioLevelDbov());
    }

    @Override
    public long packetsReceived() {
        long n = 0;
        for (MediaKind k : relay.kinds()) {
            n += relay.stats(k).packetsReceived();
        }
        return n;
    }

    /** Packets the codec's session received of a kind: the last hop of what the far end sent (tests, diagnostics). */
    public long codecReceived(MediaKind kind) {
        Codec.MediaSession open = session;
        return open == null ? 0 : open.received(kind).packets();
    }

    /** The far-side socket of a kind (for tests and diagnostics). */
    public InetSocketAddress farSide(MediaKind kind) {
        return relay.localFarSidePort(kind);
    }

    @Override
    public synchronized void close() {
        if (videoWatch != null) {
            videoWatch.stop();
        }
        if (session != null) {
            session.close();
        }
        relay.close();
    }
}
