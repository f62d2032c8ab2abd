package io.roomwire.hal.linux;

import io.roomwire.hal.Codec;
import io.roomwire.hal.I420;
import io.roomwire.hal.MediaKind;
import io.roomwire.hal.RawPlayout;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.tinylog.Logger;

/**
 * The room's display and speaker fed raw frames, through GStreamer: per session one gst-launch-1.0 pipeline that
 * reads I420 pictures on its standard input and shows them on the display sink, and one that reads 48 kHz S16LE PCM
 * and plays it on the speaker sink at the panel's volume (the sinks of the SIP path's receive pipelines). Each
 * pipeline starts with the first picture (or chunk) and is fed by a writer thread of its own from a short queue, so
 * the caller never waits on a pipe: when the queue is full the picture or chunk is dropped and counted. A new
 * picture size (or channel count) restarts its pipeline, and a new volume the speaker's with its next chunk
 * (gst-launch cannot change a running pipeline's property; the SIP path's speaker restarts the same way). Pipeline errors, a pipeline
 * that ends and a broken pipe become the session's {@link Session#problem()} and the codec's problems (the device's
 * health); a pipeline that died is not restarted for every picture, only for a new size, channel count or volume.
 */
final class GstRawPlayout implements RawPlayout {

    /** Two pictures: one being written, one waiting; more would only show the far end later. */
    static final int MAX_PICTURES = 2;
    /** 100 ms of audio: rides out a loaded box's scheduling jitter and stays live. */
    static final int MAX_AUDIO_CHUNKS = 10;

    private final GstCodec codec;
    private final GstPipelines pipelines;
    private final java.util.Set<GstSession> sessions = java.util.concurrent.ConcurrentHashMap.newKeySet();

    GstRawPlayout(GstCodec codec, GstPipelines pipelines) {
        this.codec = codec;
        this.pipelines = pipelines;
    }

    @Override
    public Session open() throws IOException {
        codec.clearPlayoutProblems(); // health tells about the playout now starting
        Optional<String> noTools = GstCodec.missingTools("the far end's media cannot be shown and played");
        if (noTools.isPresent()) {
            codec.reportPlayout(noTools.get());
            throw new IOException(noTools.get());
        }
        Optional<String> missing = codec.firstMissing(pipelines.playoutElements());
        if (missing.isPresent()) {
            String pkg = GstCodec.packageOf(missing.get());
            String why = "The GStreamer element " + missing.get() + " is missing, so the far end's media cannot be shown"
                    + " and played: install the Debian package " + pkg + " (apt install " + pkg + ")";
            codec.reportPlayout(why);
            throw new IOException(why);
        }
        GstSession s = new GstSession();
        sessions.add(s);
        return s;
    }

    /** Sessions open now (to check that calls release the display and speaker). */
    int openSessions() {
        return sessions.size();
    }

    /** What one pipeline is fed: bytes in a format; a new format restarts the pipeline. */
    private record Item(String format, byte[] bytes) { }

    final class GstSession implements Session {
        private final Feed video = new Feed("display", MAX_PICTURES, MediaKind.VIDEO);
        private final Feed audio = new Feed("speaker", MAX_AUDIO_CHUNKS, MediaKind.AUDIO);
        private volatile String problem;
        private volatile boolean closed;

        @Override
        public boolean show(int width, int height, ByteBuffer y, int strideY, ByteBuffer u, int strideU, ByteBuffer v,
                            int strideV) {
            RawPlayout.checkPicture(width, height, y, strideY, u, strideU, v, strideV);
            if (closed) {
                return false;
            }
            // the format string is the pipeline: a new size starts a new one
            return video.offer(new Item(pipelines.playoutVideo(width, height),
                    I420.pack(width, height, y, strideY, u, strideU, v, strideV)));
        }

        @Override
        public boolean play(byte[] pcm, int channels) {
            RawPlayout.checkChunk(pcm, channels);
            if (closed) {
                return false;
            }
            byte[] copy = java.util.Arrays.copyOf(pcm, 2 * channels * CHUNK_SAMPLES);
            // the volume is read when the chunk is written (Feed), so a press applies to what is already queued
            return audio.offer(new Item(Integer.toString(channels), copy));
        }

        @Override
        public long framesShown() {
            return video.written.get();
        }

        @Override
        public long framesDropped() {
            return video.dropped.get();
        }

        @Override
        public long audioChunksDropped() {
            return audio.dropped.get();
        }

        @Override
        public Optional<String> problem() {
            return Optional.ofNullable(problem);
        }

        /** What reached the display sink (pictures, size) or the speaker sink (level after the volume), as gst-launch says. */
        Codec.Playout playout(MediaKind kind) {
            return (kind == MediaKind.VIDEO ? video : audio).measured();
        }

        /** The pid of the display's or speaker's pipeline now, if one runs (for tests). */
        Optional<Long> pid(MediaKind kind) {
            return (kind == MediaKind.VIDEO ? video : audio).pid();
        }

        private void fail(String why) {
            if (closed) {
                return;
            }
            // the codec first: whoever sees the session's problem then also sees it in the codec's status
            codec.reportPlayout(why);
            problem = why;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            video.stop();
            audio.stop();
            sessions.remove(this);
        }

        /** One pipeline, its queue and its writer thread. */
        private final class Feed {
            private final String name;
            private final MediaKind kind;
            private final BlockingQueue<Item> queue;
            final AtomicLong written = new AtomicLong();
            final AtomicLong dropped = new AtomicLong();
            private Thread writer;
            /** The running pipeline and what it was started for; touched by the writer thread (and stop). */
            private volatile GstLaunch launch;
            private volatile GstPlayout measured;
            private String runningFormat;
            private boolean dead;

            Feed(String name, int capacity, MediaKind kind) {
                this.name = name;
                this.kind = kind;
                this.queue = new ArrayBlockingQueue<>(capacity);
            }

            synchronized boolean offer(Item item) {
                if (writer == null) {
                    writer = new Thread(this::run, "gst-playout-" + name);
                    writer.setDaemon(true);
                    writer.start();
                }
                if (!queue.offer(item)) {
                    dropped.incrementAndGet();
                    return false;
                }
                return true;
            }

            private void run() {
                try {
                    while (!closed) {
                        Item item = queue.poll(200, TimeUnit.MILLISECONDS);
                        if (item == null) {
                            continue;
                        }
                        write(item);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    closeLaunch();
                }
            }

            private void write(Item item) {
                String description = kind == MediaKind.VIDEO ? item.format()
                        : pipelines.playoutAudio(Integer.parseInt(item.format()), codec.controls().speakerVolume());
                if (!description.equals(runningFormat)) {
                    closeLaunch();
                    if (closed) {
                        return;
                    }
                    runningFormat = description;
                    dead = false;
                    try {
                        GstPlayout meter = new GstPlayout(kind);
                        launch = GstLaunch.start(name, description, GstSession.this::fail, meter.flags(), meter::line);
                        measured = meter;
                    } catch (IOException e) {
                        dead = true;
                        fail(name + " pipeline could not start: " + e.getMessage());
                    }
                }
                GstLaunch l = launch;
                if (dead || l == null) {
                    dropped.incrementAndGet();
                    return;
                }
                try {
                    OutputStream in = l.input();
                    in.write(item.bytes());
                    in.flush();
                    written.incrementAndGet();
                } catch (IOException e) {
                    // the pipeline ended (its exit is reported by GstLaunch); its stdin is a broken pipe from now on
                    dead = true;
                    dropped.incrementAndGet();
                    if (!closed) {
                        Logger.debug("Feeding the {} pipeline failed: {}", name, e.getMessage());
                        if (problem == null) {
                            fail(name + " pipeline stopped taking media: " + e.getMessage());
                        }
                    }
                }
            }

            private void closeLaunch() {
                GstLaunch l = launch;
                launch = null;
                if (l != null) {
                    l.close();
                }
            }

            Codec.Playout measured() {
                GstPlayout m = measured;
                return m == null ? Codec.Playout.NONE : m.playout();
            }

            Optional<Long> pid() {
                GstLaunch l = launch;
                return l == null || !l.alive() ? Optional.empty() : Optional.of(l.pid());
            }

            void stop() {
                Thread w;
                synchronized (this) {
                    w = writer;
                }
                closeLaunch(); // first: a write blocked on a stalled pipeline fails at once
                if (w != null) {
                    w.interrupt();
                    try {
                        w.join(5000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                closeLaunch();
            }
        }
    }
}
