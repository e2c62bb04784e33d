package org.difflabel.classifier;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * What a model's validation split says about the timesteps of the {@code grid}-point even grid
 * (the first {@code grid} samples of every {@link SamplingPlan}, {@code grid} a power of two),
 * index r being the grid's r-th smallest timestep:
 * <ul>
 *   <li>{@code scales[r]}: the spread (standard deviation) of err(wrong label) - err(true label)
 *       at that timestep. The sequential plan's test divides each paired difference by it, so
 *       that differences from timesteps whose errors are 1000x apart become comparable.</li>
 *   <li>{@code weights[r]}: the Fisher discriminant weight mean / variance of those differences
 *       (clipped at 0, mean 1), for plans that ask for weights: a weighted error average, and
 *       samples visited most informative first (descending weight, ties by index; zero weights
 *       never).</li>
 * </ul>
 * Fitted per model on its validation split, never its test split ({@code sweep --fit}).
 */
public record TimestepWeights(int grid, double[] weights, double[] scales) {
    public TimestepWeights {
        if (grid < 1 || Integer.bitCount(grid) != 1) {
            throw new IllegalArgumentException("timestep weight grid must be a power of two, got " + grid);
        }
        if (weights.length != grid || scales.length != grid) {
            throw new IllegalArgumentException(weights.length + " timestep weights and " + scales.length
                    + " scales for a grid of " + grid);
        }
        for (double w : weights) {
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException("timestep weights must be finite and >= 0: " + Arrays.toString(weights));
            }
        }
        if (Arrays.stream(weights).noneMatch(w -> w > 0)) {
            throw new IllegalArgumentException("at least one timestep weight must be > 0");
        }
        for (double s : scales) {
            if (!(s > 0) || Double.isInfinite(s)) {
                throw new IllegalArgumentException("timestep scales must be finite and > 0: " + Arrays.toString(scales));
            }
        }
        weights = weights.clone();
        scales = scales.clone();
    }

    /** The weight of each of the first {@code grid} samples of {@code plan}, by sample index. */
    public double[] bySample(SamplingPlan plan) {
        return bySample(plan, weights);
    }

    /** The scale of each of the first {@code grid} samples of {@code plan}, by sample index. */
    public double[] scalesBySample(SamplingPlan plan) {
        return bySample(plan, scales);
    }

    private double[] bySample(SamplingPlan plan, double[] byRank) {
        int[] rank = ranks(plan, grid);
        double[] w = new double[grid];
        for (int i = 0; i < grid; i++) {
            w[i] = byRank[rank[i]];
        }
        return w;
    }

    /** The rank (ascending timestep) of each of the first {@code grid} samples of {@code plan}. */
    public static int[] ranks(SamplingPlan plan, int grid) {
        Integer[] byTime = IntStream.range(0, grid).boxed().toArray(Integer[]::new);
        Arrays.sort(byTime, Comparator.comparingInt(plan::timestep));
        int[] rank = new int[grid];
        for (int r = 0; r < grid; r++) {
            rank[byTime[r]] = r;
        }
        return rank;
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
