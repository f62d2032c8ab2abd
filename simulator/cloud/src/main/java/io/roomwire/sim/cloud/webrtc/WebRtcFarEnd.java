package io.roomwire.sim.cloud.webrtc;

import dev.onvoid.webrtc.CreateSessionDescriptionObserver;
import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.PeerConnectionObserver;
import dev.onvoid.webrtc.RTCAnswerOptions;
import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCIceConnectionState;
import dev.onvoid.webrtc.RTCIceGatheringState;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCRtpSender;
import dev.onvoid.webrtc.RTCRtpTransceiver;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.RTCStats;
import dev.onvoid.webrtc.RTCStatsReport;
import dev.onvoid.webrtc.RTCStatsType;
import dev.onvoid.webrtc.SetSessionDescriptionObserver;
import dev.onvoid.webrtc.media.audio.AudioDeviceModule;
import dev.onvoid.webrtc.media.audio.AudioLayer;
import dev.onvoid.webrtc.media.audio.AudioTrack;
import dev.onvoid.webrtc.media.audio.CustomAudioSource;
import dev.onvoid.webrtc.media.video.CustomVideoSource;
import dev.onvoid.webrtc.media.video.I420Buffer;
import dev.onvoid.webrtc.media.video.NativeI420Buffer;
import dev.onvoid.webrtc.media.video.VideoFrame;
import dev.onvoid.webrtc.media.video.VideoTrack;
import dev.onvoid.webrtc.media.video.VideoTrackSink;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.tinylog.Logger;

/**
 * The simulated gateway's far end on webrtc-java: answers each offer with a sendrecv peer that sends
 * a moving test pattern (320x180@15) and a 660 Hz tone, and reports what it received through
 * {@link #report}. {@link #vanish} drops a session without a word, as a crashed gateway would.
 */
public final class WebRtcFarEnd implements FarEnd, AutoCloseable {

    /**
     * What the far end received on one session. {@code meanLuma} is the average brightness (I420 Y, 0..255) of a
     * recent decoded picture, -1 before one was measured: whose pictures they are (a test pattern, or black).
     */
    public record Report(String iceState, long framesDecoded, long videoPacketsReceived, long audioPacketsReceived,
                         long audioBytesReceived, double meanLuma) { }

    private final AudioDeviceModule adm = new AudioDeviceModule(AudioLayer.kDummyAudio);
    private final PeerConnectionFactory factory = new PeerConnectionFactory(adm);
    private final ScheduledExecutorService media = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sim-far-end-media");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Peer> peers = new ConcurrentHashMap<>();
    private final java.util.function.BiConsumer<RTCPeerConnection, List<RTCRtpSender>> closePeer;

    /**
     * A far end whose peers close with {@code closePeer}, given each peer's connection and the senders {@code addTrack}
     * returned: the room's own closer (webrtc module, {@code PeerConnectionCloser}, which frees what webrtc-java
     * 0.14.0's {@code close()} and {@code addTrack} leave), so that a bench running both in one process measures the
     * room's native memory, not the far end's.
     */
    public WebRtcFarEnd(java.util.function.BiConsumer<RTCPeerConnection, List<RTCRtpSender>> closePeer) {
        this.closePeer = closePeer;
    }

    private final class Peer implements PeerConnectionObserver {
        final String id;
        RTCPeerConnection pc;
        CustomAudioSource audioSource = new CustomAudioSource();
        CustomVideoSource videoSource = new CustomVideoSource();
        AudioTrack audio;
        VideoTrack video;
        final List<RTCRtpSender> senders = new ArrayList<>();
        VideoTrack remoteVideo;
        final AtomicLong frames = new AtomicLong();
        volatile double meanLuma = -1;
        final VideoTrackSink sink = f -> {
            try {
                // Every 5th picture is measured (a sample of its pixels): enough to see a camera go black.
                if (frames.incrementAndGet() % 5 == 1 && f.buffer instanceof I420Buffer b) {
                    meanLuma = meanLuma(b);
                }
            } finally {
                f.release(); // FIELD-NOTES: an unreleased frame keeps ~345 KB of native memory
            }
        };
        volatile CountDownLatch gathered = new CountDownLatch(1);
        volatile RTCIceConnectionState ice = RTCIceConnectionState.NEW;
        NativeI420Buffer buffer;
        final List<ScheduledFuture<?>> pumps = new ArrayList<>();
        long frameNo;
        long chunkNo;
        final byte[] pcm = new byte[960];
        boolean closed;

        Peer(String id) {
            this.id = id;
        }

        @Override
        public void onIceCandidate(RTCIceCandidate candidate) {
            // Candidates after the answer are not trickled back: the room learns them as peer-reflexive.
        }

        @Override
        public void onIceGatheringChange(RTCIceGatheringState s) {
            if (s == RTCIceGatheringState.COMPLETE) {
                gathered.countDown();
            }
        }

        @Override
        public void onIceConnectionChange(RTCIceConnectionState s) {
            ice = s;
        }

        @Override
        public void onTrack(RTCRtpTransceiver t) {
            synchronized (this) {
                if (!closed && t.getReceiver().getTrack() instanceof VideoTrack v) {
                    remoteVideo = v;
                    v.addSink(sink);
                }
            }
        }

        synchronized void pushVideo() {
            if (closed) {
                return;
            }
            if (buffer == null) {
                buffer = NativeI420Buffer.allocate(320, 180);
            }
            var y = buffer.getDataY();
            int bar = (int) ((frameNo * 6) % 320);
            for (int r = 0; r < 180; r++) {
                for (int x = 0; x < 320; x++) {
                    y.put(r * buffer.getStrideY() + x, (byte) (Math.abs(x - bar) < 12 ? 235 : 16 + r));
                }
            }
            for (int r = 0; r < 90; r++) {
                for (int x = 0; x < 160; x++) {
                    buffer.getDataU().put(r * buffer.getStrideU() + x, (byte) 90);
                    buffer.getDataV().put(r * buffer.getStrideV() + x, (byte) 200);
                }
            }
            videoSource.pushFrame(new VideoFrame(buffer, frameNo++ * 1_000_000_000L / 15));
        }

        synchronized void pushAudio() {
            if (closed) {
                return;
            }
            for (int i = 0; i < 480; i++) {
                long n = chunkNo * 480 + i;
                short s = (short) (Math.sin(2 * Math.PI * 660 * n / 48000.0) * 6000);
                pcm[2 * i] = (byte) s;
                pcm[2 * i + 1] = (byte) (s >> 8);
            }
            chunkNo++;
            audioSource.pushAudio(pcm, 16, 48000, 1, 480);
        }

        synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            pumps.forEach(p -> p.cancel(false));
            if (remoteVideo != null) {
                remoteVideo.removeSink(sink);
            }
            senders.forEach(pc::removeTrack);
            closePeer.accept(pc, senders);
            audio.dispose();
            video.dispose();
            audioSource.dispose();
            videoSource.dispose();
            if (buffer != null) {
                buffer.release();
            }
        }
    }

    private static double meanLuma(I420Buffer b) {
        var y = b.getDataY();
        long sum = 0;
        long n = 0;
        for (int r = 0; r < b.getHeight(); r += 4) {
            for (int x = 0; x < b.getWidth(); x += 4) {
                sum += y.get(r * b.getStrideY() + x) & 0xff;
                n++;
            }
        }
        return n == 0 ? -1 : (double) sum / n;
    }

    @Override
    public String answer(String sessionId, String offerSdp) throws Exception {
        Peer p = new Peer(sessionId);
        p.pc = factory.createPeerConnection(new RTCConfiguration(), p);
        await(f -> p.pc.setRemoteDescription(new RTCSessionDescription(RTCSdpType.OFFER, offerSdp), set(f)));
        p.audio = factory.createAudioTrack(sessionId + "-a", p.audioSource);
        p.video = factory.createVideoTrack(sessionId + "-v", p.videoSource);
        p.senders.add(p.pc.addTrack(p.audio, List.of(sessionId)));
        p.senders.add(p.pc.addTrack(p.video, List.of(sessionId)));
        answerLocally(p, "createAnswer");
        peers.put(sessionId, p);
        p.pumps.add(media.scheduleAtFixedRate(p::pushVideo, 0, 66, TimeUnit.MILLISECONDS));
        p.pumps.add(media.scheduleAtFixedRate(p::pushAudio, 0, 10, TimeUnit.MILLISECONDS));
        return p.pc.getLocalDescription().sdp;
    }

    /**
     * An ICE restart (RFC 8445 §9, RFC 8839 §4.4.1.1.1): the room's new credentials go into the session's
     * remote description, which is then a new offer; the answer carries new credentials of the far end's own.
     * The previous offer's candidates are dropped: they belong to the old ICE generation, the room trickles new ones.
     *
     * @return the far end's new local description
     */
    @Override
    public String restartIce(String sessionId, String ufrag, String pwd) throws Exception {
        Peer p = peers.get(sessionId);
        if (p == null) {
            throw new IllegalArgumentException("no far-end session " + sessionId);
        }
        String previous;
        synchronized (p) {
            if (p.closed) {
                throw new IllegalArgumentException("far-end session " + sessionId + " is closed");
            }
            previous = p.pc.getRemoteDescription().sdp;
        }
        StringBuilder offer = new StringBuilder();
        for (String line : previous.split("\r\n")) {
            if (line.startsWith("a=ice-ufrag:")) {
                line = "a=ice-ufrag:" + ufrag;
            } else if (line.startsWith("a=ice-pwd:")) {
                line = "a=ice-pwd:" + pwd;
            } else if (line.startsWith("a=candidate:") || line.equals("a=end-of-candidates")) {
                continue;
            }
            offer.append(line).append("\r\n");
        }
        p.gathered = new CountDownLatch(1);
        await(f -> p.pc.setRemoteDescription(new RTCSessionDescription(RTCSdpType.OFFER, offer.toString()), set(f)));
        answerLocally(p, "createAnswer (ICE restart)");
        return p.pc.getLocalDescription().sdp;
    }

    /**
     * Answers the offer just set as the peer's remote description: the answer becomes its local description,
     * and its candidates are given a moment to gather so that the answer carries them.
     *
     * @param step names the step in the error if the answer cannot be created
     */
    private static void answerLocally(Peer p, String step) throws Exception {
        CompletableFuture<RTCSessionDescription> answer = new CompletableFuture<>();
        p.pc.createAnswer(new RTCAnswerOptions(), new CreateSessionDescriptionObserver() {
            @Override
            public void onSuccess(RTCSessionDescription d) {
                answer.complete(d);
            }

            @Override
            public void onFailure(String error) {
                answer.completeExceptionally(new IllegalStateException(step + ": " + error));
            }
        });
        RTCSessionDescription a = answer.get(10, TimeUnit.SECONDS);
        await(f -> p.pc.setLocalDescription(a, set(f)));
        p.gathered.await(2, TimeUnit.SECONDS);
    }

    private static void await(java.util.function.Consumer<CompletableFuture<Void>> start) throws Exception {
        CompletableFuture<Void> f = new CompletableFuture<>();
        start.accept(f);
        f.get(10, TimeUnit.SECONDS);
    }

    private static SetSessionDescriptionObserver set(CompletableFuture<Void> f) {
        return new SetSessionDescriptionObserver() {
            @Override
            public void onSuccess() {
                f.complete(null);
            }

            @Override
            public void onFailure(String error) {
                f.completeExceptionally(new IllegalStateException(error));
            }
        };
    }

    @Override
    public void addCandidate(String sessionId, String mid, String candidate) {
        Peer p = peers.get(sessionId);
        if (p != null) {
            synchronized (p) {
                if (!p.closed) {
                    p.pc.addIceCandidate(new RTCIceCandidate(mid, 0, candidate));
                }
            }
        }
    }

    @Override
    public void close(String sessionId) {
        Peer p = peers.remove(sessionId);
        if (p != null) {
            p.close();
        }
    }

    /** The far end disappears without signalling: media and ICE consent responses stop. */
    public void vanish(String sessionId) {
        close(sessionId);
    }

    /** Session ids answered and not closed. */
    public List<String> sessions() {
        return List.copyOf(peers.keySet());
    }

    /**
     * RTP and RTCP packets received on a session over candidate pairs whose remote candidate carries the
     * room's ICE username fragment {@code roomUfrag} (getStats: candidate-pair packetsReceived, remote-candidate
     * usernameFragment): after an ICE restart, what the room sends over its new ICE generation.
     */
    public long packetsReceivedOver(String sessionId, String roomUfrag) {
        Map<String, RTCStats> all = stats(sessionId);
        long packets = 0;
        for (RTCStats s : all.values()) {
            if (s.getType() == RTCStatsType.CANDIDATE_PAIR) {
                RTCStats remote = all.get(String.valueOf(s.getAttributes().get("remoteCandidateId")));
                if (remote != null && roomUfrag.equals(remote.getAttributes().get("usernameFragment"))
                        && s.getAttributes().get("packetsReceived") instanceof Number n) {
                    packets += n.longValue();
                }
            }
        }
        return packets;
    }

    /**
     * The remote side of the session's selected candidate pair (getStats: transport selectedCandidatePairId, then
     * its remote-candidate) as {@code type address:port}, e.g. {@code srflx 203.0.113.1:40100}; empty before ICE
     * selected a pair. Behind a NAT: the address the room's media really comes from. libwebrtc leaves a peer-reflexive
     * remote candidate's address out of its stats: {@code prflx ?:40100}.
     */
    public String selectedRemoteCandidate(String sessionId) {
        Map<String, RTCStats> all = stats(sessionId);
        for (RTCStats s : all.values()) {
            Object pairId = s.getType() == RTCStatsType.TRANSPORT ? s.getAttributes().get("selectedCandidatePairId") : null;
            RTCStats pair = pairId == null ? null : all.get(pairId.toString());
            RTCStats remote = pair == null ? null : all.get(String.valueOf(pair.getAttributes().get("remoteCandidateId")));
            if (remote != null) {
                Map<String, Object> a = remote.getAttributes();
                Object address = a.get("address") != null ? a.get("address") : a.get("ip");
                return a.get("candidateType") + " " + (address != null ? address : "?") + ":" + a.get("port");
            }
        }
        return "";
    }

    /** The ICE username fragment the session's transport uses now (getStats: transport iceLocalUsernameFragment). */
    public String localIceUfrag(String sessionId) {
        for (RTCStats s : stats(sessionId).values()) {
            if (s.getType() == RTCStatsType.TRANSPORT && s.getAttributes().get("iceLocalUsernameFragment") != null) {
                return s.getAttributes().get("iceLocalUsernameFragment").toString();
            }
        }
        return "";
    }

    private Map<String, RTCStats> stats(String sessionId) {
        Peer p = peers.get(sessionId);
        if (p == null) {
            throw new IllegalArgumentException("no far-end session " + sessionId);
        }
        CompletableFuture<RTCStatsReport> f = new CompletableFuture<>();
        synchronized (p) {
            p.pc.getStats(f::complete);
        }
        try {
            return f.get(5, TimeUnit.SECONDS).getStats();
        } catch (Exception e) {
            throw new IllegalStateException("getStats: " + e, e);
        }
    }

    /** What the far end has received on a session so far (from getStats). */
    public Report report(String sessionId) throws Exception {
        Peer p = peers.get(sessionId);
        if (p == null) {
            throw new IllegalArgumentException("no far-end session " + sessionId);
        }
        CompletableFuture<RTCStatsReport> f = new CompletableFuture<>();
        synchronized (p) {
            p.pc.getStats(f::complete);
        }
        long vp = 0;
        long ap = 0;
        long ab = 0;
        for (RTCStats s : f.get(5, TimeUnit.SECONDS).getStats().values()) {
            if (s.getType() == RTCStatsType.INBOUND_RTP) {
                Map<String, Object> a = s.getAttributes();
                long packets = a.get("packetsReceived") instanceof Number n ? n.longValue() : 0;
                if ("video".equals(a.get("kind"))) {
                    vp += packets;
                } else {
                    ap += packets;
                    ab += a.get("bytesReceived") instanceof Number n ? n.longValue() : 0;
                }
            }
        }
        return new Report(p.ice.name(), p.frames.get(), vp, ap, ab, p.meanLuma);
    }

    @Override
    public void close() {
        for (String id : List.copyOf(peers.keySet())) {
            close(id);
        }
        media.shutdownNow();
        factory.dispose();
        adm.dispose();
        Logger.debug("Simulated far end closed");
    }
}
