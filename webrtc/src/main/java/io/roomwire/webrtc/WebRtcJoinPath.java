package io.roomwire.webrtc;

import io.roomwire.core.health.Health;
import io.roomwire.core.health.Service;
import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.Codec;
import io.roomwire.sip.Call;
import io.roomwire.sip.CallEnd;
import io.roomwire.sip.CallEvent;
import io.roomwire.sip.CallListener;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinPath;
import io.roomwire.sip.JoinTarget;
import io.roomwire.webrtc.internal.MediaPump;
import io.roomwire.webrtc.internal.WebRtcCall;
import io.roomwire.webrtc.signal.PexipSignalling;
import io.roomwire.webrtc.signal.Signalling;
import io.roomwire.webrtc.signal.WhipSignalling;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.tinylog.Logger;

/**
 * The WebRTC join path: a Teams (or other) meeting joined through a WebRTC gateway over WHIP or the
 * Pexip client API, media by webrtc-java. The native library loads on the first dial, not at start.
 */
public final class WebRtcJoinPath implements JoinPath, Service {

    private final WebRtcSettings settings;
    private final Scheduler scheduler;
    private final NativeWebRtc natives;
    private final LocalMedia media;
    private final Function<JoinTarget, Signalling> signalling;
    /** The room's codec: the far end's pictures and audio are shown and played on it; null leaves them unplayed. */
    private final Codec speaker;
    private final List<CallListener> listeners = new CopyOnWriteArrayList<>();
    private final List<WebRtcCall> calls = new CopyOnWriteArrayList<>();
    /** Calls that started {@link #media} and have not stopped it yet; guarded by itself. */
    private final java.util.Set<WebRtcCall> sending = new java.util.HashSet<>();
    private volatile ExecutorService worker;
    /** The one thread that pushes every call's audio and video (webrtc-media); see MediaPump. */
    private volatile MediaPump pump;
    private volatile HttpClient http;
    private final NetworkWatch.AddressSource addresses;
    /** Restarts ICE on the calls when the room's addresses change; runs while the path is started. */
    private volatile NetworkWatch networkWatch;

    public WebRtcJoinPath(WebRtcSettings settings, Scheduler scheduler, NativeWebRtc natives, LocalMedia media) {
        this(settings, scheduler, natives, media, null);
    }

    /** With the signalling chosen per target by the caller (tests); {@code null} picks it from the settings. */
    public WebRtcJoinPath(WebRtcSettings settings, Scheduler scheduler, NativeWebRtc natives, LocalMedia media,
                          Function<JoinTarget, Signalling> signalling) {
        this(settings, scheduler, natives, media, signalling, null);
    }

    /**
     * The room's path: the far end's pictures are shown and its audio played on {@code speaker}, the device's codec
     * (its raw playout, where it has one), which applies the panel's speaker volume to the audio as to a SIP call's
     * ({@code null}: decoded and counted, neither shown nor played).
     */
    public WebRtcJoinPath(WebRtcSettings settings, Scheduler scheduler, NativeWebRtc natives, LocalMedia media,
                          Function<JoinTarget, Signalling> signalling, Codec speaker) {
        this(settings, scheduler, natives, media, signalling, speaker, NetworkWatch.interfaces());
    }

    /** With the room's addresses read from {@code addresses} (tests change them; the room reads its interfaces). */
    public WebRtcJoinPath(WebRtcSettings settings, Scheduler scheduler, NativeWebRtc natives, LocalMedia media,
                          Function<JoinTarget, Signalling> signalling, Codec speaker, NetworkWatch.AddressSource addresses) {
        this.addresses = Objects.requireNonNull(addresses, "addresses");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.natives = Objects.requireNonNull(natives, "natives");
        this.media = Objects.requireNonNull(media, "media");
        this.signalling = signalling != null ? signalling : this::signallingFor;
        this.speaker = speaker;
    }

    @Override
    public String name() {
        return "webrtc";
    }

    @Override
    public synchronized void start() {
        if (worker == null) {
            worker = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "webrtc-signalling");
                t.setDaemon(true);
                return t;
            });
            pump = new MediaPump();
            networkWatch = new NetworkWatch(addresses, scheduler, NetworkWatch.POLL, NetworkWatch.DEBOUNCE,
                    () -> calls.stream().anyMatch(c -> c.state().isLive()), this::onNetworkChange);
            networkWatch.start();
        }
    }

    /** The room's addresses changed: each live call restarts ICE to find pairs on the addresses it has now. */
    private void onNetworkChange() {
        for (WebRtcCall c : calls) {
            if (c.state().isLive()) {
                c.restartIce("the room's network addresses changed");
            }
        }
    }

    /**
     * The signalling client, built with the first call: building an HttpClient sets up TLS (seconds on a
     * loaded 2-core box, WebRtcIdleBench), which an agent that never joins over WebRTC must not pay at start.
     */
    private synchronized HttpClient http() {
        if (http == null) {
            http = HttpClient.newBuilder().connectTimeout(settings.signallingTimeout()).build();
        }
        return http;
    }

    @Override
    public void stop() {
        ExecutorService w;
        MediaPump p;
        synchronized (this) {
            w = worker;
            worker = null;
            p = pump;
            pump = null;
        }
        if (w == null) {
            return;
        }
        networkWatch.close();
        for (WebRtcCall c : calls) {
            c.hangUp();
        }
        w.shutdown();
        try {
            if (!w.awaitTermination(10, TimeUnit.SECONDS)) {
                Logger.warn("WebRTC signalling did not finish within 10 s; calls may remain at the gateway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // A call that ended just before this may still be tearing down on its own thread (finish() runs the
        // teardown there once the worker refuses it): its tracks and peer connection must go before the factory.
        boolean drained = awaitNoCalls(10_000);
        // Nothing may push into, or stop the recording of, a module that is being disposed.
        p.close();
        if (drained) {
            natives.release();
        } else {
            Logger.warn("WebRTC calls still tearing down after 10 s: {}; the native factory is kept, not disposed under them",
                    calls);
        }
        HttpClient h = http;
        http = null;
        if (h instanceof AutoCloseable) {
            try {
                ((AutoCloseable) h).close();
            } catch (Exception e) {
                Logger.debug("HTTP client close: {}", e.toString());
            }
        }
    }

    /**
     * UP until the native library fails to load; then DOWN with the reason (SIP is unaffected). DEGRADED while the
     * room's camera and microphone are not what a WebRTC call sends (the capture failed: a test pattern goes out).
     */
    @Override
    public Health health() {
        return natives.failure().map(Health::down)
                .orElseGet(() -> media.problem().map(Health::degraded).orElseGet(Health::up));
    }

    @Override
    public boolean supports(JoinTarget target) {
        return target.kind() == JoinTarget.Kind.WEBRTC;
    }

    @Override
    public Call dial(JoinTarget target) {
        if (!supports(target)) {
            throw new IllegalArgumentException("the WebRTC path joins webrtc targets, not " + target.kind().wireName());
        }
        URI.create(target.uri());
        ExecutorService w;
        MediaPump p;
        synchronized (this) {
            w = worker;
            p = pump;
        }
        if (w == null || p == null) {
            throw new IllegalStateException("the WebRTC join path is not started");
        }
        WebRtcCall call = new WebRtcCall(target, settings, scheduler, w, signalling.apply(target), media, this::onEvent);
        calls.add(call);
        emit(new CallEvent.StateChanged(call, CallState.DIALING, "Joining over WebRTC..."));
        w.execute(() -> {
            NativeWebRtc.Stack stack;
            try {
                stack = natives.get();
            } catch (IllegalStateException e) {
                // No native library: the call ends at once with the reason, and the caller may fall back to SIP.
                call.hangUpWith(CallEnd.EndedBy.LOCAL, "WebRTC is not available on this room", e.getMessage());
                return;
            }
            if (speaker != null) {
                call.playFarEndOn(speaker);
            }
            // The room's camera and microphone run with the call (onEvent stops them with its end), never between calls.
            synchronized (sending) {
                if (call.state() != CallState.ENDED && sending.add(call)) {
                    media.start();
                }
            }
            call.dial(stack.factory(), p, stack::quietRecording);
        });
        return call;
    }

    private Signalling signallingFor(JoinTarget target) {
        String meeting = URLEncoder.encode(target.uri(), StandardCharsets.UTF_8);
        return switch (settings.gateway()) {
            case WHIP -> new WhipSignalling(http(), URI.create(settings.gatewayUrl().replace("{meeting}", meeting)),
                    settings.token(), settings.signallingTimeout());
            case PEXIP -> new PexipSignalling(http(), URI.create(settings.gatewayUrl()), target.uri(), settings.displayName(),
                    settings.token(), settings.signallingTimeout(), scheduler);
        };
    }

    private void onEvent(CallEvent e) {
        if (e instanceof CallEvent.Ended) {
            synchronized (sending) {
                if (sending.remove((WebRtcCall) e.call())) {
                    media.stop();
                }
            }
            calls.remove((WebRtcCall) e.call());
            synchronized (calls) {
                calls.notifyAll();
            }
        }
        emit(e);
    }

    /** Waits until every call has released its native objects (its Ended event); false if the bound ran out. */
    private boolean awaitNoCalls(long boundMillis) {
        long deadline = System.nanoTime() + boundMillis * 1_000_000L;
        synchronized (calls) {
            while (!calls.isEmpty()) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    return false;
                }
                try {
                    calls.wait(left);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return true;
    }

    private void emit(CallEvent e) {
        for (CallListener l : listeners) {
            try {
                l.onEvent(e);
            } catch (RuntimeException ex) {
                Logger.warn(ex, "A call listener failed on {}", e);
            }
        }
    }

    @Override
    public List<Call> calls() {
        return List.copyOf(calls);
    }

    @Override
    public void addListener(CallListener listener) {
        listeners.add(listener);
    }

    @Override
    public void removeListener(CallListener listener) {
        listeners.remove(listener);
    }

    /** Whether the native library has been loaded (it is not until the first WebRTC call). */
    public boolean nativeLoaded() {
        return natives.loaded();
    }
}
