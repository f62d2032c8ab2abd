package io.roomwire.hal.linux;

import io.roomwire.hal.I420;
import io.roomwire.hal.RawCapture;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Optional;
import org.tinylog.Logger;

/**
 * The room's camera and microphone as raw frames, from GStreamer: per session one gst-launch-1.0 pipeline that
 * writes I420 pictures of exactly the asked size and rate to its standard output, and one that writes 48 kHz mono
 * S16LE PCM. A thread per pipeline reads exact picture- (or 10 ms-) sized chunks from the pipe, so the pipe never
 * fills and the camera never waits on the caller. Of the pictures only the newest is kept; of the audio at most
 * {@link #MAX_AUDIO_CHUNKS} chunks, the oldest dropped first, so a caller that falls behind hears the present.
 * Pipeline errors and a pipeline that ends become the session's {@link Session#problem()} and the codec's
 * problems (the device's health), as the codec's own pipelines' do.
 */
final class GstCapture implements RawCapture {

    /** 200 ms: more than a live source's buffer plus a loaded box's scheduling jitter, little enough to stay live. */
    static final int MAX_AUDIO_CHUNKS = 20;

    private final GstCodec codec;
    private final GstPipelines pipelines;

    GstCapture(GstCodec codec, GstPipelines pipelines) {
        this.codec = codec;
        this.pipelines = pipelines;
    }

    @Override
    public Session open(Format format) throws IOException {
        codec.clearCaptureProblems(); // health tells about the capture now starting
        Optional<String> noTools = GstCodec.missingTools("the camera and microphone cannot be captured");
        if (noTools.isPresent()) {
            codec.reportCapture(noTools.get());
            throw new IOException(noTools.get());
        }
        Optional<String> missing = codec.firstMissing(pipelines.captureElements());
        if (missing.isPresent()) {
            String pkg = GstCodec.packageOf(missing.get());
            String why = "The GStreamer element " + missing.get() + " is missing, so the camera and microphone cannot be"
                    + " captured as raw frames: install the Debian package " + pkg + " (apt install " + pkg + ")";
            codec.reportCapture(why);
            throw new IOException(why);
        }
        return new GstSession(format);
    }

    private final class GstSession implements Session {
        private final Format format;
        private final GstLaunch video;
        private final GstLaunch audio;
        private final Object frameLock = new Object();
        /** The newest complete picture; swapped with the reader's buffer, never written while read. */
        private byte[] latest;
        private long frames;
        private final ArrayDeque<byte[]> pcm = new ArrayDeque<>();
        private volatile String problem;
        private volatile boolean closed;

        GstSession(Format format) throws IOException {
            this.format = format;
            GstLaunch v = GstLaunch.startRaw("camera capture",
                    pipelines.captureVideo(format.width(), format.height(), format.framesPerSecond()), this::fail);
            try {
                this.audio = GstLaunch.startRaw("microphone capture", pipelines.captureAudio(), this::fail);
            } catch (IOException | RuntimeException e) {
                v.close();
                throw e;
            }
            this.video = v;
            reader("gst-capture-video", this::readPictures);
            reader("gst-capture-audio", this::readAudio);
        }

        private void reader(String name, Runnable r) {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            t.start();
        }

        private void fail(String why) {
            if (closed) {
                return;
            }
            // the codec first: whoever sees the session's problem then also sees it in the codec's status
            codec.reportCapture(why);
            problem = why;
        }

        private void readPictures() {
            byte[] filling = new byte[format.frameBytes()];
            try (InputStream in = video.output()) {
                while (in.readNBytes(filling, 0, filling.length) == filling.length) {
                    synchronized (frameLock) {
                        byte[] done = filling;
                        filling = latest != null ? latest : new byte[format.frameBytes()];
                        latest = done;
                        frames++;
                    }
                }
            } catch (IOException e) {
                if (!closed) {
                    Logger.debug("Reading the camera pipeline failed: {}", e.getMessage());
                }
            }
            ended("camera", video);
        }

        private void readAudio() {
            try (InputStream in = audio.output()) {
                while (true) {
                    byte[] chunk = new byte[AUDIO_CHUNK_BYTES];
                    if (in.readNBytes(chunk, 0, chunk.length) != chunk.length) {
                        break;
                    }
                    synchronized (pcm) {
                        if (pcm.size() == MAX_AUDIO_CHUNKS) {
                            pcm.pollFirst();
                        }
                        pcm.addLast(chunk);
                    }
                }
            } catch (IOException e) {
                if (!closed) {
                    Logger.debug("Reading the microphone pipeline failed: {}", e.getMessage());
                }
            }
            ended("microphone", audio);
        }

        /**
         * The pipe closed: said as a problem unless we closed it. A pipeline that ended says so with its exit code
         * (read from the process, not from its error output, which a helper it started may keep open); one still
         * running that closed its output is said as that.
         */
        private void ended(String what, GstLaunch pipeline) {
            if (closed) {
                return;
            }
            java.util.Optional<Integer> code = pipeline.exitCode(java.time.Duration.ofSeconds(2));
            if (code.isPresent()) {
                fail(what + " capture pipeline stopped on its own (gst-launch-1.0 exit code " + code.get() + ")");
            } else if (problem == null) {
                fail(what + " capture pipeline stopped delivering: its output ended");
            }
        }

        @Override
        public Format format() {
            return format;
        }

        @Override
        public boolean latestFrame(ByteBuffer y, int strideY, ByteBuffer u, int strideU, ByteBuffer v, int strideV) {
            int w = format.width();
            int h = format.height();
            synchronized (frameLock) {
                if (latest == null) {
                    return false;
                }
                I420.unpack(latest, w, h, y, strideY, u, strideU, v, strideV);
                return true;
            }
        }

        @Override
        public long framesCaptured() {
            synchronized (frameLock) {
                return frames;
            }
        }

        @Override
        public boolean nextAudio(byte[] out) {
            byte[] chunk;
            synchronized (pcm) {
                chunk = pcm.pollFirst();
            }
            if (chunk == null) {
                java.util.Arrays.fill(out, 0, AUDIO_CHUNK_BYTES, (byte) 0);
                return false;
            }
            System.arraycopy(chunk, 0, out, 0, AUDIO_CHUNK_BYTES);
            return true;
        }

        @Override
        public Optional<String> problem() {
            return Optional.ofNullable(problem);
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            video.close();
            audio.close();
        }
    }
}
