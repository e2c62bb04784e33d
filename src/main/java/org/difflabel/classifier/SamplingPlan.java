package org.difflabel.classifier;

/**
 * The (timestep, noise) pairs of one request. Sample {@code j} has timestep
 * {@code lo + floor(((vdc(j) + 0.25) mod 1) * (hi - lo))}, vdc being the base-2 van der Corput
 * sequence: every power-of-two prefix is an evenly spaced grid over [lo, hi), nested in every
 * longer one (the first 8 samples are the 8-grid, and contain the 4-grid, ...). Other prefix
 * lengths are low-discrepancy, i.e. still well spread. [lo, hi) is [1, T) unless the model
 * declares a timestep range. Noise of sample {@code j} is drawn from
 * {@link NoiseGenerator#sampleSeed}. The same plan serves every label of the request.
 */
public final class SamplingPlan {
    static final double GRID_OFFSET = 0.25;

    private final long seed;
    private final int lo;
    private final int hi;

    /** Samples over [1, trainSteps). */
    public SamplingPlan(long seed, int trainSteps) {
        this(seed, 1, trainSteps);
    }

    /** Samples over [lo, hi). */
    public SamplingPlan(long seed, int lo, int hi) {
        if (lo < 0 || hi <= lo) {
            throw new IllegalArgumentException("timestep range [" + lo + ", " + hi + ") is empty or negative");
        }
        this.seed = seed;
        this.lo = lo;
        this.hi = hi;
    }

    public long seed() {
        return seed;
    }

    public int timestep(int j) {
        double u = (vanDerCorput(j) + GRID_OFFSET) % 1.0;
        return lo + (int) Math.floor(u * (hi - lo));
    }

    /** Writes the noise of sample {@code j} into {@code out[0..n)}. */
    public void noise(int j, float[] out, int n) {
        NoiseGenerator.gaussian(NoiseGenerator.sampleSeed(seed, j), out, n);
    }

    static double vanDerCorput(int j) {
        double v = 0.0;
        double denom = 1.0;
        while (j != 0) {
            denom *= 2.0;
            v += (j & 1) / denom;
            j >>>= 1;
        }
        return v;
    }
}
