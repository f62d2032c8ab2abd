package io.roomwire.sip.ua.internal;

import io.roomwire.core.event.EventSink;
import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.Codec;
import io.roomwire.hal.MediaKind;
import io.roomwire.sip.MediaStats;
import io.roomwire.sip.media.MediaRelay;
import io.roomwire.sip.media.StreamStats;
import io.roomwire.sip.sdp.Crypto;
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
    private Codec.MediaSession session;
    private List<NegotiatedStream> current = List.of();
    private Optional<Integer> telephoneEventPt = Optional.empty();

    private RelayCallMedia(Codec codec, MediaRelay relay, Map<MediaKind, Map<SrtpSuite, SrtpKeys>> keys) {
        this.codec = codec;
        this.relay = relay;
        this.ourKeys.putAll(keys);
    }

    /** A factory binding media on {@code address}, for the kinds the codec can do. */
    public static Factory factory(Scheduler scheduler, Codec codec, InetAddress address, EventSink events,
                                  Set<MediaKind> kinds, Duration noMediaWindow, Runnable onNoMedia) {
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
            return new RelayCallMedia(codec, relay, keys);
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
                        s.codec().clockRate(), relay.localCodecSidePort(s.kind())));
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
                    s.packetsLost(), s.jitterMillis(), s.roundTrip(), s.secure()));
        }
        return new MediaStats(m);
    }

    @Override
    public long packetsReceived() {
        long n = 0;
        for (MediaKind k : relay.kinds()) {
            n += relay.stats(k).packetsReceived();
        }
        return n;
    }

    /** The far-side socket of a kind (for tests and diagnostics). */
    public InetSocketAddress farSide(MediaKind kind) {
        return relay.localFarSidePort(kind);
    }

    @Override
    public synchronized void close() {
        if (session != null) {
            session.close();
        }
        relay.close();
    }
}
