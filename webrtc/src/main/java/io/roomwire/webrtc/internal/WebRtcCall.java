package io.roomwire.webrtc.internal;

import dev.onvoid.webrtc.CreateSessionDescriptionObserver;
import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.PeerConnectionObserver;
import dev.onvoid.webrtc.PortAllocatorConfig;
import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCIceConnectionState;
import dev.onvoid.webrtc.RTCIceGatheringState;
import dev.onvoid.webrtc.RTCIceServer;
import dev.onvoid.webrtc.RTCIceTransportPolicy;
import dev.onvoid.webrtc.TlsCertPolicy;
import dev.onvoid.webrtc.RTCOfferOptions;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCPeerConnectionIceErrorEvent;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCRtpReceiver;
import dev.onvoid.webrtc.RTCRtpSender;
import dev.onvoid.webrtc.RTCRtpTransceiver;
import dev.onvoid.webrtc.RTCRtpTransceiverDirection;
import dev.onvoid.webrtc.RTCRtpTransceiverInit;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.RTCStats;
import dev.onvoid.webrtc.RTCStatsReport;
import dev.onvoid.webrtc.RTCStatsType;
import dev.onvoid.webrtc.SetSessionDescriptionObserver;
import dev.onvoid.webrtc.media.MediaStreamTrack;
import dev.onvoid.webrtc.media.audio.AudioTrack;
import dev.onvoid.webrtc.media.audio.AudioTrackSink;
import dev.onvoid.webrtc.media.audio.CustomAudioSource;
import dev.onvoid.webrtc.media.video.CustomVideoSource;
import dev.onvoid.webrtc.media.video.NativeI420Buffer;
import dev.onvoid.webrtc.media.video.VideoFrame;
import dev.onvoid.webrtc.media.video.VideoTrack;
import dev.onvoid.webrtc.media.video.VideoTrackSink;
import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.MediaKind;
import io.roomwire.sip.Call;
import io.roomwire.sip.CallEnd;
import io.roomwire.sip.CallEvent;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sip.MediaStats;
import io.roomwire.webrtc.IceServer;
import io.roomwire.webrtc.LocalMedia;
import io.roomwire.webrtc.WebRtcSettings;
import io.roomwire.webrtc.signal.Sdp;
import io.roomwire.webrtc.signal.Signalling;
import io.roomwire.webrtc.signal.SignallingException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.tinylog.Logger;

/**
 * One WebRTC call: a sendrecv audio+video peer connection, signalled through {@link Signalling}.
 * Signalling runs on the path's executor (HTTP blocks), native callbacks only record and hand over.
 */
public final class WebRtcCall implements Call {

    private final String id = "webrtc-" + UUID.randomUUID().toString().substring(0, 8);
    private final JoinTarget target;
    private final WebRtcSettings settings;
    private final Scheduler scheduler;
    private final Executor worker;
    private final Signalling signalling;
    private final LocalMedia media;
    private final Consumer<CallEvent> events;
    private final Instant startedAt;
    private final AtomicReference<CallState> state = new AtomicReference<>(CallState.DIALING);
    private final AtomicReference<CallEnd> end = new AtomicReference<>();
    private final AtomicReference<MediaStats> stats = new AtomicReference<>(MediaStats.none());
    private final AtomicLong framesReceived = new AtomicLong();
    private final AtomicLong audioChunksReceived = new AtomicLong();
    private final List<RTCIceCandidate> earlyCandidates = new ArrayList<>();
    private final CountDownLatch gathered = new CountDownLatch(1);
    /** Local candidates gathered so far, and the STUN/TURN servers' error answers (onicecandidateerror). */
    private final java.util.concurrent.atomic.AtomicInteger localCandidates = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.CopyOnWriteArrayList<String> iceErrors = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<Scheduler.Cancellable> timers = new java.util.concurrent.CopyOnWriteArrayList<>();

    // Native objects; touched under `this` only, released once in release().
    private RTCPeerConnection pc;
    /** What became of the native peer connection at the call's end; null before. */
    private PeerConnectionCloser.Outcome closedNative;
    private CustomAudioSource audioSource;
    private CustomVideoSource videoSource;
    private AudioTrack audioTrack;
    private VideoTrack videoTrack;
    /** As the panel set them ({@link #setMediaControls}). */
    private boolean micMuted;
    private boolean cameraOff;
    private RTCRtpSender audioSender;
    private RTCRtpSender videoSender;
    /** The transceivers addTransceiver returned: each holds a native reference the closer drops at the end. */
    private final List<RTCRtpTransceiver> transceivers = new ArrayList<>(2);
    private VideoTrack remoteVideo;
    private AudioTrack remoteAudio;
    private NativeI420Buffer frameBuffer;
    private volatile Signalling.Session session;
    private volatile Instant iceConnectedAt;
    private volatile Instant firstFrameAt;
    private volatile boolean released;
    private volatile boolean mediaStarted;
    private long frameIndex;
    private long audioIndex;
    private final byte[] pcm = new byte[960];
    private final VideoTrackSink videoSink = this::onRemoteFrame;
    /**
     * Where the far end's pictures and audio are shown and played (the codec's raw playout), once {@link #playFarEndOn}
     * opened it.
     */
    private volatile FarEndPlayout playout;
    /** Where the far end's audio is played when the codec has no raw playout (see {@link #playFarEndOn}). */
    private volatile FarEndSpeaker speaker;
    private final AudioTrackSink audioSink = (data, bits, rate, channels, frames) -> {
        audioChunksReceived.incrementAndGet();
        FarEndPlayout p = playout;
        FarEndSpeaker s = speaker;
        if (p != null) {
            p.play(data, bits, rate, channels, frames);
        } else if (s != null) {
            s.onData(data, bits, rate, channels, frames);
        }
    };

    public WebRtcCall(JoinTarget target, WebRtcSettings settings, Scheduler scheduler, Executor worker,
                      Signalling signalling, LocalMedia media, Consumer<CallEvent> events) {
        this.target = target;
        this.settings = settings;
        this.scheduler = scheduler;
        this.worker = worker;
        this.signalling = signalling;
        this.media = media;
        this.events = events;
        this.startedAt = scheduler.now();
    }

    /**
     * Shows the far end's pictures on {@code codec}'s display and plays its audio on the codec's speaker, at the
     * volume the panel sets on it (as a SIP call's); before {@link #dial}, and until the call is released. Without
     * this the far end's media is decoded and counted, neither shown nor played.
     */
    public void playFarEndOn(io.roomwire.hal.Codec codec) {
        // A codec with a raw playout takes the decoded pictures and the 48 kHz audio as they are. One without (it only
        // plays RTP), or whose raw playout cannot start, keeps the narrowband fallback: the audio resampled to 8 kHz and
        // sent as G.711 to a receive-only codec stream (FarEndSpeaker), and the pictures decoded and counted for the
        // call screen but shown nowhere.
        Optional<FarEndPlayout> raw = codec.rawPlayout().flatMap(r -> FarEndPlayout.open(r, id));
        Optional<FarEndSpeaker> narrow = raw.isPresent() ? Optional.empty() : FarEndSpeaker.open(codec, id);
        synchronized (this) {
            if (!released) {
                playout = raw.orElse(null);
                speaker = narrow.orElse(null);
                return;
            }
        }
        raw.ifPresent(FarEndPlayout::close);
        narrow.ifPresent(FarEndSpeaker::close);
    }

    /**
     * Builds the peer connection and sends the offer; on the path's worker. The call's media is pushed by
     * {@code pump}'s thread; {@code quietRecording} stops the audio module's own capture (see {@link MediaPump}).
     */
    public void dial(PeerConnectionFactory factory, MediaPump pump, Runnable quietRecording) {
        worker.execute(() -> {
            try {
                String offer = createOffer(factory);
                if (state.get() == CallState.ENDED) {
                    return;
                }
                Signalling.Session s = signalling.open(offer);
                session = s;
                if (state.get() == CallState.ENDED) {
                    s.close();
                    return;
                }
                // From the remote description on, this call's send streams may start (and with them the
                // audio module's capture): the pump holds every call's audio back until that is behind us.
                this.pump = pump;
                pump.add(this, quietRecording);
                if (state.get() == CallState.ENDED) {
                    pump.remove(this); // finish() ran before the add and could not remove it
                    s.close();
                    return;
                }
                setRemote(s.answerSdp());
                flushEarlyCandidates();
                transition(CallState.RINGING, "Connecting media...");
                // Bounded wait for ICE (RFC 8445 gives no bound; the room cannot wait forever).
                timers.add(scheduler.schedule(settings.connectTimeout(), () -> {
                    if (iceConnectedAt == null) {
                        finish(CallEnd.EndedBy.NETWORK, 0, "The meeting's media could not connect",
                                "ICE did not connect within " + settings.connectTimeout().toSeconds()
                                        + " s: a firewall blocks UDP, or configure a TURN server (webrtc.ice-servers)"
                                        + candidateErrors());
                    }
                }));
            } catch (SignallingException e) {
                finish(CallEnd.EndedBy.NETWORK, e.status(), roomMessage(e), e.getMessage());
            } catch (RuntimeException e) {
                finish(CallEnd.EndedBy.LOCAL, 0, "The WebRTC call could not start", String.valueOf(e.getMessage()));
            }
        });
    }

    private static String roomMessage(SignallingException e) {
        return switch (e.kind()) {
            case UNAUTHORIZED -> "The WebRTC gateway refused the room's credentials";
            case REJECTED -> "The WebRTC gateway did not accept the meeting";
            case UNAVAILABLE -> "The WebRTC gateway is not available";
            case TIMEOUT -> "The WebRTC gateway did not answer";
            case MALFORMED -> "The WebRTC gateway's answer was not usable";
        };
    }

    private synchronized String createOffer(PeerConnectionFactory factory) {
        RTCConfiguration config = new RTCConfiguration();
        for (IceServer s : settings.iceServers()) {
            RTCIceServer r = new RTCIceServer();
            r.urls = s.urls();
            r.username = s.username().orElse(null);
            r.password = s.credential().orElse(null);
            // Said here, not left to webrtc-java's constructor default: a turns: server's certificate is checked.
            r.tlsCertPolicy = s.tlsCheck() == IceServer.TlsCheck.NONE ? TlsCertPolicy.INSECURE_NO_CHECK : TlsCertPolicy.SECURE;
            config.iceServers.add(r);
        }
        config.iceTransportPolicy = settings.icePolicy() == WebRtcSettings.IcePolicy.RELAY
                ? RTCIceTransportPolicy.RELAY : RTCIceTransportPolicy.ALL;
        if (settings.maxPort() > 0) {
            // The range is the room's media ports: no ICE-TCP host candidates, whose outgoing connections take any
            // local port (RFC 6544 active candidates), e.g. when the range has no free UDP port left.
            config.portAllocatorConfig = new PortAllocatorConfig(settings.minPort(), settings.maxPort(),
                    PortAllocatorConfig.PORTALLOCATOR_DISABLE_TCP);
        }
        pc = factory.createPeerConnection(config, new Observer());
        audioSource = new CustomAudioSource();
        audioTrack = factory.createAudioTrack(id + "-audio", audioSource);
        videoSource = new CustomVideoSource();
        videoTrack = factory.createVideoTrack(id + "-video", videoSource);
        applyControls();
        audioSender = addSendRecv(audioTrack).getSender();
        videoSender = addSendRecv(videoTrack).getSender();
        RTCSessionDescription offer = await("createOffer", (ok, fail) -> pc.createOffer(new RTCOfferOptions(),
                new CreateSessionDescriptionObserver() {
                    @Override
                    public void onSuccess(RTCSessionDescription d) {
                        ok.complete(d);
                    }

                    @Override
                    public void onFailure(String error) {
                        fail.accept(error);
                    }
                }));
        setLocal(offer);
        return offerWithGatheredCandidates();
    }

    private RTCRtpTransceiver addSendRecv(MediaStreamTrack track) {
        RTCRtpTransceiverInit init = new RTCRtpTransceiverInit();
        init.direction = RTCRtpTransceiverDirection.SEND_RECV;
        init.streamIds = List.of(id);
        RTCRtpTransceiver t = pc.addTransceiver(track, init);
        transceivers.add(t);
        return t;
    }

    private String offerWithGatheredCandidates() {
        try {
            // Host candidates arrive within milliseconds; STUN may take longer: those go by trickle.
            gathered.await(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return pc.getLocalDescription().sdp;
    }

    private void setLocal(RTCSessionDescription d) {
        this.<Boolean>await("setLocalDescription", (ok, fail) -> pc.setLocalDescription(d, observer(ok, fail)));
    }

    private void setRemote(String answerSdp) {
        synchronized (this) {
            if (released) {
                return;
            }
        }
        String error = this.<Boolean>awaitOrError((ok, fail) ->
                pc.setRemoteDescription(new RTCSessionDescription(RTCSdpType.ANSWER, answerSdp), observer(ok, fail)));
        if (error != null) {
            throw new IllegalStateException("the gateway's SDP answer is incompatible with the room's offer: " + error);
        }
    }

    private static SetSessionDescriptionObserver observer(CompletableFuture<Boolean> ok, Consumer<String> fail) {
        return new SetSessionDescriptionObserver() {
            @Override
            public void onSuccess() {
                ok.complete(Boolean.TRUE);
            }

            @Override
            public void onFailure(String error) {
                fail.accept(error);
            }
        };
    }

    private interface Starter<T> {
        void start(CompletableFuture<T> ok, Consumer<String> fail);
    }

    private <T> T await(String what, Starter<T> starter) {
        CompletableFuture<T> f = new CompletableFuture<>();
        starter.start(f, e -> f.completeExceptionally(new IllegalStateException(what + " failed: " + e)));
        try {
            return f.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(what + " failed: " + e.getMessage(), e);
        }
    }

    private <T> String awaitOrError(Starter<T> starter) {
        CompletableFuture<T> f = new CompletableFuture<>();
        AtomicReference<String> error = new AtomicReference<>();
        starter.start(f, e -> {
            error.set(e);
            f.complete(null);
        });
        try {
            f.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            return "no result within 10 s: " + e;
        }
        return error.get();
    }

    private void flushEarlyCandidates() {
        List<RTCIceCandidate> late;
        synchronized (earlyCandidates) {
            late = List.copyOf(earlyCandidates);
            earlyCandidates.clear();
        }
        String offered = pc.getLocalDescription().sdp;
        for (RTCIceCandidate c : late) {
            if (!offered.contains(c.sdp)) {
                trickle(c);
            }
        }
    }

    private void trickle(RTCIceCandidate c) {
        Signalling.Session s = session;
        if (s == null) {
            synchronized (earlyCandidates) {
                earlyCandidates.add(c);
            }
            return;
        }
        worker.execute(() -> {
            try {
                s.trickle(c.sdpMid, c.sdpMLineIndex, c.sdp);
            } catch (SignallingException e) {
                Logger.info("Call {}: trickling a candidate failed: {}", id, e.getMessage());
            }
        });
    }

    private final class Observer implements PeerConnectionObserver {
        @Override
        public void onIceCandidate(RTCIceCandidate candidate) {
            localCandidates.incrementAndGet();
            trickle(candidate);
        }

        @Override
        public void onIceCandidateError(RTCPeerConnectionIceErrorEvent e) {
            // The URL and the server's answer only: the event carries no credential.
            iceErrors.addIfAbsent(e.getUrl() + " answered " + e.getErrorCode() + " " + e.getErrorText());
        }

        @Override
        public void onIceGatheringChange(RTCIceGatheringState s) {
            if (s == RTCIceGatheringState.COMPLETE) {
                gathered.countDown();
                if (localCandidates.get() == 0 && iceConnectedAt == null) {
                    // Without a local candidate ICE cannot connect (RFC 8445 §5.1): fail now, not at the connect bound.
                    scheduler.execute(() -> finish(CallEnd.EndedBy.NETWORK, 0, "The meeting's media could not connect",
                            noCandidateReason()));
                }
            }
        }

        @Override
        public void onConnectionChange(RTCPeerConnectionState s) {
            // ICE and DTLS together (W3C RTCPeerConnectionState): the call is connected only once media is secured.
            scheduler.execute(() -> onConnection(s));
        }

        @Override
        public void onIceConnectionChange(RTCIceConnectionState s) {
            lastIce = s;
            if ((s == RTCIceConnectionState.CONNECTED || s == RTCIceConnectionState.COMPLETED) && iceConnectedAt == null) {
                iceConnectedAt = scheduler.now(); // stamped here: the handover below may run after the first frame
            }
            scheduler.execute(() -> onIce(s));
        }

        @Override
        public void onTrack(RTCRtpTransceiver transceiver) {
            RTCRtpReceiver receiver = transceiver.getReceiver();
            MediaStreamTrack track = receiver.getTrack();
            // Handed over, not done here: this is the signalling thread, which a thread holding the call's lock may be
            // waiting for in a native call (setEnabled, close); taking the lock here would deadlock.
            scheduler.execute(() -> attachRemote(track));
        }
    }

    /** The far end's track to its sink (the display or speaker), unless the call was released meanwhile. */
    private synchronized void attachRemote(MediaStreamTrack track) {
        if (released) {
            return;
        }
        if (track instanceof VideoTrack v) {
            remoteVideo = v;
            v.addSink(videoSink);
        } else if (track instanceof AudioTrack a) {
            remoteAudio = a;
            a.addSink(audioSink);
        }
    }

    /** Why gathering found nothing: the TURN server's refusal, the port range, or the ICE policy. */
    private String noCandidateReason() {
        StringBuilder why = new StringBuilder("no local ICE candidate could be gathered");
        if (iceErrors.stream().anyMatch(e -> e.contains(" answered 401 "))) {
            why.append(": the TURN server refused the room's credentials; check the user and password in webrtc.ice-servers");
        } else if (settings.icePolicy() == WebRtcSettings.IcePolicy.RELAY) {
            why.append(": webrtc.ice-transport-policy = relay and no TURN server in webrtc.ice-servers gave a relay address");
        }
        if (iceErrors.stream().anyMatch(e -> e.startsWith("turns:") && e.contains(" answered 701 "))) {
            // libwebrtc reports a refused certificate as 701, as it does a closed port: name both.
            why.append("; no TLS connection to the turns: server: its port is closed, or its certificate does not chain to a"
                    + " public root CA the room's WebRTC stack knows or does not name the URL's host");
        }
        if (settings.maxPort() > 0) {
            why.append("; local UDP ports are limited to ").append(settings.minPort()).append('-').append(settings.maxPort())
                    .append(" (webrtc.port-min/port-max): is that range too small, or are its ports in use?");
        }
        return why + candidateErrors();
    }

    private String candidateErrors() {
        return iceErrors.isEmpty() ? "" : " (" + String.join("; ", iceErrors) + ")";
    }

    /** The call's candidates and selected pair from getStats; bounded, for diagnosis and tests. */
    public IceCandidates iceCandidates() {
        RTCPeerConnection p;
        synchronized (this) {
            if (released || pc == null) {
                return new IceCandidates(List.of(), Optional.empty(), Optional.empty());
            }
            p = pc;
        }
        CompletableFuture<RTCStatsReport> f = new CompletableFuture<>();
        p.getStats(f::complete);
        try {
            return IceCandidates.from(f.get(5, TimeUnit.SECONDS));
        } catch (Exception e) {
            throw new IllegalStateException("getStats gave no report within 5 s: " + e, e);
        }
    }

    private void onRemoteFrame(VideoFrame frame) {
        try {
            if (framesReceived.incrementAndGet() == 1) {
                firstFrameAt = scheduler.now();
            }
            FarEndPlayout p = playout;
            if (p != null) {
                p.show(frame);
            }
        } finally {
            // FIELD-NOTES: an unreleased frame keeps ~345 KB of native memory.
            frame.release();
        }
    }

    private final AtomicReference<Scheduler.Cancellable> lossTimer = new AtomicReference<>();
    private final AtomicReference<Scheduler.Cancellable> restartTimer = new AtomicReference<>();
    /** An ICE restart is queued on the worker and has not started yet (a second request adds nothing). */
    private final java.util.concurrent.atomic.AtomicBoolean restartQueued = new java.util.concurrent.atomic.AtomicBoolean();
    /** ICE restarts asked for so far (queued, not necessarily done). */
    private final AtomicLong restartsAsked = new AtomicLong();
    private final AtomicLong iceRestarts = new AtomicLong();
    private final StringBuilder tonesPlayed = new StringBuilder();
    private boolean dtmfObserved;
    private volatile RTCIceConnectionState lastIce = RTCIceConnectionState.NEW;
    private volatile boolean secured;
    private volatile MediaPump pump;
    /** System.nanoTime() when ICE connected and media began; 0 before. */
    private volatile long mediaStartedNanos;
    /** Whether this call's audio send stream is seen running (outbound audio packets before any push). */
    private volatile boolean audioSendStarted;
    private final java.util.concurrent.atomic.AtomicBoolean probing = new java.util.concurrent.atomic.AtomicBoolean();
    private boolean audioReadyLogged;
    private long nextVideoNanos;

    private void onConnection(RTCPeerConnectionState s) {
        if (state.get() == CallState.ENDED) {
            return;
        }
        if (s == RTCPeerConnectionState.CONNECTED) {
            secured = true;
            transition(CallState.CONNECTED, "Connected");
        } else if (s == RTCPeerConnectionState.FAILED && lastIce != RTCIceConnectionState.FAILED && !secured) {
            // ICE did not fail but the DTLS handshake did: most often the certificate does not match the answer's
            // a=fingerprint (RFC 8122 §5, RFC 5763 §5), i.e. the answer was altered or came from another box.
            finish(CallEnd.EndedBy.NETWORK, 0, "The meeting's media could not be secured",
                    "DTLS failed: the gateway's certificate "
                            + "does not match the fingerprint in its SDP answer, or the handshake was refused (RFC 5763); "
                            + "no media was sent unencrypted");
        }
        // FAILED after ICE failed is onIce's to report; a failure after media was secured is ICE's too (consent).
    }

    private void onIce(RTCIceConnectionState s) {
        if (state.get() == CallState.ENDED) {
            return;
        }
        switch (s) {
            case CONNECTED, COMPLETED -> {
                Scheduler.Cancellable t = lossTimer.getAndSet(null);
                if (t != null) {
                    t.cancel();
                }
                Scheduler.Cancellable r = restartTimer.getAndSet(null);
                if (r != null) {
                    r.cancel();
                }
                if (!mediaStarted) {
                    mediaStarted = true;
                    startMedia();
                }
                // CONNECTED comes from onConnection, once DTLS has secured the media too.
            }
            case DISCONNECTED -> {
                // RFC 7675 §5.1: consent expires 30 s after the last response; end within our bound instead.
                Scheduler.Cancellable t = scheduler.schedule(settings.mediaLossTimeout(), () ->
                        finish(CallEnd.EndedBy.NETWORK, 0, "The meeting's media stopped",
                                "ICE consent lost for " + settings.mediaLossTimeout().toSeconds()
                                        + " s (RFC 7675): the far end or the network went away"));
                Scheduler.Cancellable old = lossTimer.getAndSet(t);
                if (old != null) {
                    old.cancel();
                }
                // A path that went away (an address lost, a NAT rebinding) may come back only through new
                // candidates: restart ICE once if it stays disconnected, well before the loss timer ends the call.
                // A restart asked for since the disconnection (a network change) counts; the loss timer does the rest.
                Duration after = restartAfterDisconnect(settings.mediaLossTimeout());
                long askedBefore = restartsAsked.get();
                Scheduler.Cancellable r = scheduler.schedule(after, () -> {
                    if (lastIce == RTCIceConnectionState.DISCONNECTED && restartsAsked.get() == askedBefore) {
                        restartIce("ICE disconnected for " + after.toMillis() + " ms");
                    }
                });
                Scheduler.Cancellable oldRestart = restartTimer.getAndSet(r);
                if (oldRestart != null) {
                    oldRestart.cancel();
                }
            }
            case FAILED -> finish(CallEnd.EndedBy.NETWORK, 0,
                    iceConnectedAt == null ? "The meeting's media could not connect" : "The meeting's media stopped",
                    "ICE failed" + (iceConnectedAt == null ? " before connecting: check UDP reachability or TURN (webrtc.ice-servers)"
                            : " after " + Duration.between(iceConnectedAt, scheduler.now()).toSeconds() + " s"));
            default -> { }
        }
    }

    /** ICE connected: the pump starts this call's video now and its audio once its send stream runs. */
    private void startMedia() {
        mediaStartedNanos = Math.max(1, System.nanoTime());
        timers.add(scheduler.scheduleAtFixedRate(settings.statsInterval(), settings.statsInterval(), this::readStats));
    }

    /** Bound on waiting for the send stream's first packets (a far end that takes no audio sends none). */
    private static final long AUDIO_START_BOUND_NANOS = TimeUnit.SECONDS.toNanos(3);

    /**
     * Whether the pump may push this call's audio: its audio send stream has started (and with it the audio
     * module's capture, which the pump stops before pushing), or ICE connected long enough ago that it will
     * not. On the pump's thread.
     */
    boolean audioReady(long nowNanos) {
        long since = mediaStartedNanos;
        if (since == 0) {
            return false;
        }
        boolean ready = audioSendStarted || nowNanos - since > AUDIO_START_BOUND_NANOS;
        if (ready && !audioReadyLogged) {
            audioReadyLogged = true;
            Logger.debug("Call {}: room audio starts {} ms after ICE connected ({})", id, (nowNanos - since) / 1_000_000,
                    audioSendStarted ? "send stream running" : "no outbound audio seen, bound reached");
        }
        return ready;
    }

    /** Reads the stats to see whether the audio send stream has sent packets yet (only the module fed it). */
    void probeAudioSendStarted() {
        if (mediaStartedNanos == 0 || audioSendStarted || !probing.compareAndSet(false, true)) {
            return;
        }
        RTCPeerConnection p;
        synchronized (this) {
            if (released) {
                return;
            }
            p = pc;
        }
        try {
            p.getStats(report -> {
                try {
                    for (RTCStats st : report.getStats().values()) {
                        Map<String, Object> a = st.getAttributes();
                        if (st.getType() == RTCStatsType.OUTBOUND_RTP && "audio".equals(a.get("kind"))
                                && num(a.get("packetsSent")) > 0) {
                            audioSendStarted = true;
                        }
                    }
                } finally {
                    probing.set(false);
                }
            });
        } catch (RuntimeException e) {
            probing.set(false);
            throw e;
        }
    }

    /** 10 ms of the room's audio into the call; on the pump's thread only. */
    synchronized void pushAudio() {
        if (released) {
            return;
        }
        media.nextAudio(audioIndex++, pcm);
        audioSource.pushAudio(pcm, 16, 48000, 1, 480);
    }

    /** The next camera frame, when one is due; on the pump's thread only. */
    void pushVideoIfDue(long nowNanos) {
        if (mediaStartedNanos == 0) {
            return;
        }
        long period = 1_000_000_000L / media.framesPerSecond();
        if (nextVideoNanos != 0 && nowNanos - nextVideoNanos < 0) {
            return;
        }
        // Keep the cadence; after a stall (a loaded box) go on from now rather than sending a burst.
        nextVideoNanos = nextVideoNanos == 0 || nowNanos - nextVideoNanos > period ? nowNanos + period : nextVideoNanos + period;
        pushVideo();
    }

    private synchronized void pushVideo() {
        if (released) {
            return;
        }
        if (frameBuffer == null) {
            frameBuffer = NativeI420Buffer.allocate(media.width(), media.height());
        }
        media.nextFrame(frameIndex, frameBuffer.getDataY(), frameBuffer.getStrideY(), frameBuffer.getDataU(),
                frameBuffer.getStrideU(), frameBuffer.getDataV(), frameBuffer.getStrideV());
        VideoFrame f = new VideoFrame(frameBuffer, frameIndex++ * 1_000_000_000L / media.framesPerSecond());
        videoSource.pushFrame(f);
    }

    /** Reads getStats into MediaStats and reports it. */
    public void readStats() {
        RTCPeerConnection p;
        synchronized (this) {
            if (released) {
                return;
            }
            p = pc;
        }
        p.getStats(report -> {
            // On libwebrtc's signalling thread: record and hand over. A listener run here (the panel applying its
            // controls) would wait for this call's lock while a thread holding it waits for this thread in a native
            // call (setEnabled): a deadlock, seen in WebRtcJoinMeetingIT.
            MediaStats m = toMediaStats(report);
            stats.set(m);
            if (state.get().isLive()) {
                scheduler.execute(() -> events.accept(new CallEvent.Media(this, m)));
            }
        });
    }

    static MediaStats toMediaStats(RTCStatsReport report) {
        Map<MediaKind, long[]> c = new EnumMap<>(MediaKind.class);
        Map<MediaKind, double[]> jitter = new EnumMap<>(MediaKind.class);
        Map<MediaKind, MediaStats.Playout> playout = new EnumMap<>(MediaKind.class);
        Optional<Duration> rtt = Optional.empty();
        boolean dtls = false;
        for (RTCStats s : report.getStats().values()) {
            Map<String, Object> a = s.getAttributes();
            if (s.getType() == RTCStatsType.TRANSPORT) {
                dtls |= "connected".equals(String.valueOf(a.get("dtlsState")));
            }
            if (s.getType() == RTCStatsType.CANDIDATE_PAIR && Boolean.TRUE.equals(a.get("nominated"))
                    && a.get("currentRoundTripTime") instanceof Number n) {
                rtt = Optional.of(Duration.ofNanos((long) (n.doubleValue() * 1e9)));
            }
            Object kindAttr = a.get("kind");
            if (kindAttr == null) {
                continue;
            }
            MediaKind kind = "video".equals(kindAttr) ? MediaKind.VIDEO : MediaKind.AUDIO;
            long[] v = c.computeIfAbsent(kind, k -> new long[5]);
            if (s.getType() == RTCStatsType.OUTBOUND_RTP) {
                v[0] += num(a.get("packetsSent"));
                v[1] += num(a.get("bytesSent"));
            } else if (s.getType() == RTCStatsType.INBOUND_RTP) {
                v[2] += num(a.get("packetsReceived"));
                v[3] += num(a.get("bytesReceived"));
                v[4] += num(a.get("packetsLost"));
                if (a.get("jitter") instanceof Number j) {
                    jitter.put(kind, new double[] {j.doubleValue() * 1000});
                }
                playout.put(kind, playout(a));
            }
        }
        Map<MediaKind, MediaStats.Stream> streams = new EnumMap<>(MediaKind.class);
        for (var e : c.entrySet()) {
            long[] v = e.getValue();
            double j = jitter.containsKey(e.getKey()) ? jitter.get(e.getKey())[0] : 0;
            // WebRTC media is always SRTP keyed by DTLS (RFC 8827 §6.5); secure once DTLS is connected.
            streams.put(e.getKey(), new MediaStats.Stream(v[0], v[1], v[2], v[3], v[4], j, rtt, dtls,
                    playout.getOrDefault(e.getKey(), MediaStats.Playout.NONE)));
        }
        return new MediaStats(streams);
    }

    /**
     * What the browser engine's inbound-rtp stats say a person notices (W3C webrtc-stats): framesDecoded,
     * frameWidth/Height, framesPerSecond, freezeCount, totalFreezesDuration (s); audioLevel is linear 0..1,
     * given here as dBov.
     */
    private static MediaStats.Playout playout(Map<String, Object> a) {
        java.util.OptionalDouble level = a.get("audioLevel") instanceof Number l
                ? java.util.OptionalDouble.of(l.doubleValue() <= 0 ? -127 : Math.max(-127, 20 * Math.log10(l.doubleValue())))
                : java.util.OptionalDouble.empty();
        double fps = a.get("framesPerSecond") instanceof Number f ? f.doubleValue() : 0;
        double frozen = a.get("totalFreezesDuration") instanceof Number f ? f.doubleValue() : 0;
        return new MediaStats.Playout(num(a.get("framesDecoded")), fps, (int) num(a.get("frameWidth")),
                (int) num(a.get("frameHeight")), num(a.get("freezeCount")), Duration.ofMillis((long) (frozen * 1000)), level);
    }

    private static long num(Object o) {
        return o instanceof Number n ? n.longValue() : 0;
    }

    private void transition(CallState to, String message) {
        CallState from = state.get();
        // Only forward: ICE may report connected before the signalling thread gets to "ringing".
        if (from == CallState.ENDED || to.ordinal() <= from.ordinal() || !state.compareAndSet(from, to)) {
            return;
        }
        events.accept(new CallEvent.StateChanged(this, to, message));
    }

    /** Ends the call with a reason before any signalling (e.g. the native library is missing). */
    public void hangUpWith(CallEnd.EndedBy by, String message, String detail) {
        finish(by, 0, message, detail);
    }

    /** Ends the call once; releases native objects in the order that lets the JVM exit (FIELD-NOTES). */
    void finish(CallEnd.EndedBy by, int status, String message, String detail) {
        CallState was = state.getAndSet(CallState.ENDED);
        if (was == CallState.ENDED) {
            return;
        }
        CallEnd e = new CallEnd(by, status, message, detail);
        end.set(e);
        // Stop feeding media before anything is torn down; a push under way ends before release() (call's lock).
        MediaPump p = pump;
        if (p != null) {
            p.remove(this);
        }
        timers.forEach(Scheduler.Cancellable::cancel);
        Scheduler.Cancellable t = lossTimer.getAndSet(null);
        if (t != null) {
            t.cancel();
        }
        Scheduler.Cancellable r = restartTimer.getAndSet(null);
        if (r != null) {
            r.cancel();
        }
        if (was.isLive()) {
            try {
                readStatsNow();
            } catch (RuntimeException ex) {
                Logger.debug("Call {}: last figures unavailable: {}", id, ex.toString());
            }
        }
        Signalling.Session s = session;
        Runnable teardown = () -> {
            if (s != null) {
                s.close();
            }
            release();
            Logger.info("Call {} to {} ended: {} ({})", id, target.uri(), message, detail);
            events.accept(new CallEvent.Ended(this, e));
        };
        try {
            worker.execute(teardown);
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            teardown.run(); // the path is stopping: tear down here so the gateway and native side are still released
        }
    }

    private void readStatsNow() {
        CompletableFuture<RTCStatsReport> f = new CompletableFuture<>();
        RTCPeerConnection p;
        synchronized (this) {
            if (released || pc == null) {
                return;
            }
            p = pc;
        }
        p.getStats(f::complete);
        try {
            stats.set(toMediaStats(f.get(2, TimeUnit.SECONDS)));
        } catch (Exception ex) {
            Logger.debug("Call {}: last figures unavailable: {}", id, ex.toString());
        }
    }

    private synchronized void release() {
        if (released) {
            return;
        }
        released = true;
        if (remoteVideo != null) {
            remoteVideo.removeSink(videoSink);
        }
        if (remoteAudio != null) {
            remoteAudio.removeSink(audioSink);
        }
        if (dtmfObserved) {
            audioSender.getDtmfSender().unregisterObserver(); // its native side holds a reference to our observer
        }
        if (pc != null) {
            // FIELD-NOTES order: remove senders, close, dispose tracks, then sources.
            for (RTCRtpSender sender : new RTCRtpSender[] {audioSender, videoSender}) {
                if (sender != null) {
                    pc.removeTrack(sender);
                }
            }
            // Frees what webrtc-java 0.14.0's close() leaves (its #239), the transceivers with it: the senders taken
            // from them are unusable from here on (every use of them checks released first).
            closedNative = PeerConnectionCloser.close(pc, transceivers);
            Logger.debug("Call {}: native peer connection {}", id, closedNative);
        }
        if (audioTrack != null) {
            audioTrack.dispose();
        }
        if (videoTrack != null) {
            videoTrack.dispose();
        }
        if (audioSource != null) {
            audioSource.dispose();
        }
        if (videoSource != null) {
            videoSource.dispose();
        }
        if (frameBuffer != null) {
            frameBuffer.release();
        }
        if (playout != null) {
            playout.close(); // after removeSink: nothing more arrives for it; the display and speaker are free again
        }
        if (speaker != null) {
            speaker.close(); // after removeSink: nothing more arrives for it
        }
    }

    /** How long ICE may stay disconnected before it is restarted: 2 s, or half the loss bound when that is shorter. */
    static Duration restartAfterDisconnect(Duration mediaLossTimeout) {
        Duration half = mediaLossTimeout.dividedBy(2);
        return half.compareTo(Duration.ofSeconds(2)) < 0 ? half : Duration.ofSeconds(2);
    }

    /**
     * Restarts ICE (RFC 8445 §9): a new offer with new credentials via the signalling, the gateway's new
     * credentials back; the call and its DTLS session stay. A restart already queued covers this one too.
     */
    public void restartIce(String why) {
        if (state.get() == CallState.ENDED || !restartQueued.compareAndSet(false, true)) {
            return;
        }
        restartsAsked.incrementAndGet();
        worker.execute(() -> {
            restartQueued.set(false);
            Signalling.Session s = session;
            if (s == null || state.get() == CallState.ENDED) {
                return;
            }
            Logger.info("Call {}: restarting ICE: {}", id, why);
            long t0 = scheduler.monotonicNanos();
            try {
                RTCSessionDescription offer;
                synchronized (this) {
                    if (released) {
                        return;
                    }
                    RTCOfferOptions o = new RTCOfferOptions();
                    o.iceRestart = true;
                    offer = await("createOffer(iceRestart)", (ok, fail) -> pc.createOffer(o, new CreateSessionDescriptionObserver() {
                        @Override
                        public void onSuccess(RTCSessionDescription d) {
                            ok.complete(d);
                        }

                        @Override
                        public void onFailure(String error) {
                            fail.accept(error);
                        }
                    }));
                    setLocal(offer);
                }
                String answer = s.restartIce(offer.sdp);
                String current = pc.getRemoteDescription().sdp;
                String full = answer.startsWith("v=0") ? answer : withIceCredentials(current, answer);
                setRemote(full);
                iceRestarts.incrementAndGet();
                Logger.info("Call {}: ICE restarted with the gateway in {} ms", id, (scheduler.monotonicNanos() - t0) / 1_000_000);
            } catch (SignallingException | RuntimeException e) {
                // The call goes on over the pairs it has; if they are gone, the loss timer ends it with a reason.
                Logger.warn("Call {}: ICE restart failed: {}", id, e.getMessage());
            }
        });
    }

    /** ICE restarts completed with the gateway so far. */
    public long iceRestarts() {
        return iceRestarts.get();
    }

    /**
     * The gateway's description after an ICE restart answered with an sdpfrag (RFC 8840): its new ufrag and pwd,
     * none of the old generation's candidates, and the candidates the fragment carries under each {@code a=mid}.
     * Without the gateway's new candidates the room would learn them only as peer-reflexive ones, whose lower
     * priority keeps the old pair selected (RFC 8445 §5.1.2) for as long as it works.
     */
    static String withIceCredentials(String sdp, String frag) {
        String ufrag = Sdp.attribute(frag, "ice-ufrag").orElseThrow();
        String pwd = Sdp.attribute(frag, "ice-pwd").orElseThrow();
        Map<String, List<String>> candidates = new java.util.HashMap<>();
        String fragMid = null;
        for (String line : frag.split("\r?\n")) {
            if (line.startsWith("a=mid:")) {
                fragMid = line.substring(6).trim();
            } else if (line.startsWith("a=candidate:") && fragMid != null) {
                candidates.computeIfAbsent(fragMid, k -> new ArrayList<>()).add(line.trim());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String line : sdp.split("\r\n")) {
            if (line.startsWith("a=candidate:") || line.equals("a=end-of-candidates")) {
                continue;
            }
            if (line.startsWith("a=ice-ufrag:")) {
                line = "a=ice-ufrag:" + ufrag;
            } else if (line.startsWith("a=ice-pwd:")) {
                line = "a=ice-pwd:" + pwd;
            }
            out.append(line).append("\r\n");
            if (line.startsWith("a=mid:")) {
                for (String c : candidates.getOrDefault(line.substring(6).trim(), List.of())) {
                    out.append(c).append("\r\n");
                }
            }
        }
        return out.toString();
    }

    /**
     * The panel's microphone and camera, as the tracks' enabled flags: a muted track sends Opus silence (about 3
     * bytes a packet), a camera that is off sends no video at all (WebRtcJoinMeetingIT observes both at the far end).
     */
    @Override
    public void setMediaControls(boolean microphoneMuted, boolean cameraOff) {
        synchronized (this) {
            if (microphoneMuted == this.micMuted && cameraOff == this.cameraOff) {
                return; // the panel passes its controls on every event of the call
            }
            this.micMuted = microphoneMuted;
            this.cameraOff = cameraOff;
            applyControls();
        }
    }

    /** The controls on the tracks, once they exist (a press while dialling applies when they are made). */
    private void applyControls() {
        synchronized (this) {
            if (!released && audioTrack != null) {
                audioTrack.setEnabled(!micMuted);
                videoTrack.setEnabled(!cameraOff);
            }
        }
    }

    /** When ICE connected, once it has. */
    public Optional<Instant> iceConnectedAt() {
        return Optional.ofNullable(iceConnectedAt);
    }

    /** When the first remote video frame was decoded, once it has. */
    public Optional<Instant> firstFrameAt() {
        return Optional.ofNullable(firstFrameAt);
    }

    /** 10 ms chunks of the far end's audio decoded (pulled by the audio module's playout thread). */
    public long audioChunksReceived() {
        return audioChunksReceived.get();
    }

    /** What became of the native peer connection when the call was torn down; empty before (or without one). */
    public synchronized Optional<PeerConnectionCloser.Outcome> nativeClosed() {
        return Optional.ofNullable(closedNative);
    }

    /** Remote video frames decoded so far. */
    public long framesDecoded() {
        return framesReceived.get();
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public boolean incoming() {
        return false;
    }

    @Override
    public JoinTarget target() {
        return target;
    }

    @Override
    public String remoteName() {
        return target.provider() + " meeting";
    }

    @Override
    public CallState state() {
        return state.get();
    }

    @Override
    public Instant startedAt() {
        return startedAt;
    }

    @Override
    public Optional<CallEnd> end() {
        return Optional.ofNullable(end.get());
    }

    @Override
    public MediaStats stats() {
        return stats.get();
    }

    @Override
    public void hangUp() {
        finish(CallEnd.EndedBy.LOCAL, 0, "Call ended", "hung up by the room");
    }

    /**
     * Sends the digits as RFC 4733 telephone-events through the audio sender's RTCDtmfSender (RFC 7874 §5):
     * 100 ms tones, 70 ms gaps; a comma is a 2 s pause (W3C webrtc-pc §7.2). Ignored unless connected; digits
     * sent while earlier ones still play replace those not yet played (insertDtmf).
     *
     * @throws IllegalArgumentException for anything but 0-9, *, #, A-D (either case) and commas, with the offending character
     */
    @Override
    public void sendDtmf(String digits) {
        String tones = dtmfTones(digits);
        synchronized (this) {
            if (released || audioSender == null || !state.get().isLive()) {
                Logger.info("Call {}: {} DTMF digits ignored: the call is not connected", id, tones.length());
                return;
            }
            var dtmf = audioSender.getDtmfSender();
            if (dtmf != null && !dtmfObserved) {
                dtmfObserved = true;
                // Called once a tone went to the audio send stream as telephone-events (empty: all played).
                dtmf.registerObserver((tone, remaining) -> {
                    if (tone != null && !tone.isEmpty()) {
                        synchronized (tonesPlayed) {
                            tonesPlayed.append(tone);
                        }
                    }
                });
            }
            if (dtmf == null || !dtmf.canInsertDtmf() || !dtmf.insertDtmf(tones, 100, 70)) {
                Logger.warn("Call {}: the gateway did not negotiate telephone-event (RFC 4733); {} DTMF digits not sent",
                        id, tones.length());
                return;
            }
            // The digits may be a meeting PIN: their count is logged, never the digits.
            Logger.info("Call {}: {} DTMF digits queued", id, tones.length());
        }
    }

    /**
     * The DTMF tones the audio sender has played so far, in order (commas included): each was handed to the
     * send stream as RFC 4733 telephone-events. Kept in memory only; a PIN is never logged.
     */
    public String dtmfTonesPlayed() {
        synchronized (tonesPlayed) {
            return tonesPlayed.toString();
        }
    }

    /** The digits in the upper case RTCDtmfSender takes; a clear error for anything it would skip silently. */
    static String dtmfTones(String digits) {
        if (digits == null || digits.isEmpty()) {
            throw new IllegalArgumentException("no DTMF digits given: send 0-9, *, #, A-D, and ',' for a 2 s pause");
        }
        for (int i = 0; i < digits.length(); i++) {
            char c = digits.charAt(i);
            if (!(c >= '0' && c <= '9' || c == '*' || c == '#' || c == ',' || c >= 'A' && c <= 'D' || c >= 'a' && c <= 'd')) {
                throw new IllegalArgumentException("'" + (Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : c)
                        + "' at position " + (i + 1) + " is not a DTMF digit: send 0-9, *, #, A-D, and ',' for a 2 s pause");
            }
        }
        return digits.toUpperCase(java.util.Locale.ROOT);
    }

    @Override
    public void answer() {
        // Outgoing only: WebRTC calls are never incoming.
    }

    @Override
    public void decline() {
        // Outgoing only: WebRTC calls are never incoming.
    }
}
