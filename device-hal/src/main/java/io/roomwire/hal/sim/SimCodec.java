package io.roomwire.hal.sim;

import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.Codec;
import io.roomwire.hal.MediaKind;
import io.roomwire.hal.RtpHeader;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.tinylog.Logger;

/**
 * A synthetic media engine that speaks real RTP on loopback: audio as a 440 Hz tone in 20 ms
 * frames, video as a 15 fps "colour bar" stream of several packets per frame with the marker bit
 * on the last one. Pacing comes from the {@link Scheduler}, so a virtual scheduler drives it
 * deterministically; received packets are counted (packets, bytes, sequence gaps).
 */
public final class SimCodec implements Codec {

    private static final Duration AUDIO_FRAME = Duration.ofMillis(20);
    private static final Duration VIDEO_FRAME = Duration.ofMillis(66);
    private static final int VIDEO_PACKETS_PER_FRAME = 3;
    private static final int VIDEO_PAYLOAD = 1000;

    private final Scheduler scheduler;
    private final InetAddress bindAddress;
    private final AtomicInteger openSessions = new AtomicInteger();

    public SimCodec(Scheduler scheduler) {
        this(scheduler, InetAddress.getLoopbackAddress());
    }

    public SimCodec(Scheduler scheduler, InetAddress bindAddress) {
        this.scheduler = scheduler;
        this.bindAddress = bindAddress;
    }

    @Override
    public List<String> audioEncodings() {
        return List.of("opus", "G722", "PCMU", "PCMA");
    }

    @Override
    public List<String> videoEncodings() {
        return List.of("H264");
    }

    /** Sessions opened and not yet closed (to check that calls release their ports). */
    public int openSessions() {
        return openSessions.get();
    }

    @Override
    public MediaSession open(List<StreamPlan> streams) throws IOException {
        Session s = new Session();
        try {
            for (StreamPlan p : streams) {
                s.add(p);
            }
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        openSessions.incrementAndGet();
        return s;
    }

    private final class Session implements MediaSession {
        private final Map<MediaKind, Stream> streams = new EnumMap<>(MediaKind.class);
        private volatile boolean closed;

        void add(StreamPlan plan) throws IOException {
            DatagramSocket socket = new DatagramSocket(new InetSocketAddress(bindAddress, 0));
            Stream st = new Stream(plan, socket);
            streams.put(plan.kind(), st);
            st.start();
        }

        @Override
        public Map<MediaKind, InetSocketAddress> localPorts() {
            Map<MediaKind, InetSocketAddress> m = new EnumMap<>(MediaKind.class);
            streams.forEach((k, v) -> m.put(k, (InetSocketAddress) v.socket.getLocalSocketAddress()));
            return m;
        }

        @Override
        public MediaCounters sent(MediaKind kind) {
            Stream s = streams.get(kind);
            return s == null ? new MediaCounters(0, 0, 0, 0) : s.sentCounters();
        }

        @Override
        public MediaCounters received(MediaKind kind) {
            Stream s = streams.get(kind);
            return s == null ? new MediaCounters(0, 0, 0, 0) : s.receivedCounters();
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            streams.values().forEach(Stream::stop);
            openSessions.decrementAndGet();
        }
    }

    private final class Stream {
        private final StreamPlan plan;
        private final DatagramSocket socket;
        private final int ssrc = (int) (Math.random() * Integer.MAX_VALUE);
        private final byte[] payloadTemplate;
        private Scheduler.Cancellable pacing;
        private Thread receiver;
        private int seq;
        private long timestamp;
        private long sentPackets;
        private long sentBytes;
        private long recvPackets;
        private long recvBytes;
        private long recvHighestSeq = -1;
        private long recvFirstSeq = -1;
        private int recvCycles;

        Stream(StreamPlan plan, DatagramSocket socket) {
            this.plan = plan;
            this.socket = socket;
            this.payloadTemplate = plan.kind() == MediaKind.AUDIO ? tone(plan) : colourBars();
        }

        void start() {
            Duration frame = plan.kind() == MediaKind.AUDIO ? AUDIO_FRAME : VIDEO_FRAME;
            pacing = scheduler.scheduleAtFixedRate(frame, frame, this::sendFrame);
            receiver = new Thread(this::receiveLoop, "sim-codec-rx-" + plan.kind().name().toLowerCase());
            receiver.setDaemon(true);
            receiver.start();
        }

        void stop() {
            if (pacing != null) {
                pacing.cancel();
            }
            socket.close();
        }

        private void sendFrame() {
            if (socket.isClosed() || plan.sendTo() == null) {
                return;
            }
            int packets = plan.kind() == MediaKind.AUDIO ? 1 : VIDEO_PACKETS_PER_FRAME;
            for (int i = 0; i < packets; i++) {
                boolean marker = plan.kind() == MediaKind.VIDEO && i == packets - 1;
                byte[] pkt = rtp(marker);
                try {
                    socket.send(new DatagramPacket(pkt, pkt.length, plan.sendTo()));
                    synchronized (this) {
                        sentPackets++;
                        sentBytes += pkt.length;
                    }
                } catch (IOException e) {
                    if (!socket.isClosed()) {
                        Logger.debug("sim codec send failed: {}", e.getMessage());
                    }
                    return;
                }
            }
            timestamp += plan.kind() == MediaKind.AUDIO ? plan.clockRate() / 50 : 90000 / 15;
        }

        private byte[] rtp(boolean marker) {
            byte[] p = RtpHeader.packet(marker, plan.payloadType(), seq++ & 0xffff, timestamp, ssrc, payloadTemplate.length);
            System.arraycopy(payloadTemplate, 0, p, RtpHeader.LENGTH, payloadTemplate.length);
            return p;
        }

        private void receiveLoop() {
            byte[] buf = new byte[2048];
            DatagramPacket dp = new DatagramPacket(buf, buf.length);
            while (!socket.isClosed()) {
                try {
                    socket.receive(dp);
                } catch (SocketException e) {
                    return;
                } catch (IOException e) {
                    Logger.debug("sim codec receive failed: {}", e.getMessage());
                    continue;
                }
                if (dp.getLength() < 12 || (buf[0] & 0xc0) != 0x80) {
                    continue;
                }
                int s = ((buf[2] & 0xff) << 8) | (buf[3] & 0xff);
                synchronized (this) {
                    recvPackets++;
                    recvBytes += dp.getLength();
                    if (recvFirstSeq < 0) {
                        recvFirstSeq = s;
                        recvHighestSeq = s;
                    } else {
                        int delta = (s - (int) (recvHighestSeq & 0xffff)) & 0xffff;
                        if (delta > 0 && delta < 0x8000) {
                            if (s < (recvHighestSeq & 0xffff)) {
                                recvCycles++;
                            }
                            recvHighestSeq = ((long) recvCycles << 16) | s;
                        }
                    }
                }
            }
        }

        synchronized MediaCounters sentCounters() {
            return new MediaCounters(sentPackets, sentBytes, (seq - 1) & 0xffff, 0);
        }

        synchronized MediaCounters receivedCounters() {
            long expected = recvFirstSeq < 0 ? 0 : recvHighestSeq - recvFirstSeq + 1;
            return new MediaCounters(recvPackets, recvBytes, recvHighestSeq, Math.max(0, expected - recvPackets));
        }
    }

    /** 20 ms of a 440 Hz tone as G.711 mu-law (160 bytes at 8 kHz), reused for other codecs' size. */
    private static byte[] tone(StreamPlan plan) {
        int samples = 160;
        byte[] out = new byte[samples];
        for (int i = 0; i < samples; i++) {
            double v = Math.sin(2 * Math.PI * 440 * i / 8000.0) * 8000;
            out[i] = muLaw((short) v);
        }
        return out;
    }

    private static byte muLaw(short sample) {
        final int bias = 0x84;
        int sign = (sample >> 8) & 0x80;
        int s = sign != 0 ? -sample : sample;
        s = Math.min(s, 32635) + bias;
        int exponent = 7;
        for (int mask = 0x4000; (s & mask) == 0 && exponent > 0; mask >>= 1) {
            exponent--;
        }
        int mantissa = (s >> (exponent + 3)) & 0x0f;
        return (byte) ~(sign | (exponent << 4) | mantissa);
    }

    /** A packet-sized slice of eight vertical colour bars (an H.264 FU-A-like header, then luma). */
    private static byte[] colourBars() {
        byte[] out = new byte[VIDEO_PAYLOAD];
        out[0] = 0x7c;
        out[1] = 0x05;
        for (int i = 2; i < out.length; i++) {
            out[i] = (byte) (235 - (i * 8 / out.length) * 25);
        }
        return out;
    }

}
