package org.difflabel.classifier;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * A model's weighting of the timesteps of the {@code grid}-point even grid (the first {@code grid}
 * samples of every {@link SamplingPlan}, {@code grid} a power of two): {@code weights[r]} is the
 * weight of the grid's r-th smallest timestep. Fitted per model on its validation split (never
 * its test split) as signal over noise of the error differences between wrong and true labels
 * (the Fisher discriminant weight mean / variance per timestep): low-noise timesteps decide
 * shape, high-noise ones decide little, and their raw errors differ by orders of magnitude.
 *
 * <p>Used by the sequential plan twice: the error average is weighted, and samples are visited
 * most informative first (descending weight, ties by sample index), so an early stop has seen
 * the samples that matter. Zero-weight timesteps are never visited.
 */
public record TimestepWeights(int grid, double[] weights) {
    public TimestepWeights {
        if (grid < 1 || Integer.bitCount(grid) != 1) {
            throw new IllegalArgumentException("timestep weight grid must be a power of two, got " + grid);
        }
        if (weights.length != grid) {
            throw new IllegalArgumentException(weights.length + " timestep weights for a grid of " + grid);
        }
        for (double w : weights) {
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException("timestep weights must be finite and >= 0: " + Arrays.toString(weights));
            }
        }
        if (Arrays.stream(weights).noneMatch(w -> w > 0)) {
            throw new IllegalArgumentException("at least one timestep weight must be > 0");
        }
        weights = weights.clone();
    }

    /** The weight of each of the first {@code grid} samples of {@code plan}, by sample index. */
    public double[] bySample(SamplingPlan plan) {
        Integer[] byTime = IntStream.range(0, grid).boxed().toArray(Integer[]::new);
        Arrays.sort(byTime, Comparator.comparingInt(plan::timestep));
        double[] w = new double[grid];
        for (int rank = 0; rank < grid; rank++) {
            w[byTime[rank]] = weights[rank];
        }
        return w;
    }

    /** Sample indices in visiting order: descending weight, ties by index; zero weights left out. */
    public int[] order(SamplingPlan plan) {
        double[] w = bySample(plan);
        return IntStream.range(0, grid).boxed()
                .filter(i -> w[i] > 0)
                .sorted(Comparator.comparingDouble((Integer i) -> -w[i]).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue).toArray();
    }
}
