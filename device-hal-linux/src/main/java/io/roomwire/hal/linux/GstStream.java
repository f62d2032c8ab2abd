package io.roomwire.hal.linux;

import io.roomwire.hal.Codec.Controls;
import io.roomwire.hal.Codec.MediaCounters;
import io.roomwire.hal.Codec.StreamPlan;
import io.roomwire.hal.MediaKind;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.security.SecureRandom;
import java.util.function.Consumer;
import org.tinylog.Logger;

/**
 * One negotiated stream of a {@link GstCodec} session: a send pipeline (none for a receive-only stream, whose
 * plan has no {@code sendTo}) and a receive pipeline, and the loopback hop between them and the bridge. The hop forwards only RTP version 2 packets of the
 * negotiated payload type to the decoder (garbage and stray payload types are counted and dropped), and
 * stops forwarding the encoder's packets while the stream is muted or the camera is off.
 */
final class GstStream {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final StreamPlan plan;
    private final int ssrc = RANDOM.nextInt();
    private final DatagramSocket fromBridge;
    private final DatagramSocket fromEncoder;
    private final InetSocketAddress decoderIn;
    private final InetSocketAddress rtcpIn;
    private final GstLaunch send;
    private final GstPipelines pipelines;
    private final Consumer<String> onProblem;
    private volatile GstLaunch receive;
    private final GstPlayout playout;
    private int volume;
    private final Thread inbound;
    private final Thread outbound;
    private volatile boolean sending = true;
    private volatile boolean closed;
    private long sentPackets;
    private long sentBytes;
    private long lastSentSeq;
    private long recvPackets;
    private long recvBytes;
    private long rejected;
    private long recvBase;
    private long highestSeq = -1;
    private long firstSeq = -1;
    private int sourceSsrc;
    private long duplicates;
    private long ssrcChanges;
    /** Which of the last 1024 extended sequence numbers arrived, to tell duplicates from late packets. */
    private final java.util.BitSet window = new java.util.BitSet(1024);

    GstStream(StreamPlan plan, Consumer<String> onProblem, GstPipelines pipelines, InetAddress loopback,
              Controls controls) throws IOException {
        this.plan = plan;
        this.pipelines = pipelines;
        this.onProblem = onProblem;
        this.volume = controls.speakerVolume();
        this.playout = new GstPlayout(plan.kind());
        this.fromBridge = new DatagramSocket(new InetSocketAddress(loopback, 0));
        this.fromEncoder = new DatagramSocket(new InetSocketAddress(loopback, 0));
        GstLaunch sendPipeline = null;
        try {
            this.decoderIn = new InetSocketAddress(loopback, GstCodec.freePort(loopback));
            this.rtcpIn = new InetSocketAddress(loopback, GstCodec.freePort(loopback));
            String kind = plan.kind().name().toLowerCase();
            // A receive-only stream (no sendTo: a WebRTC call's far-end audio on the speaker) captures nothing.
            sendPipeline = plan.sendTo() == null ? null : GstLaunch.start(kind + " send",
                    pipelines.send(plan, ssrc, fromEncoder.getLocalPort(), rtcpIn.getPort()), onProblem);
            this.send = sendPipeline;
            this.receive = startReceive(volume);
        } catch (IOException | RuntimeException e) {
            if (sendPipeline != null) {
                sendPipeline.close();
            }
            fromBridge.close();
            fromEncoder.close();
            throw e;
        }
        this.inbound = thread(this::inboundLoop, "gst-in-" + plan.kind().name().toLowerCase());
        this.outbound = thread(this::outboundLoop, "gst-out-" + plan.kind().name().toLowerCase());
    }

    private GstLaunch startReceive(int volumePercent) throws IOException {
        return GstLaunch.start(plan.kind().name().toLowerCase() + " receive",
                pipelines.receive(plan, decoderIn.getPort(), volumePercent), onProblem, playout.flags(), playout::line);
    }

    /** Pictures decoded and their size (video), or the decoded level (audio), read from the receive pipeline. */
    io.roomwire.hal.Codec.Playout playout() {
        return playout.playout();
    }

    private static Thread thread(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    InetSocketAddress localPort() {
        return (InetSocketAddress) fromBridge.getLocalSocketAddress();
    }

    /**
     * The speaker volume of received audio. gst-launch cannot change a property of a running pipeline, so
     * the (stateless) receive pipeline restarts with the new volume; the jitter buffer refills in ~60 ms.
     */
    synchronized void setVolume(int percent) {
        if (percent == volume || plan.kind() != MediaKind.AUDIO || closed) {
            return;
        }
        volume = percent;
        GstLaunch old = receive;
        old.close();
        try {
            receive = startReceive(percent);
        } catch (IOException e) {
            onProblem.accept("audio receive pipeline could not restart at volume " + percent + "%: " + e.getMessage());
        }
    }

    synchronized int volume() {
        return volume;
    }

    void setSending(boolean on) {
        boolean was = sending;
        sending = on;
        if (on && !was && plan.kind() == MediaKind.VIDEO) {
            requestKeyframe(); // the far end's decoder needs an IDR to start again after camera off
        }
    }

    /**
     * Sends the send pipeline's RTP session a compound RTCP packet, an empty receiver report and a PLI for
     * our SSRC (RFC 3550 §6.1 compound rule, RFC 4585 §6.3.1): rtpbin turns it into a force-key-unit
     * event that reaches x264enc.
     */
    void requestKeyframe() {
        if (plan.kind() != MediaKind.VIDEO || closed) {
            return;
        }
        byte[] p = new byte[20];
        int reporter = 0x52574b46; // "RWKF": a fixed reporter SSRC for these local requests
        p[0] = (byte) 0x80;
        p[1] = (byte) 201;
        p[3] = 1;
        putInt(p, 4, reporter);
        p[8] = (byte) 0x81; // V=2, FMT=1 (PLI)
        p[9] = (byte) 206;
        p[11] = 2;
        putInt(p, 12, reporter);
        putInt(p, 16, ssrc);
        try {
            fromEncoder.send(new DatagramPacket(p, p.length, rtcpIn));
        } catch (IOException e) {
            Logger.debug("Passing a keyframe request to the encoder failed: {}", e.getMessage());
        }
    }

    private static void putInt(byte[] p, int at, int v) {
        p[at] = (byte) (v >> 24);
        p[at + 1] = (byte) (v >> 16);
        p[at + 2] = (byte) (v >> 8);
        p[at + 3] = (byte) v;
    }

    private void outboundLoop() {
        byte[] buf = new byte[2048];
        DatagramPacket dp = new DatagramPacket(buf, buf.length);
        while (!closed) {
            try {
                dp.setLength(buf.length);
                fromEncoder.receive(dp);
                if (!sending || plan.sendTo() == null) {
                    continue;
                }
                fromEncoder.send(new DatagramPacket(buf, dp.getLength(), plan.sendTo()));
                synchronized (this) {
                    sentPackets++;
                    sentBytes += dp.getLength();
                    lastSentSeq = ((buf[2] & 0xff) << 8) | (buf[3] & 0xff);
                }
            } catch (SocketException e) {
                return;
            } catch (IOException e) {
                Logger.debug("Forwarding {} from the encoder failed: {}", plan.kind(), e.getMessage());
            }
        }
    }

    private void inboundLoop() {
        byte[] buf = new byte[2048];
        DatagramPacket dp = new DatagramPacket(buf, buf.length);
        while (!closed) {
            try {
                dp.setLength(buf.length);
                fromBridge.receive(dp);
                int n = dp.getLength();
                // RFC 3550 §5.1: version 2 and a 12-byte header at least; only the negotiated payload type
                if (n < 12 || (buf[0] & 0xc0) != 0x80 || (buf[1] & 0x7f) != plan.payloadType()) {
                    synchronized (this) {
                        rejected++;
                    }
                    continue;
                }
                int ssrc = ((buf[8] & 0xff) << 24) | ((buf[9] & 0xff) << 16) | ((buf[10] & 0xff) << 8) | (buf[11] & 0xff);
                if (!countReceived(ssrc, ((buf[2] & 0xff) << 8) | (buf[3] & 0xff), n)) {
                    continue; // a duplicate: the decoder has it already
                }
                fromBridge.send(new DatagramPacket(buf, n, decoderIn));
            } catch (SocketException e) {
                return;
            } catch (IOException e) {
                Logger.debug("Forwarding {} to the decoder failed: {}", plan.kind(), e.getMessage());
            }
        }
    }

    /** Counts one packet; false for a duplicate of one already received. */
    private synchronized boolean countReceived(int ssrc, int seq, int bytes) {
        if (firstSeq >= 0 && ssrc != sourceSsrc) {
            // a new source (the far end restarted its encoder, or a gateway switched): count afresh (RFC 3550 §8.2)
            ssrcChanges++;
            firstSeq = -1;
            window.clear();
            Logger.info("{}: the far end's RTP source changed to SSRC {}", plan.kind(), Integer.toUnsignedString(ssrc));
        }
        if (firstSeq < 0) {
            sourceSsrc = ssrc;
            firstSeq = seq;
            highestSeq = seq;
            recvBase = recvPackets;
        } else {
            // extend the 16-bit sequence number by its cycles (RFC 3550 §A.1)
            int delta = (seq - (int) (highestSeq & 0xffff)) & 0xffff;
            long ext;
            if (delta < 0x8000) {
                ext = highestSeq + delta;
            } else {
                ext = highestSeq - (0x10000 - delta);
            }
            if (highestSeq - ext >= 1024) {
                return false; // older than the window: treat as a stale duplicate
            }
            if (ext > highestSeq) {
                if (ext - highestSeq >= 1024) {
                    window.clear();
                } else {
                    for (long i = highestSeq + 1; i <= ext; i++) {
                        window.clear((int) (i & 1023));
                    }
                }
                highestSeq = ext;
            } else if (window.get((int) (ext & 1023))) {
                duplicates++;
                return false;
            }
            window.set((int) (ext & 1023));
            recvPackets++;
            recvBytes += bytes;
            return true;
        }
        window.set((int) (highestSeq & 1023));
        recvPackets++;
        recvBytes += bytes;
        return true;
    }

    synchronized MediaCounters sentCounters() {
        return new MediaCounters(sentPackets, sentBytes, lastSentSeq, 0);
    }

    synchronized MediaCounters receivedCounters() {
        long expected = firstSeq < 0 ? 0 : highestSeq - firstSeq + 1;
        return new MediaCounters(recvPackets, recvBytes, highestSeq, Math.max(0, expected - (recvPackets - recvBase)));
    }

    /** Duplicated packets dropped before the decoder, and how often the far end's SSRC changed. */
    synchronized long[] duplicatesAndSsrcChanges() {
        return new long[] {duplicates, ssrcChanges};
    }

    /** Packets from the bridge that were not RTP of the negotiated payload type, dropped before the decoder. */
    synchronized long rejected() {
        return rejected;
    }

    boolean pipelinesAlive() {
        return (send == null || send.alive()) && receive.alive();
    }

    long[] pids() {
        return send == null ? new long[] {receive.pid()} : new long[] {send.pid(), receive.pid()};
    }

    synchronized void close() {
        closed = true;
        fromBridge.close();
        fromEncoder.close();
        if (send != null) {
            send.close();
        }
        receive.close();
    }
}
