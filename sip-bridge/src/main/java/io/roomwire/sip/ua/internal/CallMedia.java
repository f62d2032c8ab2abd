package io.roomwire.sip.ua.internal;

import io.roomwire.hal.MediaKind;
import io.roomwire.sip.MediaStats;
import io.roomwire.sip.sdp.Crypto;
import io.roomwire.sip.sdp.NegotiatedStream;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The media side of one call as the signalling sees it: local ports and SDES keys to put in SDP,
 * then the agreed streams to start, update (re-INVITE) and stop.
 */
public interface CallMedia extends AutoCloseable {

    /** Local far-side RTP port per kind: what goes in our m= lines. */
    Map<MediaKind, Integer> localPorts();

    /** Our a=crypto lines for an offer: one per supported suite, tags from 1. */
    Map<MediaKind, List<Crypto>> offerCryptos();

    /** Our key parameters ({@code inline:...}) for a suite the far end offered. */
    String answerKey(MediaKind kind, String suite);

    /** Starts (or, when already started, retargets and re-keys) the agreed streams. */
    void apply(List<NegotiatedStream> streams) throws IOException;

    /** Sends digits as RFC 4733 events; false when no stream supports telephone-event. */
    boolean sendDtmf(String digits, Duration toneLength, Duration gap);

    MediaStats stats();

    /** Packets received from the far end so far, all streams. */
    long packetsReceived();

    @Override
    void close();

    /** Opens media for a new call. */
    @FunctionalInterface
    interface Factory {
        CallMedia open(String callId) throws IOException;
    }
}
