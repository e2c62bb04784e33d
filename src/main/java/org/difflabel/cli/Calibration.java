package org.difflabel.cli;

import org.difflabel.classifier.Posterior;

/** Running accuracy, mean confidence, NLL and ECE (equal-width confidence bins) over posteriors. */
final class Calibration {
    private final int bins;
    private final double[] binConfidence;
    private final double[] binCorrect;
    private final int[] binCount;
    private int count;
    private int correct;
    private double confidence;
    private double nll;

    Calibration(int bins) {
        this.bins = bins;
        this.binConfidence = new double[bins];
        this.binCorrect = new double[bins];
        this.binCount = new int[bins];
    }

    void add(Posterior p, String truth) {
        boolean ok = p.top().label().equals(truth);
        double pTrue = p.scores().stream().filter(s -> s.label().equals(truth)).mapToDouble(s -> s.probability())
                .findFirst().orElse(0.0);
        count++;
        correct += ok ? 1 : 0;
        confidence += p.confidence();
        nll -= Math.log(Math.max(pTrue, 1e-300));
        // bins are (lo, hi]: a confidence of exactly 1 falls in the last bin
        int b = Math.min(bins - 1, Math.max(0, (int) Math.ceil(p.confidence() * bins) - 1));
        binConfidence[b] += p.confidence();
        binCorrect[b] += ok ? 1 : 0;
        binCount[b]++;
    }

    int count() {
        return count;
    }

    double accuracy() {
        return count == 0 ? 0 : (double) correct / count;
    }

    double meanConfidence() {
        return count == 0 ? 0 : confidence / count;
    }

    double nll() {
        return count == 0 ? 0 : nll / count;
    }

    double ece() {
        double e = 0;
        for (int b = 0; b < bins; b++) {
            if (binCount[b] > 0) {
                e += (double) binCount[b] / count * Math.abs(binCorrect[b] / binCount[b] - binConfidence[b] / binCount[b]);
            }
        }
        return e;
    }
}
