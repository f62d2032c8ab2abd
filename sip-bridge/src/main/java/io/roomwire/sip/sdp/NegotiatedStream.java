package io.roomwire.sip.sdp;

import io.roomwire.hal.MediaKind;
import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * One stream both sides agreed on.
 *
 * @param codec          the format both send (the far end's payload type number)
 * @param telephoneEvent RFC 4733 events, when both support them (audio only)
 * @param farEnd         where the far end wants RTP
 * @param sendCrypto     our key (what we encrypt with), when SRTP was agreed
 * @param receiveCrypto  the far end's key (what we decrypt with), when SRTP was agreed
 * @param direction      our direction on this stream
 * @param maxBitrateKbps the most the far end wants to receive on this stream (its SDP's b=TIAS or b=AS,
 *                       {@link MediaDescription#bandwidthKbps()}); 0 when it set no limit
 */
public record NegotiatedStream(MediaKind kind, RtpMap codec, Optional<RtpMap> telephoneEvent,
                               InetSocketAddress farEnd, Optional<Crypto> sendCrypto,
                               Optional<Crypto> receiveCrypto, Direction direction, int maxBitrateKbps) {

    public NegotiatedStream(MediaKind kind, RtpMap codec, Optional<RtpMap> telephoneEvent, InetSocketAddress farEnd,
                            Optional<Crypto> sendCrypto, Optional<Crypto> receiveCrypto, Direction direction) {
        this(kind, codec, telephoneEvent, farEnd, sendCrypto, receiveCrypto, direction, 0);
    }

    public boolean secure() {
        return sendCrypto.isPresent() && receiveCrypto.isPresent();
    }
}
