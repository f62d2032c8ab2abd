package io.roomwire.sip.ua;

import io.roomwire.hal.MediaKind;
import io.roomwire.sip.MediaStats;
import io.roomwire.sip.sdp.Direction;
import io.roomwire.sip.sdp.NegotiatedStream;
import io.roomwire.sip.sdp.NegotiationException;
import io.roomwire.sip.sdp.SdpException;
import io.roomwire.sip.sdp.SdpNegotiator;
import io.roomwire.sip.sdp.SessionDescription;
import io.roomwire.sip.ua.internal.CallMedia;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * One call's offer/answer state (RFC 3264) and its media: our current SDP and its version, the
 * agreed streams, and the {@link CallMedia} they run on. Used under the call's lock.
 */
final class MediaSession {

    private final SdpNegotiator negotiator;
    private final String localAddress;
    private final long sessionId;
    private final CallMedia media;
    private SessionDescription localSdp;
    private List<NegotiatedStream> streams = List.of();
    private long sdpVersion = 1;
    private MediaStats finalStats;

    MediaSession(SdpNegotiator negotiator, String localAddress, long sessionId, CallMedia media) {
        this.negotiator = negotiator;
        this.localAddress = localAddress;
        this.sessionId = sessionId;
        this.media = media;
    }

    /** Our initial offer: every kind and suite we can take, send and receive. */
    byte[] offer() {
        localSdp = negotiator.offer(localAddress, sessionId, sdpVersion, media.localPorts(), media.offerCryptos(),
                Direction.SENDRECV);
        return bytes(localSdp);
    }

    /** Checks that an offer has something we can take, without answering it (488 before ringing). */
    void checkAnswerable(SessionDescription offer) throws NegotiationException {
        negotiator.answer(offer, localAddress, sessionId, sdpVersion, media.localPorts(), media::answerKey);
    }

    /** Answers a far-end offer (the first, or a re-INVITE's with {@code newVersion}) and applies it to media. */
    byte[] answer(SessionDescription offer, boolean newVersion) throws NegotiationException, IOException {
        SdpNegotiator.Answer a = negotiator.answer(offer, localAddress, sessionId, newVersion ? ++sdpVersion : sdpVersion,
                media.localPorts(), media::answerKey);
        media.apply(a.streams());
        streams = a.streams();
        localSdp = a.sdp();
        return bytes(localSdp);
    }

    /** Takes the far end's answer to our offer and starts media on it. */
    void acceptAnswer(byte[] body) throws SdpException, NegotiationException, IOException {
        SessionDescription answer = SessionDescription.parse(body);
        List<NegotiatedStream> agreed = negotiator.acceptAnswer(localSdp, answer);
        media.apply(agreed);
        streams = agreed;
    }

    /** Our current SDP again with the version bumped (a session refresh or an offerless re-INVITE). */
    byte[] repeated() {
        localSdp = localSdp.withVersion(++sdpVersion);
        return bytes(localSdp);
    }

    /** Our current SDP with a new version, leaving our stored copy as it was (RFC 3264 8). */
    byte[] repeatedOnce() {
        return bytes(localSdp.withVersion(++sdpVersion));
    }

    boolean agreed() {
        return !streams.isEmpty();
    }

    /** Whether the far end holds us: all audio it agreed is receive-only or inactive on our side. */
    boolean held() {
        return streams.stream().filter(s -> s.kind() == MediaKind.AUDIO)
                .allMatch(s -> s.direction() == Direction.RECVONLY || s.direction() == Direction.INACTIVE);
    }

    boolean sendDtmf(String digits, Duration toneLength, Duration gap) {
        return media.sendDtmf(digits, toneLength, gap);
    }

    long packetsReceived() {
        return media.packetsReceived();
    }

    /** Live figures, or the last ones after {@link #close()}. */
    MediaStats stats() {
        MediaStats last = finalStats;
        return last != null ? last : media.stats();
    }

    void close() {
        if (finalStats == null) {
            finalStats = media.stats();
            media.close();
        }
    }

    private static byte[] bytes(SessionDescription sdp) {
        return sdp.format().getBytes(StandardCharsets.UTF_8);
    }
}
