package io.roomwire.webrtc.internal;

import dev.onvoid.webrtc.media.audio.AudioTrackSink;
import io.roomwire.hal.Codec;
import io.roomwire.hal.G711;
import io.roomwire.hal.MediaKind;
import io.roomwire.hal.RtpHeader;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.tinylog.Logger;

/**
 * The fallback for a codec without a raw playout ({@link Codec#rawPlayout()}; with one, {@link FarEndPlayout} plays
 * the far end's audio at 48 kHz and shows its pictures). The far end's decoded audio on the room's speaker, through
 * the device's {@link Codec} as a SIP call's audio is: the codec plays what arrives on its receive-only audio stream at the speaker volume the panel set
 * ({@link Codec#setControls}), so Volume +/− act on a WebRTC call as on a SIP one. The HAL speaks RTP, so each
 * 10 ms chunk webrtc-java's audio module pulls is mixed to mono, resampled to 8 kHz and sent as G.711 mu-law
 * (RFC 3551 §4.5.14, payload type 0; the one encoding every codec decodes) in 20 ms packets over loopback:
 * narrowband, not the Opus wideband the gateway sent. Called on the audio module's playout thread only.
 */
final class FarEndSpeaker implements AudioTrackSink, AutoCloseable {

    private static final int RATE = 8000;
    private static final int FRAME = 160; // 20 ms at 8 kHz (RFC 3551 §4.5: packets of 20 ms by default)

    private final Codec.MediaSession session;
    private final InetSocketAddress codecPort;
    private final DatagramSocket socket;
    private final int ssrc = ThreadLocalRandom.current().nextInt();
    private final byte[] packet = new byte[RtpHeader.LENGTH + FRAME];
    private final short[] frame = new short[FRAME];
    private int filled;
    private int seq = ThreadLocalRandom.current().nextInt(0x10000);
    private long timestamp;
    /** Resampler state: input samples summed towards the next 8 kHz sample, and how far along it is. */
    private long sum;
    private int count;
    private long phase;
    private boolean closed;

    private FarEndSpeaker(Codec.MediaSession session, InetSocketAddress codecPort, DatagramSocket socket) {
        this.session = session;
        this.codecPort = codecPort;
        this.socket = socket;
    }

    /** A receive-only audio stream on {@code codec}; empty (and the far end unheard) when the codec cannot open one. */
    static Optional<FarEndSpeaker> open(Codec codec, String callId) {
        Codec.MediaSession s = null;
        try {
            s = codec.open(List.of(new Codec.StreamPlan(MediaKind.AUDIO, 0, "PCMU", RATE, null)));
            InetSocketAddress port = s.localPorts().get(MediaKind.AUDIO);
            DatagramSocket socket = new DatagramSocket(new InetSocketAddress(port.getAddress(), 0));
            return Optional.of(new FarEndSpeaker(s, port, socket));
        } catch (IOException | RuntimeException e) {
            if (s != null) {
                s.close();
            }
            Logger.warn("Call {}: the far end's audio cannot be played, the codec refused a playout stream: {}", callId,
                    e.getMessage());
            return Optional.empty();
        }
    }

    @Override
    public synchronized void onData(byte[] data, int bitsPerSample, int sampleRate, int channels, int frames) {
        if (closed || bitsPerSample != 16 || channels < 1 || sampleRate < RATE) {
            return;
        }
        for (int f = 0; f < frames; f++) {
            int mono = 0;
            for (int c = 0; c < channels; c++) {
                int i = 2 * (f * channels + c);
                mono += (short) ((data[i] & 0xff) | (data[i + 1] << 8)); // native order: little-endian on x86-64
            }
            sum += mono / channels;
            count++;
            // A box filter down to 8 kHz: each output sample is the mean of the input samples it spans.
            phase += RATE;
            if (phase >= sampleRate) {
                phase -= sampleRate;
                frame[filled++] = (short) (sum / count);
                sum = 0;
                count = 0;
                if (filled == FRAME) {
                    send();
                    filled = 0;
                }
            }
        }
    }

    private void send() {
        byte[] header = RtpHeader.packet(false, 0, seq++ & 0xffff, timestamp, ssrc, FRAME);
        System.arraycopy(header, 0, packet, 0, RtpHeader.LENGTH);
        for (int i = 0; i < FRAME; i++) {
            packet[RtpHeader.LENGTH + i] = G711.muLaw(frame[i]);
        }
        timestamp += FRAME;
        try {
            socket.send(new DatagramPacket(packet, packet.length, codecPort));
        } catch (IOException e) {
            Logger.debug("Far-end audio to the codec failed: {}", e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        socket.close();
        session.close();
    }
}
