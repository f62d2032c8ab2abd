package io.roomwire.sip.sdp;

import io.roomwire.hal.MediaKind;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * SDP offer/answer (RFC 3264) for the room: builds our offer, checks the far end's answer, and
 * answers the far end's offers (incoming calls and re-INVITEs). SDES keys come in from the caller
 * so this class never touches key material beyond copying attribute text.
 */
public final class SdpNegotiator {

    /** SRTP suites we offer and accept, strongest first. */
    public static final List<String> SUITES = List.of("AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32");

    private final MediaCapabilities capabilities;
    private final SrtpPolicy policy;

    public SdpNegotiator(MediaCapabilities capabilities, SrtpPolicy policy) {
        this.capabilities = capabilities;
        this.policy = policy;
    }

    public SrtpPolicy policy() {
        return policy;
    }

    public MediaCapabilities capabilities() {
        return capabilities;
    }

    /**
     * Our offer: one RTP/SAVP section per kind that has a local port, each carrying the given
     * a=crypto lines (one per suite, tags 1..n).
     */
    public SessionDescription offer(String address, long sessionId, long version, Map<MediaKind, Integer> ports,
                                    Map<MediaKind, List<Crypto>> cryptos, Direction direction) {
        List<MediaDescription> media = new ArrayList<>();
        for (MediaKind kind : MediaKind.values()) {
            Integer port = ports.get(kind);
            if (port == null || capabilities.of(kind).isEmpty()) {
                continue;
            }
            media.add(new MediaDescription(MediaDescription.mediaName(kind), port, MediaDescription.SAVP,
                    capabilities.of(kind), cryptos.getOrDefault(kind, List.of()), direction, Optional.empty(),
                    false, List.of()));
        }
        return new SessionDescription("roomwire", sessionId, version, address, Optional.of(address), media);
    }

    /** Checks the far end's answer to our offer and returns what was agreed, stream by stream. */
    public List<NegotiatedStream> acceptAnswer(SessionDescription offer, SessionDescription answer)
            throws NegotiationException {
        if (answer.media().size() != offer.media().size()) {
            throw new NegotiationException(NegotiationException.Reason.MALFORMED,
                    "the answer has " + answer.media().size() + " media sections for " + offer.media().size() + " offered");
        }
        List<NegotiatedStream> agreed = new ArrayList<>();
        for (int i = 0; i < offer.media().size(); i++) {
            MediaDescription ours = offer.media().get(i);
            MediaDescription theirs = answer.media().get(i);
            Optional<MediaKind> kind = ours.kind();
            if (kind.isEmpty() || theirs.isRejected() || !theirs.media().equals(ours.media())) {
                continue;
            }
            Optional<RtpMap> codec = theirs.formats().stream().filter(f -> !f.isTelephoneEvent())
                    .filter(f -> capabilities.match(kind.get(), f).isPresent()).findFirst();
            if (codec.isEmpty()) {
                continue;
            }
            Optional<Crypto> recv = Optional.empty();
            Optional<Crypto> send = Optional.empty();
            if (theirs.isSecure()) {
                recv = theirs.cryptos().stream().filter(c -> SUITES.contains(c.suite())).findFirst();
                if (recv.isEmpty()) {
                    throw new NegotiationException(NegotiationException.Reason.BAD_CRYPTO,
                            "the answer's " + theirs.media() + " stream has no a=crypto with a suite we offered");
                }
                String suite = recv.get().suite();
                int tag = recv.get().tag();
                send = ours.cryptos().stream().filter(c -> c.suite().equals(suite) && c.tag() == tag).findFirst()
                        .or(() -> ours.cryptos().stream().filter(c -> c.suite().equals(suite)).findFirst());
                if (send.isEmpty()) {
                    throw new NegotiationException(NegotiationException.Reason.BAD_CRYPTO,
                            "the answer chose crypto suite " + suite + " that we did not offer");
                }
            } else if (policy == SrtpPolicy.REQUIRED) {
                throw new NegotiationException(NegotiationException.Reason.SRTP_REQUIRED,
                        "the far end answered " + theirs.protocol() + " without SRTP for " + theirs.media());
            }
            // b= in the answer is what the answerer is willing to receive (RFC 3264 §5, RFC 4566 §5.8)
            agreed.add(new NegotiatedStream(kind.get(), codec.get(), telephoneEvent(kind.get(), theirs),
                    farEnd(answer, theirs), send, recv, theirs.direction().reverse(), theirs.bandwidthKbps()));
        }
        if (agreed.stream().noneMatch(s -> s.kind() == MediaKind.AUDIO)) {
            throw new NegotiationException(NegotiationException.Reason.NO_COMMON_CODEC,
                    "no audio codec in common with the far end");
        }
        return agreed;
    }

    /** An answer to the far end's offer, and what it agrees to. */
    public record Answer(SessionDescription sdp, List<NegotiatedStream> streams) { }

    /**
     * Answers an offer. {@code keys} turns a kind and a suite name into our {@code inline:...} key parameters;
     * {@code ports} gives the local port of each kind we can take (others are rejected with port 0).
     */
    public Answer answer(SessionDescription offer, String address, long sessionId, long version,
                         Map<MediaKind, Integer> ports, BiFunction<MediaKind, String, String> keys) throws NegotiationException {
        List<MediaDescription> out = new ArrayList<>();
        List<NegotiatedStream> agreed = new ArrayList<>();
        boolean sawSecureRefusal = false;
        for (MediaDescription theirs : offer.media()) {
            Optional<MediaKind> kind = theirs.kind();
            boolean rtp = theirs.protocol().equals(MediaDescription.SAVP) || theirs.protocol().equals(MediaDescription.AVP);
            if (kind.isEmpty() || theirs.isRejected() || !rtp || !ports.containsKey(kind.get())) {
                out.add(rejected(theirs));
                continue;
            }
            if (!theirs.isSecure() && policy == SrtpPolicy.REQUIRED) {
                sawSecureRefusal = true;
                out.add(rejected(theirs));
                continue;
            }
            Optional<Crypto> recv = Optional.empty();
            Optional<Crypto> send = Optional.empty();
            if (theirs.isSecure()) {
                recv = theirs.cryptos().stream().filter(c -> SUITES.contains(c.suite())).findFirst();
                if (recv.isEmpty()) {
                    throw new NegotiationException(NegotiationException.Reason.BAD_CRYPTO,
                            "the offer's " + theirs.media() + " stream has no a=crypto with a suite we support");
                }
                try {
                    send = Optional.of(new Crypto(recv.get().tag(), recv.get().suite(), keys.apply(kind.get(), recv.get().suite())));
                } catch (IllegalArgumentException e) {
                    throw new NegotiationException(NegotiationException.Reason.BAD_CRYPTO, e.getMessage());
                }
            }
            List<RtpMap> common = new ArrayList<>();
            for (RtpMap f : theirs.formats()) {
                if (f.isTelephoneEvent() ? f.clockRate() == 8000 && kind.get() == MediaKind.AUDIO
                        : capabilities.match(kind.get(), f).isPresent()) {
                    common.add(f);
                }
            }
            Optional<RtpMap> codec = common.stream().filter(f -> !f.isTelephoneEvent()).findFirst();
            if (codec.isEmpty()) {
                out.add(rejected(theirs));
                continue;
            }
            Optional<RtpMap> te = common.stream().filter(RtpMap::isTelephoneEvent).findFirst();
            List<RtpMap> answered = new ArrayList<>();
            answered.add(codec.get());
            te.ifPresent(answered::add);
            Direction dir = theirs.direction().reverse();
            out.add(new MediaDescription(theirs.media(), ports.get(kind.get()), theirs.protocol(), answered,
                    send.map(List::of).orElse(List.of()), dir, Optional.empty(), false, List.of()));
            agreed.add(new NegotiatedStream(kind.get(), codec.get(), te, farEnd(offer, theirs), send, recv, dir,
                    theirs.bandwidthKbps()));
        }
        if (agreed.stream().noneMatch(s -> s.kind() == MediaKind.AUDIO)) {
            throw new NegotiationException(sawSecureRefusal ? NegotiationException.Reason.SRTP_REQUIRED
                    : NegotiationException.Reason.NO_COMMON_CODEC,
                    sawSecureRefusal ? "the offer has no SRTP audio and SRTP is required"
                            : "no audio codec in common with the offer");
        }
        return new Answer(new SessionDescription("roomwire", sessionId, version, address, Optional.of(address), out), agreed);
    }

    private static MediaDescription rejected(MediaDescription theirs) {
        return new MediaDescription(theirs.media(), 0, theirs.protocol(), theirs.formats().isEmpty()
                ? List.of() : List.of(theirs.formats().get(0)), List.of(), Direction.INACTIVE, Optional.empty(),
                false, List.of());
    }

    private static Optional<RtpMap> telephoneEvent(MediaKind kind, MediaDescription m) {
        return kind == MediaKind.AUDIO ? m.telephoneEvent().filter(t -> t.clockRate() == 8000) : Optional.empty();
    }

    private static InetSocketAddress farEnd(SessionDescription sdp, MediaDescription m) throws NegotiationException {
        String host = sdp.addressOf(m).orElseThrow(() -> new NegotiationException(
                NegotiationException.Reason.MALFORMED, "no connection address for " + m.media()));
        if (!host.matches("[0-9.]+|[0-9a-fA-F:]+")) {
            throw new NegotiationException(NegotiationException.Reason.MALFORMED,
                    "media address must be a literal IP address, got " + host);
        }
        return new InetSocketAddress(host, m.port());
    }
}
