package org.difflabel.calibration;

import java.util.ArrayList;
import java.util.List;

/**
 * Calibration metrics over the labelled items of a set, each weighted by its inverse review
 * probability (so that audit samples stand for the accepted results they were drawn from).
 *
 * <p>ECE uses equal-width confidence bins that are closed on the right, (lo, hi], the first one
 * [0, 1/bins], as the {@code accuracy} command does: ECE = sum over bins of (bin weight / total)
 * x |accuracy - mean confidence|.
 */
public final class Metrics {
    public static final int DEFAULT_BINS = 15;
    /** Pass as the temperature to use each record's own probabilities (the "before" numbers). */
    public static final double RECORD_TEMPERATURE = Double.NaN;

    private Metrics() {
    }

    /** Mean negative log-likelihood of the true labels at temperature t (probabilities floored at 1e-300). */
    public static double nll(List<CalibrationItem> items, double t) {
        double sum = 0;
        double weights = 0;
        for (CalibrationItem it : items) {
            if (it.labelled()) {
                sum -= it.weight() * Math.log(Math.max(it.at(t).truthProbability(), 1e-300));
                weights += it.weight();
            }
        }
        return weights == 0 ? Double.NaN : sum / weights;
    }

    /** One reliability-diagram bin: its confidence range, total weight, mean confidence and accuracy. */
    public record Bin(double lo, double hi, double weight, int count, double meanConfidence, double accuracy) {
    }

    public static List<Bin> reliability(List<CalibrationItem> items, double t, int bins) {
        double[] w = new double[bins];
        double[] conf = new double[bins];
        double[] correct = new double[bins];
        int[] count = new int[bins];
        for (CalibrationItem it : items) {
            if (!it.labelled()) {
                continue;
            }
            CalibrationItem.Scored s = it.at(t);
            int b = Math.min(bins - 1, Math.max(0, (int) Math.ceil(s.confidence() * bins) - 1));
            w[b] += it.weight();
            conf[b] += it.weight() * s.confidence();
            correct[b] += s.top().equals(it.truth()) ? it.weight() : 0;
            count[b]++;
        }
        List<Bin> out = new ArrayList<>(bins);
        for (int b = 0; b < bins; b++) {
            out.add(new Bin((double) b / bins, (double) (b + 1) / bins, w[b], count[b],
                    w[b] > 0 ? conf[b] / w[b] : Double.NaN, w[b] > 0 ? correct[b] / w[b] : Double.NaN));
        }
        return out;
    }

    public static double ece(List<CalibrationItem> items, double t, int bins) {
        List<Bin> rel = reliability(items, t, bins);
        double total = rel.stream().mapToDouble(Bin::weight).sum();
        double e = 0;
        for (Bin b : rel) {
            if (b.weight() > 0) {
                e += b.weight() / total * Math.abs(b.accuracy() - b.meanConfidence());
            }
        }
        return total == 0 ? Double.NaN : e;
    }

    /** Weighted share of labelled items whose top label is right. */
    public static double accuracy(List<CalibrationItem> items, double t) {
        double ok = 0;
        double total = 0;
        for (CalibrationItem it : items) {
            if (it.labelled()) {
                total += it.weight();
                ok += it.at(t).top().equals(it.truth()) ? it.weight() : 0;
            }
        }
        return total == 0 ? Double.NaN : ok / total;
    }
}
