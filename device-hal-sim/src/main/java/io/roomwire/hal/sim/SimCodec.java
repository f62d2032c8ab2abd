package io.roomwire.hal.sim;

import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.Codec;
import io.roomwire.hal.G711;
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
 * A synthetic media engine that sends decodable media as real RTP on loopback, in the encoding the
 * SDP negotiated: PCMU/PCMA encode a tone sequence (440 Hz then 880 Hz, one second each) in 20 ms
 * frames; G.722 and Opus loop pre-encoded clips of the same sequence; H.264 loops a 15 fps clip of
 * colour bars with a burnt-in frame counter, packetized per RFC 6184. The clips and how they were
 * made are in {@code src/main/resources/io/roomwire/hal/sim/media/README.md}. Pacing comes from the
 * {@link Scheduler}, so a virtual scheduler drives it deterministically; received packets are
 * counted (packets, bytes, sequence gaps).
 */
public final class SimCodec implements Codec {

    private static final Duration AUDIO_FRAME = Duration.ofMillis(20);
    private static final Duration VIDEO_FRAME = Duration.ofMillis(66);
    /** RTP payload limit: keeps SRTP packets well under a 1500-byte Ethernet MTU. */
    static final int MAX_VIDEO_PAYLOAD = 1200;
    static final String VIDEO_CLIP = "media/colourbars-320x180-15fps.h264";
    private static final String G722_CLIP = "media/tone-440-880.g722";
    private static final String OPUS_CLIP = "media/tone-440-880.opus";
    private static volatile H264Clip video;
    private static volatile AudioClip g722;
    private static volatile AudioClip opus;

    private final Scheduler scheduler;
    private final InetAddress bindAddress;
    private final SimRawCapture rawCapture;
    private final AtomicInteger openSessions = new AtomicInteger();
    private final java.util.Set<Session> sessions = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile Controls controls = Controls.DEFAULT;
    private final List<Speaker> speakers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final SimRawPlayout display = new SimRawPlayout(this);

    public SimCodec(Scheduler scheduler) {
        this(scheduler, InetAddress.getLoopbackAddress());
    }

    public SimCodec(Scheduler scheduler, InetAddress bindAddress) {
        this(scheduler, bindAddress, new SimCamera());
    }

    /** The codec of a room whose camera is {@code camera}: its raw capture shows that camera's picture. */
    public SimCodec(Scheduler scheduler, InetAddress bindAddress, SimCamera camera) {
        this.scheduler = scheduler;
        this.bindAddress = bindAddress;
        this.rawCapture = new SimRawCapture(scheduler, camera);
    }

    /** The simulated camera's picture and the tone sequence as raw frames ({@link SimRawCapture}). */
    @Override
    public java.util.Optional<io.roomwire.hal.RawCapture> rawCapture() {
        return java.util.Optional.of(rawCapture);
    }

    /** The simulated display, and the speaker, fed the raw frames of a path that decodes media itself ({@link SimRawPlayout}). */
    @Override
    public java.util.Optional<io.roomwire.hal.RawPlayout> rawPlayout() {
        return java.util.Optional.of(display);
    }

    /** The same raw playout as {@link #rawPlayout()}, with what its display showed. */
    public SimRawPlayout display() {
        return display;
    }

    @Override
    public List<String> audioEncodings() {
        return List.of("opus", "G722", "PCMU", "PCMA");
    }

    @Override
    public List<String> videoEncodings() {
        return List.of("H264");
    }

    @Override
    public void setControls(Controls c) {
        Controls before = controls;
        controls = java.util.Objects.requireNonNull(c, "controls");
        if (before.cameraOff() && !c.cameraOff()) {
            // the far end's decoder needs an IDR to start again after camera off
            sessions.forEach(Session::requestKeyframe);
        }
    }

    @Override
    public Controls controls() {
        return controls;
    }

    /** Hears what the simulated speaker plays. */
    public interface Speaker {
        /** {@code pcm}: interleaved samples of {@code channels} at {@code sampleRate}, as played (after the volume). */
        void played(short[] pcm, int sampleRate, int channels);
    }

    /**
     * The simulated speaker: the far end's audio as the room decodes it and plays it, scaled by the speaker volume of
     * {@link #controls()} (as GstCodec's volume element does), for tests that listen to the room as a microphone in
     * front of its speaker would. A SIP call's: 20 ms of 8 kHz mono (PCMU and PCMA; the simulator does not decode Opus
     * or G.722) on the stream's receive thread; a raw playout's ({@link #rawPlayout()}): 10 ms of 48 kHz mono or
     * stereo on the thread that plays it.
     */
    public void onSpeaker(Speaker listener) {
        speakers.add(java.util.Objects.requireNonNull(listener, "listener"));
    }

    /** Plays {@code pcm} on the speaker at the volume of {@link #controls()}. */
    void playOnSpeaker(short[] pcm, int sampleRate, int channels) {
        if (!speakers.isEmpty()) {
            short[] played = atVolume(pcm, controls.speakerVolume());
            speakers.forEach(l -> l.played(played, sampleRate, channels));
        }
    }

    /** {@code pcm} scaled linearly to {@code percent} of its amplitude (100 leaves it as it is). */
    static short[] atVolume(short[] pcm, int percent) {
        if (percent == 100) {
            return pcm;
        }
        short[] out = new short[pcm.length];
        for (int i = 0; i < pcm.length; i++) {
            out[i] = (short) (pcm[i] * percent / 100);
        }
        return out;
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
        sessions.add(s);
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
        public Playout playout(MediaKind kind) {
            Stream s = streams.get(kind);
            return s == null ? Playout.NONE : s.playout();
        }

        @Override
        public void requestKeyframe() {
            Stream s = streams.get(MediaKind.VIDEO);
            if (s != null) {
                s.source.requestKeyframe();
            }
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            streams.values().forEach(Stream::stop);
            sessions.remove(this);
            openSessions.decrementAndGet();
        }
    }

    private final class Stream {
        private final StreamPlan plan;
        private final DatagramSocket socket;
        private final int ssrc = (int) (Math.random() * Integer.MAX_VALUE);
        private final Source source;
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
        /** What the far end's video would show (H.264), or its audio level (G.711, decoded here). */
        private final H264Receiver video = new H264Receiver();
        private final AudioLevel level = new AudioLevel();
        private final G711Decoder audioDecoder;

        Stream(StreamPlan plan, DatagramSocket socket) {
            this.plan = plan;
            this.socket = socket;
            this.source = source(plan);
            String enc = plan.encoding().toUpperCase(java.util.Locale.ROOT);
            this.audioDecoder = plan.kind() != MediaKind.AUDIO ? null
                    : enc.equals("PCMU") ? G711::muLawDecode : enc.equals("PCMA") ? G711::aLawDecode : null;
        }

        /**
         * Video: pictures complete and decodable, and the SPS's size. Audio: the level of G.711, which is
         * decoded here; Opus and G.722 are not decoded by the simulator, so their level stays unknown.
         */
        Playout playout() {
            if (plan.kind() == MediaKind.VIDEO) {
                return new Playout(video.frames(), video.width(), video.height(), java.util.OptionalDouble.empty());
            }
            return new Playout(0, 0, 0, level.dbov());
        }

        private void decode(byte[] buf, int length) {
            if ((buf[1] & 0x7f) != plan.payloadType()) {
                return; // not what was negotiated: no decoder would take it
            }
            int cc = buf[0] & 0x0f;
            int off = RtpHeader.LENGTH + 4 * cc;
            if ((buf[0] & 0x10) != 0 && off + 4 <= length) { // header extension (RFC 3550 §5.3.1)
                off += 4 + 4 * (((buf[off + 2] & 0xff) << 8) | (buf[off + 3] & 0xff));
            }
            int end = length;
            if ((buf[0] & 0x20) != 0 && end > off) { // padding: the last byte counts it
                end -= buf[end - 1] & 0xff;
            }
            if (off > end) {
                return;
            }
            if (plan.kind() == MediaKind.VIDEO) {
                int seq = ((buf[2] & 0xff) << 8) | (buf[3] & 0xff);
                long ts = ((buf[4] & 0xffL) << 24) | ((buf[5] & 0xff) << 16) | ((buf[6] & 0xff) << 8) | (buf[7] & 0xff);
                int ssrc = ((buf[8] & 0xff) << 24) | ((buf[9] & 0xff) << 16) | ((buf[10] & 0xff) << 8) | (buf[11] & 0xff);
                video.packet(buf, off, end, seq, ts, ssrc, (buf[1] & 0x80) != 0);
            } else if (audioDecoder != null) {
                short[] pcm = new short[end - off];
                for (int i = off; i < end; i++) {
                    pcm[i - off] = audioDecoder.decode(buf[i]);
                }
                // the level is what the far end sent (as GstCodec's level element); the speaker plays it at the volume
                level.frame(pcm, pcm.length);
                playOnSpeaker(pcm, plan.clockRate(), 1);
            }
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
            Controls c = controls;
            boolean paused = plan.kind() == MediaKind.AUDIO ? c.microphoneMuted() : c.cameraOff();
            List<byte[]> payloads;
            long ts;
            synchronized (this) {
                if (paused) {
                    // nothing is sent, but the media clock runs on (RFC 3550 §5.1: timestamps are sampling instants)
                    timestamp += plan.kind() == MediaKind.AUDIO ? plan.clockRate() / 50 : 90000 / 15;
                    return;
                }
                payloads = source.nextFrame();
                ts = timestamp;
                timestamp += plan.kind() == MediaKind.AUDIO ? plan.clockRate() / 50 : 90000 / 15;
            }
            for (int i = 0; i < payloads.size(); i++) {
                // Video: the marker bit ends an access unit (RFC 6184 §5.1); audio: unset, no silence suppression.
                boolean marker = plan.kind() == MediaKind.VIDEO && i == payloads.size() - 1;
                byte[] payload = payloads.get(i);
                byte[] pkt;
                synchronized (this) {
                    pkt = RtpHeader.packet(marker, plan.payloadType(), seq++ & 0xffff, ts, ssrc, payload.length);
                }
                System.arraycopy(payload, 0, pkt, RtpHeader.LENGTH, payload.length);
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
                try {
                    decode(buf, dp.getLength());
                } catch (RuntimeException e) {
                    // a far end's malformed payload must not end the receive loop (the call goes on)
                    Logger.debug("sim codec could not read a {} payload: {}", plan.kind(), e.toString());
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

    /** One G.711 law, decoding. */
    interface G711Decoder {
        short decode(byte b);
    }

    /** What one stream sends: the RTP payloads of its next frame (20 ms of audio, one picture). */
    interface Source {
        List<byte[]> nextFrame();

        /** The next frame starts with SPS, PPS and an IDR picture (video only). */
        default void requestKeyframe() {
        }
    }

    static Source source(StreamPlan plan) {
        String enc = plan.encoding().toUpperCase(java.util.Locale.ROOT);
        switch (enc) {
            case "PCMU":
                return new ToneSource(G711::muLaw);
            case "PCMA":
                return new ToneSource(G711::aLaw);
            case "G722":
                return new ClipSource(g722Clip());
            case "OPUS":
                return new ClipSource(opusClip());
            case "H264":
                return new VideoSource(videoClip());
            default:
                throw new IllegalArgumentException("the simulated codec cannot send " + plan.encoding()
                        + "; negotiate one of opus, G722, PCMU, PCMA (audio) or H264 (video)");
        }
    }

    static H264Clip videoClip() {
        H264Clip c = video;
        if (c == null) {
            c = H264Clip.resource(VIDEO_CLIP);
            video = c;
        }
        return c;
    }

    private static AudioClip g722Clip() {
        AudioClip c = g722;
        if (c == null) {
            c = AudioClip.g722(G722_CLIP);
            g722 = c;
        }
        return c;
    }

    private static AudioClip opusClip() {
        AudioClip c = opus;
        if (c == null) {
            c = AudioClip.oggOpus(OPUS_CLIP);
            opus = c;
        }
        return c;
    }

    /** G.711 at 8 kHz: 440 Hz for one second, then 880 Hz, repeating, with continuous phase. */
    static final class ToneSource implements Source {
        /** One of the two G.711 laws. */
        interface Law {
            byte encode(short linear);
        }

        private final Law law;
        private final ToneSequence tone = new ToneSequence(8000, 12000);

        ToneSource(Law law) {
            this.law = law;
        }

        @Override
        public List<byte[]> nextFrame() {
            byte[] out = new byte[160];
            for (int i = 0; i < out.length; i++) {
                out[i] = law.encode(tone.next());
            }
            return List.of(out);
        }
    }

    /** A pre-encoded audio clip, one packet per 20 ms, in a loop. */
    static final class ClipSource implements Source {
        private final AudioClip clip;
        private int next;

        ClipSource(AudioClip clip) {
            this.clip = clip;
        }

        @Override
        public List<byte[]> nextFrame() {
            byte[] f = clip.frame(next);
            next = (next + 1) % clip.size();
            return List.of(f);
        }
    }

    /** The H.264 clip, one access unit per frame, in a loop; a keyframe request jumps to the next IDR. */
    static final class VideoSource implements Source {
        private final H264Clip clip;
        private int next;
        private volatile boolean keyframeWanted;

        VideoSource(H264Clip clip) {
            this.clip = clip;
        }

        @Override
        public void requestKeyframe() {
            keyframeWanted = true;
        }

        @Override
        public List<byte[]> nextFrame() {
            if (keyframeWanted) {
                keyframeWanted = false;
                if (!clip.isKeyframe(next)) {
                    next = clip.nextKeyframe(next);
                }
            }
            List<byte[]> p = clip.payloads(next, MAX_VIDEO_PAYLOAD);
            next = (next + 1) % clip.size();
            return p;
        }
    }
}
