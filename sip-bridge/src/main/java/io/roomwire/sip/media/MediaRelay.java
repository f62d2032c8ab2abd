package io.roomwire.sip.media;

import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.health.Health;
import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.MediaKind;
import io.roomwire.hal.RtpHeader;
import io.roomwire.sip.dtmf.Rfc4733;
import io.roomwire.sip.media.internal.ReceptionStats;
import io.roomwire.sip.media.internal.Rtcp;
import io.roomwire.sip.srtp.SrtpContext;
import io.roomwire.sip.srtp.SrtpException;
import io.roomwire.sip.srtp.SrtpKeys;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
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

    private static final int MAX_PACKET = 8192;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Scheduler scheduler;
    private final EventSink events;
    private final String callId;
    private final boolean rtcpMux;
    private final int dtmfClockRate;
    private final Instant started;
    private final Map<MediaKind, Stream> streams = new EnumMap<>(MediaKind.class);
    private final List<Scheduler.Cancellable> tasks = new CopyOnWriteArrayList<>();
    private final List<NoMediaWatch> watches = new CopyOnWriteArrayList<>();
    private final List<java.util.function.Consumer<MediaKind>> keyframeListeners = new CopyOnWriteArrayList<>();
    private final ArrayDeque<Runnable> dtmfQueue = new ArrayDeque<>();
    private boolean dtmfBusy;
    private volatile boolean mediaExpected = true;
    private volatile Instant expectedSince;
    private final AtomicBoolean closed = new AtomicBoolean();

    private MediaRelay(Builder b) throws IOException {
        this.scheduler = b.scheduler;
        this.events = b.events;
        this.callId = b.callId;
        this.rtcpMux = b.rtcpMux;
        this.dtmfClockRate = b.dtmfClockRate;
        this.started = scheduler.now();
        try {
            for (StreamSpec s : b.specs.values()) {
                streams.put(s.kind, new Stream(s, b));
            }
        } catch (IOException | RuntimeException e) {
            streams.values().forEach(Stream::close);
            throw e;
        }
        streams.values().forEach(Stream::start);
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
        Stream s = stream(k);
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
        Stream s = stream(k);
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
        Stream s = stream(k);
        s.farEnd = Objects.requireNonNull(farRtp, "farRtp");
        s.farRtcpEnd = Objects.requireNonNull(farRtcp, "farRtcp");
        Logger.info("call {} {} media now goes to {} (RTCP {})", callId, k, farRtp, farRtcp);
    }

    /**
     * Keys after a re-INVITE; empty turns SRTP off for that direction. Keys equal to the current
     * ones change nothing (the SRTP state, roll-over counter included, carries on).
     */
    public void rekey(MediaKind k, Optional<SrtpKeys> sendKeys, Optional<SrtpKeys> recvKeys) {
        Stream s = stream(k);
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
        Stream audio = streams.get(MediaKind.AUDIO);
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

    private void sendDigit(Stream audio, String digits, int i, int pt, Duration tone, Duration gap,
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

    private void sendPacketsOf(Stream audio, List<Rfc4733.Packet> packets, int from, long ts, int ssrc, int pt,
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
        NoMediaWatch w = new NoMediaWatch(window, alarm, scheduler.now());
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
        streams.values().forEach(Stream::close);
        StringBuilder sb = new StringBuilder();
        for (Stream s : streams.values()) {
            StreamStats st = s.stats();
            sb.append(' ').append(s.kind).append(" sent=").append(st.packetsSent()).append(" received=")
                    .append(st.packetsReceived()).append(" lost=").append(st.packetsLost()).append(" dropped=")
                    .append(st.dropped());
        }
        Logger.info("media relay for call {} closed:{}", callId, sb);
    }

    private Stream stream(MediaKind k) {
        Stream s = streams.get(k);
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

    private void mediaArrived() {
        for (NoMediaWatch w : watches) {
            w.resumed();
        }
    }

    private void sendReports() {
        for (Stream s : streams.values()) {
            try {
                s.sendReport();
            } catch (RuntimeException e) {
                Logger.warn("call {} {} RTCP report not sent: {}", callId, s.kind, e.toString());
            }
        }
    }

    private final class NoMediaWatch {
        final Duration window;
        final Runnable alarm;
        final Instant since;
        final AtomicBoolean fired = new AtomicBoolean();

        NoMediaWatch(Duration window, Runnable alarm, Instant since) {
            this.window = window;
            this.alarm = alarm;
            this.since = since;
        }

        void check() {
            if (!mediaExpected) {
                return;
            }
            Instant last = since;
            Instant resumed = expectedSince;
            if (resumed != null && resumed.isAfter(last)) {
                last = resumed;
            }
            for (Stream s : streams.values()) {
                Instant l = s.lastReceived;
                if (l != null && l.isAfter(last)) {
                    last = l;
                }
            }
            Instant now = scheduler.now();
            if (Duration.between(last, now).compareTo(window) >= 0 && fired.compareAndSet(false, true)) {
                Logger.warn("call {}: no media from the far end for {} s", callId, window.toSeconds());
                events.emit(DeviceEvent.of("call.media.none", now, "call", callId, "seconds", window.toSeconds()));
                try {
                    alarm.run();
                } catch (RuntimeException e) {
                    Logger.warn(e, "no-media alarm of call {} failed", callId);
                }
            }
        }

        void resumed() {
            if (fired.compareAndSet(true, false)) {
                Logger.info("call {}: media from the far end resumed", callId);
                events.emit(DeviceEvent.of("call.media.resumed", scheduler.now(), "call", callId));
            }
        }
    }

    /** One bound UDP socket and the thread that reads it. */
    private static final class Port {
        final DatagramSocket socket;
        final InetSocketAddress local; // kept: a closed socket no longer knows its address
        Thread thread;

        Port(DatagramSocket socket) {
            this.socket = socket;
            this.local = (InetSocketAddress) socket.getLocalSocketAddress();
        }

        InetSocketAddress local() {
            return local;
        }
    }

    private final class Stream {
        final MediaKind kind;
        volatile int clockRate;
        final Port farRtp;
        final Port farRtcp;
        final Port codec;
        final int relaySsrc = RANDOM.nextInt();
        final String cname;
        volatile InetSocketAddress codecPort;
        volatile InetSocketAddress farEnd;
        volatile InetSocketAddress farRtcpEnd;
        volatile SrtpContext sendCtx;
        Optional<SrtpKeys> sendKeys = Optional.empty();
        Optional<SrtpKeys> recvKeys = Optional.empty();
        volatile SrtpContext recvCtx;
        volatile boolean srtp;
        volatile Instant lastReceived;
        // send side, under sendLock
        final Object sendLock = new Object();
        boolean sentAny;
        int sendSsrc = relaySsrc;
        int lastOutSeq = RANDOM.nextInt(0x8000);
        int seqOffset;
        long lastOutTs = RANDOM.nextInt() & 0xffffffffL;
        boolean codecSeen;
        Instant lastOutAt;
        boolean eventSent;
        long lastEventEnd;
        long sentPackets;
        long sentBytes;
        long sentPayloadOctets;
        // receive side, under recvLock
        final Object recvLock = new Object();
        final ReceptionStats reception;
        long receivedPackets;
        long receivedBytes;
        long lastSrMiddle;
        Instant lastSrArrival;
        Optional<Duration> roundTrip = Optional.empty();
        long remoteLost;
        final AtomicLong dropped = new AtomicLong();
        final AtomicLong rtcpSent = new AtomicLong();
        final AtomicLong rtcpReceived = new AtomicLong();
        final Map<String, Boolean> dropLogged = new java.util.concurrent.ConcurrentHashMap<>();

        Stream(StreamSpec spec, Builder b) throws IOException {
            this.kind = spec.kind;
            this.clockRate = b.clockRates.getOrDefault(kind, kind == MediaKind.AUDIO ? 8000 : 90000);
            this.reception = new ReceptionStats(clockRate);
            this.cname = "roomwire-" + callId + "-" + kind.name().toLowerCase(java.util.Locale.ROOT);
            DatagramSocket[] pair = bindPair(b.farSideAddress);
            this.farRtp = new Port(pair[0]);
            this.farRtcp = new Port(pair[1]);
            this.codec = new Port(new DatagramSocket(new InetSocketAddress(b.codecSideAddress, 0)));
            this.codecPort = spec.codecPort;
            if (spec.farEnd != null) {
                this.farEnd = spec.farEnd;
                this.farRtcpEnd = rtcpMux ? spec.farEnd
                        : new InetSocketAddress(spec.farEnd.getAddress(), spec.farEnd.getPort() + 1);
            }
            setSendKeys(spec.sendKeys);
            setRecvKeys(spec.recvKeys);
        }

        // Same keys again (a re-INVITE for hold/resume) keep their context: a new one would
        // restart the roll-over counter and break media after the first sequence wrap.
        synchronized void setSendKeys(Optional<SrtpKeys> keys) {
            if (!keys.equals(sendKeys)) {
                sendKeys = keys;
                sendCtx = keys.map(SrtpContext::forSending).orElse(null);
            }
            srtp = sendCtx != null || recvCtx != null;
        }

        synchronized void setRecvKeys(Optional<SrtpKeys> keys) {
            if (!keys.equals(recvKeys)) {
                recvKeys = keys;
                recvCtx = keys.map(SrtpContext::forReceiving).orElse(null);
            }
            srtp = sendCtx != null || recvCtx != null;
        }

        void start() {
            String base = "media-" + callId + "-" + kind.name().toLowerCase(java.util.Locale.ROOT);
            farRtp.thread = loop(farRtp, base + "-far", this::fromFar);
            farRtcp.thread = loop(farRtcp, base + "-rtcp", this::fromFarRtcp);
            codec.thread = loop(codec, base + "-codec", this::fromCodec);
        }

        private Thread loop(Port port, String name, PacketHandler handler) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[MAX_PACKET];
                DatagramPacket dp = new DatagramPacket(buf, buf.length);
                while (!port.socket.isClosed()) {
                    try {
                        dp.setLength(buf.length);
                        port.socket.receive(dp);
                    } catch (SocketException e) {
                        return;
                    } catch (IOException e) {
                        Logger.debug("{} receive failed: {}", name, e.getMessage());
                        continue;
                    }
                    try {
                        handler.handle(buf, dp.getLength(), (InetSocketAddress) dp.getSocketAddress());
                    } catch (IOException | RuntimeException e) {
                        drop("error", e.toString());
                    }
                }
            }, name);
            t.setDaemon(true);
            t.start();
            return t;
        }

        void fromCodec(byte[] buf, int len, InetSocketAddress from) throws IOException {
            if (Rtcp.looksLikeRtcp(buf, 0, len)) {
                return; // the relay terminates RTCP and reports for the codec
            }
            if (len < 12 || (buf[0] & 0xc0) != 0x80) {
                return;
            }
            if (codecPort == null) {
                codecPort = from;
                Logger.info("call {} {} codec latched at {}", callId, kind, from);
            }
            InetSocketAddress to = farEnd;
            if (to == null) {
                return;
            }
            synchronized (sendLock) {
                int seq = ((buf[2] & 0xff) << 8) | (buf[3] & 0xff);
                if (!codecSeen) {
                    codecSeen = true;
                    if (sentAny) {
                        seqOffset = lastOutSeq + 1 - seq; // continue after DTMF sent before the codec's first packet
                    }
                }
                int out = (seq + seqOffset) & 0xffff;
                buf[2] = (byte) (out >> 8);
                buf[3] = (byte) out;
                lastOutSeq = out;
                lastOutTs = get32(buf, 4) & 0xffffffffL;
                lastOutAt = scheduler.now();
                sendSsrc = get32(buf, 8);
                sendToFar(buf, len, to);
            }
        }

        /** Under sendLock. */
        private void sendToFar(byte[] rtp, int len, InetSocketAddress to) throws IOException {
            SrtpContext ctx = sendCtx;
            byte[] wire = ctx == null ? java.util.Arrays.copyOf(rtp, len) : ctx.protectRtp(rtp, 0, len);
            // Counted as it is handed to the socket, so a peer never sees more than the counters say.
            sentAny = true;
            sentPackets++;
            sentBytes += wire.length;
            sentPayloadOctets += Math.max(0, len - 12);
            farRtp.socket.send(new DatagramPacket(wire, wire.length, to));
        }

        /** After the last audio, and always after the previous press (timestamps identify events). */
        long[] nextEvent() {
            synchronized (sendLock) {
                long step = dtmfClockRate / 50;
                long ts = (lastOutTs + step) & 0xffffffffL;
                if (eventSent && (int) (ts - lastEventEnd) <= 0) {
                    ts = (lastEventEnd + step) & 0xffffffffL;
                }
                return new long[] {ts, sendSsrc};
            }
        }

        /** One packet of a press; a press keeps the SSRC and timestamp it started with. */
        void sendEvent(Rfc4733.Packet p, long ts, int ssrc, int pt) {
            InetSocketAddress to = farEnd;
            if (to == null) {
                Logger.warn("call {}: DTMF not sent, the far end's media address is not known yet", callId);
                return;
            }
            byte[] payload = p.payload();
            byte[] rtp = new byte[12 + payload.length];
            synchronized (sendLock) {
                int seq = (lastOutSeq + 1) & 0xffff;
                lastOutSeq = seq;
                seqOffset++;
                RtpHeader.write(rtp, p.marker(), pt, seq, ts, ssrc);
                System.arraycopy(payload, 0, rtp, 12, payload.length);
                if (p.event().end()) {
                    eventSent = true;
                    lastEventEnd = (ts + p.event().duration()) & 0xffffffffL;
                }
                try {
                    sendToFar(rtp, rtp.length, to);
                } catch (IOException e) {
                    Logger.warn("call {}: DTMF packet not sent: {}", callId, e.getMessage());
                }
            }
        }

        void fromFar(byte[] buf, int len, InetSocketAddress from) throws IOException {
            if (Rtcp.looksLikeRtcp(buf, 0, len)) {
                fromFarRtcp(buf, len, from);
                return;
            }
            if (len < 12 || (buf[0] & 0xc0) != 0x80) {
                drop("not-rtp", len + " bytes from " + from);
                return;
            }
            byte[] rtp;
            int rtpLen;
            InetSocketAddress expected = farEnd;
            if (!srtp && expected != null && !expected.getAddress().equals(from.getAddress())) {
                // plain RTP has no authentication: at least insist on the far end's host
                drop("foreign-source", "plain RTP from " + from + ", expected " + expected.getAddress());
                return;
            }
            if (srtp) {
                SrtpContext ctx = recvCtx;
                if (ctx == null) {
                    drop("no-key", "SRTP before the far end's key arrived");
                    return;
                }
                try {
                    rtp = ctx.unprotectRtp(buf, 0, len);
                } catch (SrtpException e) {
                    drop(e.reason().name().toLowerCase(java.util.Locale.ROOT), e.getMessage());
                    return;
                }
                rtpLen = rtp.length;
            } else {
                rtp = buf;
                rtpLen = len;
            }
            Instant now = scheduler.now();
            synchronized (recvLock) {
                receivedPackets++;
                receivedBytes += len;
                int seq = ((rtp[2] & 0xff) << 8) | (rtp[3] & 0xff);
                reception.packet(get32(rtp, 8), seq, get32(rtp, 4) & 0xffffffffL, Duration.between(started, now).toNanos());
            }
            lastReceived = now;
            mediaArrived();
            InetSocketAddress to = codecPort;
            if (to != null) {
                codec.socket.send(new DatagramPacket(rtp, 0, rtpLen, to));
            }
        }

        void fromFarRtcp(byte[] buf, int len, InetSocketAddress from) {
            byte[] rtcp;
            if (srtp) {
                SrtpContext ctx = recvCtx;
                if (ctx == null) {
                    drop("no-key", "SRTCP before the far end's key arrived");
                    return;
                }
                try {
                    rtcp = ctx.unprotectRtcp(buf, 0, len);
                } catch (SrtpException e) {
                    drop("rtcp-" + e.reason().name().toLowerCase(java.util.Locale.ROOT), e.getMessage());
                    return;
                }
            } else {
                rtcp = java.util.Arrays.copyOf(buf, len);
            }
            Rtcp.Parsed parsed;
            try {
                parsed = Rtcp.parse(rtcp, 0, rtcp.length);
            } catch (IllegalArgumentException e) {
                drop("bad-rtcp", e.getMessage());
                return;
            }
            Instant now = scheduler.now();
            long nowMiddle = Rtcp.middle(Rtcp.ntp(now));
            int ours;
            synchronized (sendLock) {
                ours = sendSsrc;
            }
            synchronized (recvLock) {
                if (parsed.hasSenderReport()) {
                    lastSrMiddle = parsed.senderNtpMiddle();
                    lastSrArrival = now;
                }
                for (Rtcp.ReportBlock b : parsed.blocks()) {
                    if (b.ssrc() != ours && b.ssrc() != relaySsrc) {
                        continue;
                    }
                    remoteLost = Math.max(0, b.cumulativeLost());
                    if (b.lastSr() != 0) {
                        long rtt = (nowMiddle - b.lastSr() - b.delaySinceLastSr()) & 0xffffffffL;
                        if (rtt < 0x80000000L) {
                            roundTrip = Optional.of(Duration.ofNanos(rtt * 1_000_000_000L / 65536));
                        }
                    }
                }
            }
            if (parsed.keyframeRequested()) {
                Logger.debug("call {} {}: the far end asked for a keyframe", callId, kind);
                for (java.util.function.Consumer<MediaKind> l : keyframeListeners) {
                    try {
                        l.accept(kind);
                    } catch (RuntimeException e) {
                        Logger.warn(e, "call {} {}: keyframe request handler failed", callId, kind);
                    }
                }
            }
            // Counted once its content is recorded: whoever sees the count also sees the report's effect.
            rtcpReceived.incrementAndGet();
        }

        void sendReport() throws RuntimeException {
            InetSocketAddress to = farRtcpEnd;
            if (to == null || closed.get()) {
                return;
            }
            Instant now = scheduler.now();
            Rtcp.ReportBlock block = null;
            synchronized (recvLock) {
                if (reception.started()) {
                    long dlsr = lastSrArrival == null ? 0
                            : Duration.between(lastSrArrival, now).toNanos() * 65536 / 1_000_000_000L;
                    block = new Rtcp.ReportBlock(reception.ssrc(), reception.fractionLostAndReset(),
                            (int) Math.min(reception.lost(), 0x7fffff), reception.extendedHighestSeq(),
                            reception.jitterUnits(), lastSrArrival == null ? 0 : lastSrMiddle, dlsr);
                }
            }
            byte[] rtcp;
            SrtpContext ctx;
            synchronized (sendLock) {
                // the RTP timestamp that corresponds to "now" on the codec's clock (RFC 3550 §6.4.1)
                long rtpNow = lastOutAt == null ? lastOutTs
                        : lastOutTs + Duration.between(lastOutAt, now).toNanos() * clockRate / 1_000_000_000L;
                Rtcp.Sender sender = sentAny
                        ? new Rtcp.Sender(Rtcp.ntp(now), rtpNow & 0xffffffffL, sentPackets, sentPayloadOctets) : null;
                rtcp = Rtcp.compound(sendSsrc, sender, block, cname);
                ctx = sendCtx;
            }
            byte[] wire = ctx == null ? rtcp : ctx.protectRtcp(rtcp, 0, rtcp.length);
            try {
                farRtcp.socket.send(new DatagramPacket(wire, wire.length, to));
                rtcpSent.incrementAndGet();
            } catch (IOException e) {
                Logger.debug("call {} {} RTCP send failed: {}", callId, kind, e.getMessage());
            }
        }

        void drop(String reason, String detail) {
            long n = dropped.incrementAndGet();
            if (dropLogged.putIfAbsent(reason, Boolean.TRUE) == null) {
                Logger.warn("call {} {}: dropped a far-end packet ({}: {}); further drops are counted only",
                        callId, kind, reason, detail);
            } else if (n % 10_000 == 0) {
                Logger.warn("call {} {}: {} far-end packets dropped so far", callId, kind, n);
            }
        }

        StreamStats stats() {
            long ps;
            long bs;
            synchronized (sendLock) {
                ps = sentPackets;
                bs = sentBytes;
            }
            synchronized (recvLock) {
                long j = reception.jitterUnits();
                return new StreamStats(kind, ps, bs, receivedPackets, receivedBytes, reception.lost(), j,
                        Duration.ofNanos(j * 1_000_000_000L / clockRate), roundTrip, remoteLost, dropped.get(),
                        rtcpSent.get(), rtcpReceived.get(), Optional.ofNullable(lastReceived),
                        sendCtx != null && recvCtx != null);
            }
        }

        void close() {
            farRtp.socket.close();
            farRtcp.socket.close();
            codec.socket.close();
        }
    }

    @FunctionalInterface
    private interface PacketHandler {
        void handle(byte[] buf, int len, InetSocketAddress from) throws IOException;
    }

    /** Binds RTP on an even port and RTCP on the next one (RFC 3550 §11). */
    private static DatagramSocket[] bindPair(InetAddress address) throws IOException {
        List<DatagramSocket> odd = new ArrayList<>();
        try {
            for (int attempt = 0; attempt < 64; attempt++) {
                DatagramSocket rtp = new DatagramSocket(new InetSocketAddress(address, 0));
                int p = rtp.getLocalPort();
                if ((p & 1) != 0 || p >= 65535) {
                    odd.add(rtp);
                    continue;
                }
                try {
                    DatagramSocket rtcp = new DatagramSocket(new InetSocketAddress(address, p + 1));
                    return new DatagramSocket[] {rtp, rtcp};
                } catch (SocketException e) {
                    odd.add(rtp);
                }
            }
        } finally {
            odd.forEach(DatagramSocket::close);
        }
        throw new IOException("no free even/odd UDP port pair on " + address.getHostAddress()
                + " for RTP/RTCP after 64 attempts");
    }

    private static int get32(byte[] b, int o) {
        return ((b[o] & 0xff) << 24) | ((b[o + 1] & 0xff) << 16) | ((b[o + 2] & 0xff) << 8) | (b[o + 3] & 0xff);
    }

    private record StreamSpec(MediaKind kind, InetSocketAddress codecPort, InetSocketAddress farEnd,
                              Optional<SrtpKeys> sendKeys, Optional<SrtpKeys> recvKeys) { }

    /** Builds a {@link MediaRelay}; {@link #build()} binds the sockets and starts the loops. */
    public static final class Builder {
        private final Scheduler scheduler;
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
