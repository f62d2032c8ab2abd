package io.roomwire.hal.linux;

import io.roomwire.hal.Codec;
import io.roomwire.hal.MediaKind;
import io.roomwire.hal.PeripheralStatus;
import io.roomwire.hal.RawCapture;
import io.roomwire.hal.RawPlayout;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.tinylog.Logger;

/**
 * The media engine of a Linux room PC, built on GStreamer (Debian's gstreamer1.0 packages): camera and
 * microphone are encoded as negotiated (H.264 with x264 tuned for zero latency, Opus, G.722, PCMU, PCMA)
 * and sent as RTP to the bridge; what the bridge relays from the far end is depacketized, decoded and
 * played. Each direction of each stream is one {@code gst-launch-1.0} pipeline (see {@link GstLaunch}
 * for why a process); a small loopback hop in Java sits between pipeline and bridge, which counts
 * packets, drops what is not RTP of the negotiated payload type before it reaches a decoder, and gates
 * mute and camera off.
 *
 * <p>Pipeline errors, a pipeline that exits, and missing elements (naming the Debian package to
 * install) become {@link #problems()}, which the device's health reports.
 */
public final class GstCodec implements Codec {

    private final GstPipelines pipelines;
    private final InetAddress loopback = InetAddress.getLoopbackAddress();
    private final Map<String, Boolean> installed = new ConcurrentHashMap<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();
    /** The raw capture's problems: kept apart, as a SIP session opening must not clear what a WebRTC call's capture hit. */
    private final List<String> captureProblems = new CopyOnWriteArrayList<>();
    private final GstCapture capture;
    /** The raw playout's problems: kept apart for the same reason, until the next playout session opens. */
    private final List<String> playoutProblems = new CopyOnWriteArrayList<>();
    private final GstRawPlayout playout;
    private final List<Consumer<String>> problemListeners = new CopyOnWriteArrayList<>();
    private final AtomicInteger openSessions = new AtomicInteger();
    private final java.util.Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private volatile Controls controls = Controls.DEFAULT;

    private final Predicate<String> elementExists;

    GstCodec(GstPipelines.Options options) {
        this(options, GstCodec::exists);
    }

    /** @param elementExists whether a GStreamer element is installed (gst-inspect-1.0 --exists) */
    GstCodec(GstPipelines.Options options, Predicate<String> elementExists) {
        this.pipelines = new GstPipelines(Objects.requireNonNull(options, "options"));
        this.elementExists = elementExists;
        this.capture = new GstCapture(this, pipelines);
        this.playout = new GstRawPlayout(this, pipelines);
    }

    /** The room's own camera ({@code videoDevice}) and default audio devices, sending 1280x720 at 30 fps. */
    public static GstCodec devices(String videoDevice) {
        return new GstCodec(new GstPipelines.Options(GstPipelines.Io.DEVICES, videoDevice, 1280, 720, 30));
    }

    /** Test sources (colour bars, a 440 Hz tone) and fake sinks: the real encoders and decoders without hardware. */
    public static GstCodec testSources(int width, int height, int fps) {
        return new GstCodec(GstPipelines.Options.test(width, height, fps));
    }

    /** Test sources as above, the camera showing videotestsrc's {@code pattern} (e.g. white) instead of colour bars. */
    public static GstCodec testSources(int width, int height, int fps, String pattern) {
        return new GstCodec(new GstPipelines.Options(GstPipelines.Io.TEST, "/dev/video0", width, height, fps, pattern));
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
    public synchronized void setControls(Controls c) {
        controls = Objects.requireNonNull(c, "controls");
        sessions.forEach(s -> s.apply(c));
    }

    @Override
    public Controls controls() {
        return controls;
    }

    /**
     * The camera and microphone as raw frames, from the same sources as the send pipelines (the V4L2 camera and the
     * default audio input, or the test sources), each session two gst-launch-1.0 pipelines of its own.
     */
    @Override
    public Optional<RawCapture> rawCapture() {
        return Optional.of(capture);
    }

    /**
     * The far end's raw pictures and audio on the same display and speaker sinks as a SIP call's, at the speaker volume
     * of {@link #controls()} (a new volume restarts the speaker's pipeline, as a SIP call's), each session two
     * gst-launch-1.0 pipelines of its own that start with the first picture and chunk.
     */
    @Override
    public Optional<RawPlayout> rawPlayout() {
        return Optional.of(playout);
    }

    /** Raw playout sessions open now (to check that calls release the display and speaker). */
    int openPlayouts() {
        return playout.openSessions();
    }

    /**
     * Why media is not working right now, one sentence each (the current call's, then the raw capture's and raw
     * playout's); empty when it is.
     */
    public List<String> problems() {
        List<String> all = new ArrayList<>(problems);
        all.addAll(captureProblems);
        all.addAll(playoutProblems);
        return List.copyOf(all);
    }

    /** Called with each new problem as it happens (from a pipeline's reader thread). */
    public void onProblem(Consumer<String> listener) {
        problemListeners.add(listener);
    }

    /** Sessions opened and not yet closed (to check that calls release their pipelines). */
    public int openSessions() {
        return openSessions.get();
    }

    void report(String problem) {
        Logger.warn("Media: {}", problem);
        problems.add(problem);
        problemListeners.forEach(l -> l.accept(problem));
    }

    /** A problem of the raw capture; kept until the next capture session starts. */
    void reportCapture(String problem) {
        Logger.warn("Media: {}", problem);
        captureProblems.add(problem);
        problemListeners.forEach(l -> l.accept(problem));
    }

    void clearCaptureProblems() {
        captureProblems.clear();
    }

    /** A problem of the raw playout; kept until the next playout session starts. */
    void reportPlayout(String problem) {
        Logger.warn("Media: {}", problem);
        playoutProblems.add(problem);
        problemListeners.forEach(l -> l.accept(problem));
    }

    void clearPlayoutProblems() {
        playoutProblems.clear();
    }

    /**
     * Whether GStreamer's tools are there; else the sentence that says to install them ({@code what}: what has no media).
     */
    static Optional<String> missingTools(String what) {
        if (onPath(GstLaunch.LAUNCH) && onPath("gst-inspect-1.0")) {
            return Optional.empty();
        }
        return Optional.of("GStreamer's tools are not installed (gst-launch-1.0 / gst-inspect-1.0 not on PATH), so " + what
                + ": install the Debian package gstreamer1.0-tools (apt install gstreamer1.0-tools)");
    }

    /** The first element of {@code elements} that is not installed, or empty. */
    Optional<String> firstMissing(List<String> elements) {
        return elements.stream().filter(e -> !installed.computeIfAbsent(e, elementExists::test)).findFirst();
    }

    static String packageOf(String element) {
        return GstPipelines.PACKAGES.getOrDefault(element, "the gstreamer1.0-plugins-* packages");
    }

    /**
     * The first element of {@code plan} that is not installed, as a sentence naming its Debian package,
     * or empty when all are there.
     */
    Optional<String> missingElement(StreamPlan plan) {
        return firstMissing(pipelines.elements(plan)).map(e -> "The GStreamer element " + e + " is missing, so "
                + plan.kind().name().toLowerCase() + " in " + plan.encoding() + " cannot run: install the Debian package "
                + packageOf(e) + " (apt install " + packageOf(e) + ")");
    }

    private static boolean onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    private static boolean exists(String element) {
        try {
            Process p = new ProcessBuilder("gst-inspect-1.0", "--exists", element).redirectErrorStream(true).start();
            p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false; // no gst-inspect-1.0: gstreamer1.0-tools is missing, reported with the element
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The codec as a failed peripheral with the newest problem of the current call; empty while media works. */
    public Optional<PeripheralStatus> status() {
        List<String> now = problems();
        return now.isEmpty() ? Optional.empty() : Optional.of(new PeripheralStatus("media engine", "codec",
                PeripheralStatus.State.FAILED, now.get(now.size() - 1)));
    }

    @Override
    public MediaSession open(List<StreamPlan> streams) throws IOException {
        problems.clear(); // health tells about the call now starting, not a call that ended
        Optional<String> noTools = missingTools("calls have no media");
        if (noTools.isPresent()) {
            report(noTools.get());
            throw new IOException(noTools.get());
        }
        for (StreamPlan p : streams) {
            Optional<String> missing = missingElement(p);
            if (missing.isPresent()) {
                report(missing.get());
                throw new IOException(missing.get());
            }
        }
        Session s = new Session();
        try {
            for (StreamPlan p : streams) {
                s.streams.put(p.kind(), new GstStream(p, this::report, pipelines, loopback, controls));
            }
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        openSessions.incrementAndGet();
        synchronized (this) {
            sessions.add(s);
            s.apply(controls);
        }
        return s;
    }

    /** Sends a free UDP port on loopback (bound and released; the pipeline binds it right after). */
    static int freePort(InetAddress address) throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(address, 0))) {
            return s.getLocalPort();
        }
    }

    private final class Session implements MediaSession {
        private final Map<MediaKind, GstStream> streams = new EnumMap<>(MediaKind.class);
        private volatile boolean closed;

        @Override
        public Map<MediaKind, InetSocketAddress> localPorts() {
            Map<MediaKind, InetSocketAddress> m = new EnumMap<>(MediaKind.class);
            streams.forEach((k, v) -> m.put(k, v.localPort()));
            return m;
        }

        @Override
        public MediaCounters sent(MediaKind kind) {
            GstStream s = streams.get(kind);
            return s == null ? new MediaCounters(0, 0, 0, 0) : s.sentCounters();
        }

        @Override
        public MediaCounters received(MediaKind kind) {
            GstStream s = streams.get(kind);
            return s == null ? new MediaCounters(0, 0, 0, 0) : s.receivedCounters();
        }

        @Override
        public Playout playout(MediaKind kind) {
            GstStream s = streams.get(kind);
            return s == null ? Playout.NONE : s.playout();
        }

        @Override
        public void requestKeyframe() {
            GstStream s = streams.get(MediaKind.VIDEO);
            if (s != null) {
                s.requestKeyframe();
            }
        }

        void apply(Controls c) {
            GstStream audio = streams.get(MediaKind.AUDIO);
            if (audio != null) {
                audio.setSending(!c.microphoneMuted());
                audio.setVolume(c.speakerVolume());
            }
            GstStream video = streams.get(MediaKind.VIDEO);
            if (video != null) {
                video.setSending(!c.cameraOff());
            }
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            List<GstStream> all = new ArrayList<>(streams.values());
            all.forEach(GstStream::close);
            sessions.remove(this);
            openSessions.decrementAndGet();
        }
    }
}
