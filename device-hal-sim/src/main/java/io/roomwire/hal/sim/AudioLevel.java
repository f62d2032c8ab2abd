package io.roomwire.hal.sim;

import io.roomwire.hal.Codec;
import java.util.OptionalDouble;

/** The RMS level of the last five decoded 20 ms frames (100 ms), in dBov. */
final class AudioLevel {

    private static final int FRAMES = 5;
    private final double[] squares = new double[FRAMES];
    private final int[] samples = new int[FRAMES];
    private int next;
    private boolean any;

    synchronized void frame(short[] pcm, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += (double) pcm[i] * pcm[i];
        }
        squares[next] = sum;
        samples[next] = n;
        next = (next + 1) % FRAMES;
        any = true;
    }

    synchronized OptionalDouble dbov() {
        if (!any) {
            return OptionalDouble.empty();
        }
        double sum = 0;
        int n = 0;
        for (int i = 0; i < FRAMES; i++) {
            sum += squares[i];
            n += samples[i];
        }
        return OptionalDouble.of(Codec.Playout.dbov(sum, n));
    }
}
