package io.roomwire.hal.sim;

/**
 * The simulated microphone's sound, as linear samples at any rate: 440 Hz for one second, then 880 Hz, repeating,
 * with continuous phase. The simulated codec encodes it to G.711 (its G.722 and Opus clips hold the same
 * sequence); the simulated raw capture hands it out as 48 kHz PCM.
 */
final class ToneSequence {

    private final int sampleRate;
    private final double amplitude;
    private long sample;
    private double phase;

    ToneSequence(int sampleRate, double amplitude) {
        this.sampleRate = sampleRate;
        this.amplitude = amplitude;
    }

    /** The next sample. */
    short next() {
        double hz = (sample++ / sampleRate) % 2 == 0 ? 440 : 880;
        phase += 2 * Math.PI * hz / sampleRate;
        if (phase > 2 * Math.PI) {
            phase -= 2 * Math.PI;
        }
        return (short) Math.round(Math.sin(phase) * amplitude);
    }
}
