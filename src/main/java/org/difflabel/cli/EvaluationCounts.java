package org.difflabel.cli;

import java.util.Arrays;

/** Noise-prediction evaluations per image over a run: mean and nearest-rank percentiles. */
record EvaluationCounts(double mean, long p50, long p95, long max) {

    static EvaluationCounts of(long[] perImage) {
        if (perImage.length == 0) {
            return new EvaluationCounts(0, 0, 0, 0);
        }
        long[] sorted = perImage.clone();
        Arrays.sort(sorted);
        return new EvaluationCounts(Arrays.stream(sorted).average().orElse(0), rank(sorted, 0.50), rank(sorted, 0.95),
                sorted[sorted.length - 1]);
    }

    /** The nearest-rank percentile: the smallest value with at least q of the values at or below it. */
    private static long rank(long[] sorted, double q) {
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
