package io.roomwire.sip.media;

import io.roomwire.core.event.EventSink;
import io.roomwire.core.health.Health;
import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.MediaKind;
import io.roomwire.sip.dtmf.Rfc4733;
import io.roomwire.sip.srtp.SrtpKeys;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.tinylog.Logger;

/**
 * The media of one call: for each stream, a UDP socket pair facing the far end (RTP on an even
 * port, RTCP on the next; RTCP multiplexed on the RTP port is accepted too) and a socket facing
 * the codec's local RTP port. Codec to far end: the packet is SRTP-protected (when the stream has
 * send keys) and sent. Far end to codec: it is checked and decrypted (when the stream has receive
 * keys) and forwarded. Anything bad from the far end is dropped and counted, never thrown out of a
 * receive loop. The relay terminates RTCP: it sends SR/RR every {@code rtcpInterval} (5 s) and reads
 * the far end's reports for loss and round trip.
 *
 * <p>Wiring for a call (offer first, answer later):
 * <pre>{@code
 * MediaRelay relay = MediaRelay.builder(scheduler).callId(id).eventSink(sink)
 *         .farSideAddress(localIp)                       // the address in our SDP
 *         .stream(AUDIO, Optional.of(ourAudioKeys))      // sockets bound now
 *         .stream(VIDEO, Optional.of(ourVideoKeys))
 *         .build();
 * relay.localFarSidePort(AUDIO);                         // m=audio port (RTCP is port + 1)
 * codec.open(List.of(new StreamPlan(AUDIO, pt, enc, rate, relay.localCodecSidePort(AUDIO)), ...));
 * relay.connectCodec(AUDIO, session.localPorts().get(AUDIO));
 * relay.connectFarEnd(AUDIO, farRtp, Optional.of(farAudioKeys)); // from the SDP answer
 * relay.onNoMedia(Duration.ofSeconds(10), alarm);
 * relay.sendDtmf("1234#", 101, Duration.ofMillis(100), Duration.ofMillis(100));
 * }</pre>
 * When the codec port is not given, the relay latches onto the source of the first packet the
 * codec sends to {@link #localCodecSidePort}. Without receive keys on an SRTP stream (the answer
 * has not arrived) far-end packets are dropped. SRTP authenticates every far-end packet; plain RTP
 * is only accepted from the far end's host. Thread-safe.
 */
public final class MediaRelay implements AutoCloseable {

    static final int MAX_PACKET = 8192;
    static final SecureRandom RANDOM = new SecureRandom();

    final Scheduler scheduler;
    final EventSink events;
    final String callId;
    final boolean rtcpMux;
    final int dtmfClockRate;
    final Instant started;
    final Map<MediaKind, RelayStream> streams = new EnumMap<>(MediaKind.class);
    private final List<Scheduler.Cancellable> tasks = new CopyOnWriteArrayList<>();
    private final List<NoMediaWatch> watches = new CopyOnWriteArrayList<>();
    final List<java.util.function.Consumer<MediaKind>> keyframeListeners = new CopyOnWriteArrayList<>();
    private final ArrayDeque<Runnable> dtmfQueue = new ArrayDeque<>();
    private boolean dtmfBusy;
    volatile boolean mediaExpected = true;
    volatile Instant expectedSince;
    final AtomicBoolean closed = new AtomicBoolean();

    private MediaRelay(Builder b) throws IOException {
        this.scheduler = b.scheduler;
        this.events = b.events;
        this.callId = b.callId;
        this.rtcpMux = b.rtcpMux;
        this.dtmfClockRate = b.dtmfClockRate;
        this.started = scheduler.now();
        try {
            for (StreamSpec s : b.specs.values()) {
                streams.put(s.kind(), new RelayStream(this, s, b.clockRates.getOrDefault(s.kind(), s.kind() == MediaKind.AUDIO ? 8000 : 90000),
                        b.farSideAddress, b.codecSideAddress));
            }
        } catch (IOException | RuntimeException e) {
            streams.values().forEach(RelayStream::close);
            throw e;
        }
        streams.values().forEach(RelayStream::start);
        keep(scheduler.scheduleAtFixedRate(b.rtcpInterval, b.rtcpInterval, this::sendReports));
        Logger.info("media relay for call {} open: {}", callId, describePorts());
    }

    /** Remembers scheduled work so close() can cancel it; forgets work already done. */
    private void keep(Scheduler.Cancellable c) {
        tasks.removeIf(Scheduler.Cancellable::isDone);
        tasks.add(c);
    }

    public static Builder builder(Scheduler scheduler) {
        return new Builder(scheduler);
    }

    /** Where the far end should send RTP for this stream: the address and port for our SDP. */
    public InetSocketAddress localFarSidePort(MediaKind k) {
        return stream(k).farRtp.local();
    }

    /** Where we receive RTCP from the far end (RTP port + 1, for {@code a=rtcp} if ever needed). */
    public InetSocketAddress localFarSideRtcpPort(MediaKind k) {
        return stream(k).farRtcp.local();
    }

    /** Where the codec should send this stream's RTP ({@code Codec.StreamPlan.sendTo}). */
    public InetSocketAddress localCodecSidePort(MediaKind k) {
        return stream(k).codec.local();
    }

    /** The media kinds this relay carries. */
    public java.util.Set<MediaKind> kinds() {
        return Collections.unmodifiableSet(streams.keySet());
    }

    /** The negotiated RTP clock rate of a stream (for jitter and SR timestamps; default 8000/90000). */
    public void clockRate(MediaKind k, int rate) {
        if (rate <= 0) {
            throw new IllegalArgumentException("clock rate must be positive");
        }
        RelayStream s = stream(k);
        s.clockRate = rate;
        synchronized (s.recvLock) {
            s.reception.clockRate(rate);
        }
    }

    /** Sets the codec's local RTP port, where far-end media is forwarded. */
    public void connectCodec(MediaKind k, InetSocketAddress codecPort) {
        stream(k).codecPort = Objects.requireNonNull(codecPort, "codecPort");
    }

    /**
     * Sets the far end from its SDP: where to send RTP (RTCP goes to port + 1, or to the same port
     * when the relay was built with {@code rtcpMux}) and the keys its packets are checked with.
     */
    public void connectFarEnd(MediaKind k, InetSocketAddress farEnd, Optional<SrtpKeys> recvKeys) {
        RelayStream s = stream(k);
        s.setRecvKeys(recvKeys);
        retarget(k, farEnd);
    }

    /** Moves the far end (re-INVITE with a new address); RTCP follows the same rule as above. */
    public void retarget(MediaKind k, InetSocketAddress farEnd) {
        Objects.requireNonNull(farEnd, "farEnd");
        retarget(k, farEnd, rtcpMux ? farEnd : new InetSocketAddress(farEnd.getAddress(), farEnd.getPort() + 1));
    }

    /** Moves the far end with an explicit RTCP address (SDP {@code a=rtcp}). */
    public void retarget(MediaKind k, InetSocketAddress farRtp, InetSocketAddress farRtcp) {
        RelayStream s = stream(k);
        s.farEnd = Objects.requireNonNull(farRtp, "farRtp");
        s.farRtcpEnd = Objects.requireNonNull(farRtcp, "farRtcp");
        Logger.info("call {} {} media now goes to {} (RTCP {})", callId, k, farRtp, farRtcp);
    }

    /**
     * Keys after a re-INVITE; empty turns SRTP off for that direction. Keys equal to the current
     * ones change nothing (the SRTP state, roll-over counter included, carries on).
     */
    public void rekey(MediaKind k, Optional<SrtpKeys> sendKeys, Optional<SrtpKeys> recvKeys) {
        RelayStream s = stream(k);
        s.setSendKeys(sendKeys);
        s.setRecvKeys(recvKeys);
    }

    /**
     * Sends {@code digits} as RFC 4733 events in the audio stream (SRTP-protected like the audio),
     * each a tone of {@code toneLength} followed by {@code gap} of silence, paced by the scheduler.
     * Calls queue behind each other. The future completes after the last digit's end packets.
     *
     * @throws IllegalArgumentException for a digit outside 0-9 * # A-D or a bad payload type
     * @throws IllegalStateException when the relay has no audio stream, no far end yet, or is closed
     */
    public CompletableFuture<Void> sendDtmf(String digits, int payloadType, Duration toneLength, Duration gap) {
        String d = Rfc4733.requireDigits(Objects.requireNonNull(digits, "digits"));
        if (payloadType < 0 || payloadType > 127) {
            throw new IllegalArgumentException("telephone-event payload type must be 0-127, got " + payloadType);
        }
        RelayStream audio = streams.get(MediaKind.AUDIO);
        if (audio == null) {
            throw new IllegalStateException("this call has no audio stream to carry DTMF");
        }
        if (closed.get()) {
            throw new IllegalStateException("the call's media is closed");
        }
        if (audio.farEnd == null) {
            throw new IllegalStateException("DTMF needs the far end's audio address: call connectFarEnd first");
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        Runnable job = () -> sendDigit(audio, d, 0, payloadType, toneLength, gap, done);
        synchronized (dtmfQueue) {
            if (dtmfBusy) {
                dtmfQueue.add(job);
                return done;
            }
            dtmfBusy = true;
        }
        keep(scheduler.execute(job));
        return done;
    }

    private void sendDigit(RelayStream audio, String digits, int i, int pt, Duration tone, Duration gap,
                           CompletableFuture<Void> done) {
        if (closed.get()) {
            done.completeExceptionally(new IllegalStateException("the call ended before all DTMF digits were sent"));
            nextDtmf();
            return;
        }
        if (i >= digits.length()) {
            done.complete(null);
            nextDtmf();
            return;
        }
        List<Rfc4733.Packet> packets = Rfc4733.press(digits.charAt(i), tone, dtmfClockRate, Rfc4733.DEFAULT_INTERVAL,
                Rfc4733.DEFAULT_VOLUME);
        long[] tsAndSsrc = audio.nextEvent();
        long ts = tsAndSsrc[0];
        int ssrc = (int) tsAndSsrc[1];
        Logger.debug("call {} DTMF digit {} of {}", callId, i + 1, digits.length());
        sendPacketsOf(audio, packets, 0, ts, ssrc, pt, () -> keep(scheduler.schedule(gap,
                () -> sendDigit(audio, digits, i + 1, pt, tone, gap, done))));
    }

    private void sendPacketsOf(RelayStream audio, List<Rfc4733.Packet> packets, int from, long ts, int ssrc, int pt,
                               Runnable then) {
        if (closed.get()) {
            then.run();
            return;
        }
        Rfc4733.Packet p = packets.get(from);
        audio.sendEvent(p, ts, ssrc, pt);
        int next = from + 1;
        if (next >= packets.size()) {
            then.run();
        } else if (p.event().end() || packets.get(next).event().end()) {
            // the three end packets go back to back, right when the tone ends
            if (!p.event().end()) {
                Duration remaining = Duration.ofNanos(Math.max(0, (long) packets.get(next).event().duration() * 1_000_000_000L
                        / dtmfClockRate - (long) p.event().duration() * 1_000_000_000L / dtmfClockRate));
                keep(scheduler.schedule(remaining, () -> sendPacketsOf(audio, packets, next, ts, ssrc, pt, then)));
            } else {
                sendPacketsOf(audio, packets, next, ts, ssrc, pt, then);
            }
        } else {
            keep(scheduler.schedule(Rfc4733.DEFAULT_INTERVAL, () -> sendPacketsOf(audio, packets, next, ts, ssrc, pt, then)));
        }
    }

    private void nextDtmf() {
        Runnable next;
        synchronized (dtmfQueue) {
            next = dtmfQueue.poll();
            if (next == null) {
                dtmfBusy = false;
                return;
            }
        }
        keep(scheduler.execute(next));
    }

    /** A snapshot of one stream's counters. */
    public StreamStats stats(MediaKind k) {
        return stream(k).stats();
    }

    /**
     * Calls {@code alarm} once when no packet arrived from the far end (on any stream) for
     * {@code window}, and emits {@code call.media.none}; after media resumes it emits
     * {@code call.media.resumed} and the alarm is armed again. Checked on the scheduler every
     * window / 5 (at most every second).
     */
    public void onNoMedia(Duration window, Runnable alarm) {
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("no-media window must be positive");
        }
        NoMediaWatch w = new NoMediaWatch(this, window, alarm, scheduler.now());
        watches.add(w);
        Duration period = window.dividedBy(5);
        if (period.compareTo(Duration.ofSeconds(1)) > 0) {
            period = Duration.ofSeconds(1);
        }
        if (period.isZero()) {
            period = window;
        }
        keep(scheduler.scheduleAtFixedRate(period, period, w::check));
    }

    /**
     * Calls {@code listener} with the stream's kind whenever the far end asks for a keyframe with an
     * RTCP PLI or FIR (RFC 4585 §6.3.1, RFC 5104 §4.3.1); the relay terminates RTCP, so the codec
     * learns of it only this way. Called on the stream's receive thread.
     */
    public void onKeyframeRequest(java.util.function.Consumer<MediaKind> listener) {
        keyframeListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Whether the far end is expected to send media: false while it holds the call with
     * {@code a=inactive} or {@code a=recvonly}, so the no-media alarm stays quiet; when set back
     * to true the alarm's window starts again from now.
     */
    public void expectMedia(boolean expected) {
        if (expected && !mediaExpected) {
            expectedSince = scheduler.now();
        }
        mediaExpected = expected;
    }

    /** UP while media flows; DEGRADED once a no-media alarm has fired and media has not resumed. */
    public Health health() {
        for (NoMediaWatch w : watches) {
            if (w.fired.get()) {
                return Health.degraded("no media from the far end for " + w.window.toSeconds()
                        + " s on call " + callId + ": check the gateway and the firewall (UDP to "
                        + describePorts() + ")");
            }
        }
        return Health.up();
    }

    /** Stops the receive loops and closes every socket. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        tasks.forEach(Scheduler.Cancellable::cancel);
        streams.values().forEach(RelayStream::close);
        StringBuilder sb = new StringBuilder();
        for (RelayStream s : streams.values()) {
            StreamStats st = s.stats();
            sb.append(' ').append(s.kind).append(" sent=").append(st.packetsSent()).append(" received=")
                    .append(st.packetsReceived()).append(" lost=").append(st.packetsLost()).append(" dropped=")
                    .append(st.dropped());
        }
        Logger.info("media relay for call {} closed:{}", callId, sb);
    }

    private RelayStream stream(MediaKind k) {
        RelayStream s = streams.get(k);
        if (s == null) {
            throw new IllegalArgumentException("this call has no " + k + " stream");
        }
        return s;
    }

    private String describePorts() {
        StringBuilder sb = new StringBuilder();
        streams.values().forEach(s -> sb.append(sb.length() == 0 ? "" : ", ").append(s.kind).append(' ')
                .append(s.farRtp.local().getPort()).append('/').append(s.farRtcp.local().getPort()));
        return sb.toString();
    }

    void mediaArrived() {
        for (NoMediaWatch w : watches) {
            w.resumed();
        }
    }

    private void sendReports() {
        for (RelayStream s : streams.values()) {
            try {
                s.sendReport();
            } catch (RuntimeException e) {
                Logger.warn("call {} {} RTCP report not sent: {}", callId, s.kind, e.toString());
            }
        }
    }

    record StreamSpec(MediaKind kind, InetSocketAddress codecPort, InetSocketAddress farEnd,
                              Optional<SrtpKeys> sendKeys, Optional<SrtpKeys> recvKeys) { }

    /** Builds a {@link MediaRelay}; {@link #build()} binds the sockets and starts the loops. */
    public static final class Builder {
        final Scheduler scheduler;
        private EventSink events = EventSink.none();
        private String callId = "call";
        private InetAddress farSideAddress = InetAddress.getLoopbackAddress();
        private InetAddress codecSideAddress = InetAddress.getLoopbackAddress();
        private Duration rtcpInterval = Duration.ofSeconds(5);
        private boolean rtcpMux;
        private int dtmfClockRate = 8000;
        private final Map<MediaKind, Integer> clockRates = new EnumMap<>(MediaKind.class);
        private final Map<MediaKind, StreamSpec> specs = new EnumMap<>(MediaKind.class);

        private Builder(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        }

        public Builder eventSink(EventSink sink) {
            this.events = Objects.requireNonNull(sink, "sink");
            return this;
        }

        /** A short label for logs, thread names and events (not the SIP Call-ID if it is long). */
        public Builder callId(String id) {
            this.callId = Objects.requireNonNull(id, "id");
            return this;
        }

        /** The local address facing the far end, the one written into our SDP (default loopback). */
        public Builder farSideAddress(InetAddress a) {
            this.farSideAddress = Objects.requireNonNull(a, "address");
            return this;
        }

        /** The local address facing the codec (default loopback). */
        public Builder codecSideAddress(InetAddress a) {
            this.codecSideAddress = Objects.requireNonNull(a, "address");
            return this;
        }

        /** How often SR/RR go to the far end (default 5 s). */
        public Builder rtcpInterval(Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("RTCP interval must be positive");
            }
            this.rtcpInterval = d;
            return this;
        }

        /** Send RTCP to the far end's RTP port (RFC 5761, SDP {@code a=rtcp-mux}); default: port + 1. */
        public Builder rtcpMux(boolean mux) {
            this.rtcpMux = mux;
            return this;
        }

        /** RTP clock rate of a stream's codec, for jitter (defaults: audio 8000, video 90000). */
        public Builder clockRate(MediaKind kind, int rate) {
            if (rate <= 0) {
                throw new IllegalArgumentException("clock rate must be positive");
            }
            clockRates.put(kind, rate);
            return this;
        }

        /** Clock rate of the negotiated telephone-event (default 8000). */
        public Builder dtmfClockRate(int rate) {
            if (rate <= 0) {
                throw new IllegalArgumentException("clock rate must be positive");
            }
            this.dtmfClockRate = rate;
            return this;
        }

        /** A stream whose codec port and far end are both known (e.g. an answered incoming call). */
        public Builder stream(MediaKind kind, InetSocketAddress codecPort, InetSocketAddress farEnd,
                              Optional<SrtpKeys> sendKeys, Optional<SrtpKeys> recvKeys) {
            specs.put(kind, new StreamSpec(kind, Objects.requireNonNull(codecPort, "codecPort"),
                    Objects.requireNonNull(farEnd, "farEnd"), sendKeys, recvKeys));
            return this;
        }

        /**
         * A stream for an offer: sockets are bound at build, the codec and far end come later through
         * {@link MediaRelay#connectCodec} and {@link MediaRelay#connectFarEnd}.
         */
        public Builder stream(MediaKind kind, Optional<SrtpKeys> sendKeys) {
            specs.put(kind, new StreamSpec(kind, null, null, sendKeys, Optional.empty()));
            return this;
        }

        public MediaRelay build() throws IOException {
            if (specs.isEmpty()) {
                throw new IllegalStateException("a media relay needs at least one stream");
            }
            return new MediaRelay(this);
        }
    }
}
