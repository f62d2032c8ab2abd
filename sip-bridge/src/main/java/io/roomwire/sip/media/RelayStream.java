package io.roomwire.sip.media;

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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.tinylog.Logger;

/** One stream of a {@link MediaRelay}: its three sockets, SRTP contexts, counters and RTCP. */
final class RelayStream {
    private final MediaRelay relay;
    private final String callId;
    private final Scheduler scheduler;
    private final boolean rtcpMux;
    private final int dtmfClockRate;
    private final Instant started;
    final MediaKind kind;
    volatile int clockRate;
    final RelayPort farRtp;
    final RelayPort farRtcp;
    final RelayPort codec;
    final int relaySsrc = MediaRelay.RANDOM.nextInt();
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
    int lastOutSeq = MediaRelay.RANDOM.nextInt(0x8000);
    int seqOffset;
    long lastOutTs = MediaRelay.RANDOM.nextInt() & 0xffffffffL;
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

    RelayStream(MediaRelay relay, MediaRelay.StreamSpec spec, int clockRate, InetAddress farSideAddress,
                InetAddress codecSideAddress) throws IOException {
        this.relay = relay;
        this.callId = relay.callId;
        this.scheduler = relay.scheduler;
        this.rtcpMux = relay.rtcpMux;
        this.dtmfClockRate = relay.dtmfClockRate;
        this.started = relay.started;
        this.kind = spec.kind();
        this.clockRate = clockRate;
        this.reception = new ReceptionStats(clockRate);
        this.cname = "roomwire-" + callId + "-" + kind.name().toLowerCase(java.util.Locale.ROOT);
        DatagramSocket[] pair = bindPair(farSideAddress);
        this.farRtp = new RelayPort(pair[0]);
        this.farRtcp = new RelayPort(pair[1]);
        this.codec = new RelayPort(new DatagramSocket(new InetSocketAddress(codecSideAddress, 0)));
        this.codecPort = spec.codecPort();
        if (spec.farEnd() != null) {
            this.farEnd = spec.farEnd();
            this.farRtcpEnd = rtcpMux ? spec.farEnd()
                    : new InetSocketAddress(spec.farEnd().getAddress(), spec.farEnd().getPort() + 1);
        }
        setSendKeys(spec.sendKeys());
        setRecvKeys(spec.recvKeys());
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

    private Thread loop(RelayPort port, String name, PacketHandler handler) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[MediaRelay.MAX_PACKET];
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
        relay.mediaArrived();
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
            for (java.util.function.Consumer<MediaKind> l : relay.keyframeListeners) {
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
        if (to == null || relay.closed.get()) {
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
}
