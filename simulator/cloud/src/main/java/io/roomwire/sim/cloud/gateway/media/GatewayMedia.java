package io.roomwire.sim.cloud.gateway.media;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.tinylog.Logger;

/**
 * The media side of the simulated CVI gateway: real RTP/SRTP on UDP, what a gateway's media
 * processor does with a room's call.
 *
 * <p>It terminates SRTP with its own BouncyCastle implementation (not the bridge's), counts the
 * packets and bytes that arrive from the room per stream, detects RFC 4733 DTMF digits in the
 * incoming audio (one digit per event: the first end-of-event packet of a timestamp counts, its
 * repeats are ignored), answers each RTCP sender report with a receiver report (so the room can
 * measure round trip), and sends audio and video RTP back, SRTP-protected.
 *
 * <h2>Use from the gateway's signalling (one instance per call)</h2>
 * <pre>{@code
 * GatewayMedia media = GatewayMedia.builder().suite("AES_CM_128_HMAC_SHA1_80")   // or .plainRtp()
 *         .telephoneEventPayloadType(101).build();
 * // SDP answer: m=audio media.localRtpPort(AUDIO).getPort() RTP/SAVP ...
 * //             a=crypto:1 AES_CM_128_HMAC_SHA1_80 media.localKeyParams(AUDIO).orElseThrow()
 * media.connect(AUDIO, roomRtpAddress, Optional.of("inline:...room key..."));  // from the room's offer
 * media.onDigit(d -> ivr.digit(d));          // or poll media.digits()
 * media.sendMedia(AUDIO, 5);                 // 5 packets now (deterministic tests)
 * media.startSending(executor);              // or paced: audio every 20 ms, video 3 packets / 66 ms
 * media.received(AUDIO).packets();           // what arrived from the room and authenticated
 * media.close();
 * }</pre>
 * Streams: {@link Kind#AUDIO} and {@link Kind#VIDEO} (build with {@link Builder#kinds} for fewer).
 * Each binds RTP on an even port and RTCP on the next (RTCP on the RTP port is accepted too).
 * Packets that fail SRTP authentication, or are not RTP, are counted in {@link Counters#rejected()}.
 * Thread-safe; listeners run on the receive thread and must not block.
 */
public final class GatewayMedia implements AutoCloseable {

    /** A media stream of the call. */
    public enum Kind { AUDIO, VIDEO }

    /** Counters of one direction of one stream. {@code rejected} counts refused incoming packets. */
    public record Counters(long packets, long bytes, long rejected) { }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Optional<String> suite;
    private final int audioPt;
    private final int videoPt;
    private final int eventPt;
    private final Map<Kind, Stream> streams = new EnumMap<>(Kind.class);
    private final List<Consumer<Character>> digitListeners = new CopyOnWriteArrayList<>();
    private final StringBuffer digits = new StringBuffer();
    private final List<ScheduledFuture<?>> pacing = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private GatewayMedia(Builder b) throws IOException {
        this.suite = b.suite;
        this.audioPt = b.audioPt;
        this.videoPt = b.videoPt;
        this.eventPt = b.eventPt;
        try {
            for (Kind k : b.kinds) {
                streams.put(k, new Stream(k, b.bindAddress));
            }
        } catch (IOException e) {
            streams.values().forEach(Stream::close);
            throw e;
        }
        streams.values().forEach(Stream::start);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The RTP address of a stream, for the gateway's SDP ({@code c=} and {@code m=} port). */
    public InetSocketAddress localRtpPort(Kind k) {
        return (InetSocketAddress) stream(k).rtp.getLocalSocketAddress();
    }

    /** The crypto suite name for the SDP answer, empty for plain RTP. */
    public Optional<String> suite() {
        return suite;
    }

    /** The gateway's own SDES key parameter for a stream ({@code inline:...}), empty for plain RTP. */
    public Optional<String> localKeyParams(Kind k) {
        return Optional.ofNullable(stream(k).localKey);
    }

    /**
     * Where the room wants this stream (from its SDP) and the room's SDES key parameter
     * ({@code inline:...}, required when the gateway uses SRTP). May be called again on re-INVITE.
     */
    public void connect(Kind k, InetSocketAddress roomRtp, Optional<String> roomKeyParams) {
        Stream s = stream(k);
        if (suite.isPresent()) {
            String key = roomKeyParams.orElseThrow(() ->
                    new IllegalArgumentException("the room offered no a=crypto key for " + k + " but SRTP is on"));
            s.rx = new GatewaySrtp(suite.get(), key);
        }
        s.room = Objects.requireNonNull(roomRtp, "roomRtp");
    }

    /**
     * Sends {@code packets} RTP packets of the stream to the room now (video: the next packets of the H.264
     * clip, the marker bit on the last of each picture).
     */
    public void sendMedia(Kind k, int packets) {
        Stream s = stream(k);
        for (int i = 0; i < packets; i++) {
            s.sendOne();
        }
    }

    /**
     * Asks the room for a keyframe as a video gateway does when it joins or loses pictures: an
     * empty RR and a PLI (RFC 4585 §6.3.1) to the room's RTCP port (RTP + 1), SRTCP when keyed.
     */
    public void requestKeyframe(Kind k) {
        Stream s = stream(k);
        InetSocketAddress to = s.room;
        if (to == null) {
            throw new IllegalStateException("the room's " + k + " address is not known yet: connect() first");
        }
        try {
            s.sendPli(new InetSocketAddress(to.getAddress(), to.getPort() + 1));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("PLI to " + to + " failed", e);
        }
    }

    /** Paces media to the room on {@code executor}: audio one packet per 20 ms, video one picture per 66 ms (15 fps). */
    public void startSending(ScheduledExecutorService executor) {
        for (Stream s : streams.values()) {
            long period = s.kind == Kind.AUDIO ? 20 : 66;
            pacing.add(executor.scheduleAtFixedRate(() -> {
                if (s.kind == Kind.AUDIO) {
                    s.sendOne();
                } else {
                    s.sendPicture();
                }
            }, period, period, TimeUnit.MILLISECONDS));
        }
    }

    /** Stops what {@link #startSending} started (hold, or the end of the call). */
    public void stopSending() {
        pacing.forEach(f -> f.cancel(false));
        pacing.clear();
    }

    /** What arrived from the room on a stream and authenticated (and what was refused). */
    public Counters received(Kind k) {
        Stream s = stream(k);
        synchronized (s) {
            return new Counters(s.recvPackets, s.recvBytes, s.rejected);
        }
    }

    /** What the gateway sent to the room on a stream. */
    public Counters sent(Kind k) {
        Stream s = stream(k);
        synchronized (s) {
            return new Counters(s.sentPackets, s.sentBytes, 0);
        }
    }

    /** RTCP packets from the room that authenticated, per stream. */
    public long rtcpReceived(Kind k) {
        Stream s = stream(k);
        synchronized (s) {
            return s.rtcpReceived;
        }
    }

    /** Every DTMF digit received so far, in order (e.g. {@code "123456789#"}). */
    public String digits() {
        return digits.toString();
    }

    /** Called once per digit, on the receive thread. */
    public void onDigit(Consumer<Character> listener) {
        digitListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopSending();
        streams.values().forEach(Stream::close);
    }

    private Stream stream(Kind k) {
        Stream s = streams.get(k);
        if (s == null) {
            throw new IllegalArgumentException("this gateway call has no " + k + " stream");
        }
        return s;
    }

    private final class Stream {
        final Kind kind;
        final DatagramSocket rtp;
        final DatagramSocket rtcp;
        final String localKey;
        final GatewaySrtp tx;
        volatile GatewaySrtp rx;
        volatile InetSocketAddress room;
        final int ssrc = RANDOM.nextInt();
        int seq = RANDOM.nextInt(0x8000);
        long timestamp = RANDOM.nextInt() & 0xffffffffL;
        int videoInFrame;
        int picture;
        long sentPackets;
        long sentBytes;
        long recvPackets;
        long recvBytes;
        long rejected;
        long rtcpReceived;
        final LinkedHashSet<Long> eventsSeen = new LinkedHashSet<>();

        Stream(Kind kind, InetAddress bind) throws IOException {
            this.kind = kind;
            DatagramSocket[] pair = bindPair(bind);
            this.rtp = pair[0];
            this.rtcp = pair[1];
            this.localKey = suite.map(x -> GatewaySrtp.newKeyParams()).orElse(null);
            this.tx = suite.map(x -> new GatewaySrtp(x, localKey)).orElse(null);
        }

        void start() {
            thread(rtp, "gw-media-" + kind.name().toLowerCase());
            thread(rtcp, "gw-rtcp-" + kind.name().toLowerCase());
        }

        private void thread(DatagramSocket socket, String name) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[8192];
                DatagramPacket dp = new DatagramPacket(buf, buf.length);
                while (!socket.isClosed()) {
                    try {
                        dp.setLength(buf.length);
                        socket.receive(dp);
                        int pt = dp.getLength() >= 2 ? buf[1] & 0xff : 0;
                        if (pt >= 192 && pt <= 223) {
                            onRtcp(buf, dp.getLength(), (InetSocketAddress) dp.getSocketAddress());
                        } else {
                            onRtp(buf, dp.getLength());
                        }
                    } catch (SocketException e) {
                        return;
                    } catch (IOException | RuntimeException e) {
                        Logger.debug("gateway media {}: {}", name, e.toString());
                    }
                }
            }, name);
            t.setDaemon(true);
            t.start();
        }

        void onRtp(byte[] buf, int len) {
            byte[] p;
            if (suite.isPresent()) {
                GatewaySrtp r = rx;
                p = r == null ? null : r.unprotectRtp(buf, len);
            } else {
                p = GatewaySrtp.headerLength(buf, len) < 0 ? null : java.util.Arrays.copyOf(buf, len);
            }
            synchronized (this) {
                if (p == null) {
                    rejected++;
                    return;
                }
                recvPackets++;
                recvBytes += len;
            }
            if (kind == Kind.AUDIO && (p[1] & 0x7f) == eventPt) {
                onEvent(p);
            }
        }

        private void onEvent(byte[] p) {
            int hl = GatewaySrtp.headerLength(p, p.length);
            if (hl < 0 || p.length < hl + 4 || (p[hl + 1] & 0x80) == 0) {
                return;
            }
            long key = ((long) GatewaySrtp.int32(p, 8) << 32) | (GatewaySrtp.int32(p, 4) & 0xffffffffL);
            int event = p[hl] & 0xff;
            synchronized (this) {
                if (!eventsSeen.add(key)) {
                    return;
                }
                if (eventsSeen.size() > 256) {
                    eventsSeen.remove(eventsSeen.iterator().next());
                }
            }
            if (event > 15) {
                return;
            }
            char d = "0123456789*#ABCD".charAt(event);
            digits.append(d);
            Logger.debug("gateway media: DTMF {}", d);
            for (Consumer<Character> l : digitListeners) {
                l.accept(d);
            }
        }

        void onRtcp(byte[] buf, int len, InetSocketAddress from) throws IOException {
            byte[] p;
            if (suite.isPresent()) {
                GatewaySrtp r = rx;
                p = r == null ? null : r.unprotectRtcp(buf, len);
            } else {
                p = len >= 8 ? java.util.Arrays.copyOf(buf, len) : null;
            }
            if (p == null) {
                synchronized (this) {
                    rejected++;
                }
                return;
            }
            synchronized (this) {
                rtcpReceived++;
            }
            if ((p[1] & 0xff) == 200 && p.length >= 28) {
                int senderSsrc = GatewaySrtp.int32(p, 4);
                long lsr = ((GatewaySrtp.int32(p, 8) & 0xffffL) << 16) | ((GatewaySrtp.int32(p, 12) >>> 16) & 0xffff);
                sendReceiverReport(senderSsrc, lsr, from);
            }
        }

        void sendPli(InetSocketAddress to) throws IOException {
            byte[] p = new byte[20];
            p[0] = (byte) 0x80; // RR without blocks: a compound packet starts with SR or RR (RFC 3550 §6.1)
            p[1] = (byte) 201;
            p[3] = 1;
            GatewaySrtp.put32(p, 4, ssrc);
            p[8] = (byte) 0x81; // PSFB, FMT 1 = PLI
            p[9] = (byte) 206;
            p[11] = 2;
            GatewaySrtp.put32(p, 12, ssrc);
            byte[] wire = tx == null ? p : tx.protectRtcp(p, p.length);
            rtcp.send(new DatagramPacket(wire, wire.length, to));
        }

        /** RR with one block on the room's stream; DLSR 0 as it answers at once. */
        private void sendReceiverReport(int roomSsrc, long lsr, InetSocketAddress to) throws IOException {
            byte[] cname = ("gateway-" + kind.name().toLowerCase()).getBytes(StandardCharsets.US_ASCII);
            int sdesLen = (4 + 4 + 2 + cname.length + 1 + 3) & ~3;
            byte[] rr = new byte[32 + sdesLen];
            rr[0] = (byte) 0x81;
            rr[1] = (byte) 201;
            rr[3] = 7;
            GatewaySrtp.put32(rr, 4, ssrc);
            GatewaySrtp.put32(rr, 8, roomSsrc);
            GatewaySrtp.put32(rr, 24, (int) lsr);
            rr[32] = (byte) 0x81;
            rr[33] = (byte) 202;
            rr[35] = (byte) (sdesLen / 4 - 1);
            GatewaySrtp.put32(rr, 36, ssrc);
            rr[40] = 1;
            rr[41] = (byte) cname.length;
            System.arraycopy(cname, 0, rr, 42, cname.length);
            byte[] wire = tx == null ? rr : tx.protectRtcp(rr, rr.length);
            rtcp.send(new DatagramPacket(wire, wire.length, to));
        }

        /** The rest of the current picture's packets. */
        void sendPicture() {
            int left;
            synchronized (this) {
                left = VideoClip.get().payloads(picture).size() - videoInFrame;
            }
            for (int i = 0; i < left; i++) {
                sendOne();
            }
        }

        void sendOne() {
            InetSocketAddress to = room;
            if (to == null || closed) {
                return;
            }
            byte[] pkt;
            synchronized (this) {
                boolean video = kind == Kind.VIDEO;
                // video: the next RTP payload of the H.264 clip (VideoClip); audio: 20 ms of mu-law silence
                List<byte[]> payloads = video ? VideoClip.get().payloads(picture) : null;
                byte[] nal = video ? payloads.get(videoInFrame) : null;
                int payload = video ? nal.length : 160;
                pkt = new byte[12 + payload];
                pkt[0] = (byte) 0x80;
                boolean marker = video && ++videoInFrame == payloads.size();
                pkt[1] = (byte) ((marker ? 0x80 : 0) | (video ? videoPt : audioPt));
                int s = seq++ & 0xffff;
                pkt[2] = (byte) (s >> 8);
                pkt[3] = (byte) s;
                GatewaySrtp.put32(pkt, 4, (int) timestamp);
                GatewaySrtp.put32(pkt, 8, ssrc);
                if (video) {
                    System.arraycopy(nal, 0, pkt, 12, nal.length);
                } else {
                    java.util.Arrays.fill(pkt, 12, pkt.length, (byte) 0xff);
                }
                if (marker) {
                    picture = (picture + 1) % VideoClip.get().size();
                }
                if (!video) {
                    timestamp += 160;
                } else if (marker) {
                    videoInFrame = 0;
                    timestamp += 6000;
                }
                if (tx != null) {
                    pkt = tx.protectRtp(pkt, pkt.length);
                }
                sentPackets++;
                sentBytes += pkt.length;
            }
            try {
                rtp.send(new DatagramPacket(pkt, pkt.length, to));
            } catch (IOException e) {
                Logger.debug("gateway media send failed: {}", e.getMessage());
            }
        }

        void close() {
            rtp.close();
            rtcp.close();
        }
    }

    private static DatagramSocket[] bindPair(InetAddress address) throws IOException {
        List<DatagramSocket> spare = new ArrayList<>();
        try {
            for (int i = 0; i < 64; i++) {
                DatagramSocket a = new DatagramSocket(new InetSocketAddress(address, 0));
                if ((a.getLocalPort() & 1) == 0 && a.getLocalPort() < 65535) {
                    try {
                        return new DatagramSocket[] {a, new DatagramSocket(new InetSocketAddress(address, a.getLocalPort() + 1))};
                    } catch (SocketException e) {
                        // taken: try another pair
                    }
                }
                spare.add(a);
            }
        } finally {
            spare.forEach(DatagramSocket::close);
        }
        throw new IOException("no free RTP/RTCP port pair on " + address);
    }

    /** Options of a gateway call's media. */
    public static final class Builder {
        private InetAddress bindAddress = InetAddress.getLoopbackAddress();
        private Optional<String> suite = Optional.of("AES_CM_128_HMAC_SHA1_80");
        private int audioPt = 0;
        private int videoPt = 96;
        private int eventPt = 101;
        private List<Kind> kinds = List.of(Kind.AUDIO, Kind.VIDEO);

        public Builder bindAddress(InetAddress a) {
            this.bindAddress = Objects.requireNonNull(a);
            return this;
        }

        /** SRTP with this suite (AES_CM_128_HMAC_SHA1_80, the default, or AES_CM_128_HMAC_SHA1_32). */
        public Builder suite(String name) {
            if (!name.equals("AES_CM_128_HMAC_SHA1_80") && !name.equals("AES_CM_128_HMAC_SHA1_32")) {
                throw new IllegalArgumentException("unsupported crypto suite " + name);
            }
            this.suite = Optional.of(name);
            return this;
        }

        /** Plain RTP, no SRTP (a best-effort call). */
        public Builder plainRtp() {
            this.suite = Optional.empty();
            return this;
        }

        public Builder audioPayloadType(int pt) {
            this.audioPt = pt;
            return this;
        }

        public Builder videoPayloadType(int pt) {
            this.videoPt = pt;
            return this;
        }

        public Builder telephoneEventPayloadType(int pt) {
            this.eventPt = pt;
            return this;
        }

        public Builder kinds(Kind... k) {
            this.kinds = List.of(k);
            return this;
        }

        public GatewayMedia build() throws IOException {
            return new GatewayMedia(this);
        }
    }

}
