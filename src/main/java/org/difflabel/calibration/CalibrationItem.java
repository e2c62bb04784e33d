package org.difflabel.calibration;

/**
 * One scored result in a calibration set.
 *
 * @param result            the model's result
 * @param truth             the human (or dataset) label; null when the result was not reviewed
 *                          (an accepted result that was not drawn as an audit sample)
 * @param reviewProbability the probability with which this result was (or would have been) sent
 *                          to a human: 1 for review-queue items and dataset labels, the audit rate
 *                          for results the thresholds accepted. Its inverse weights the item's
 *                          loss so that the reviewed items estimate the error over all results.
 */
public record CalibrationItem(ScoredResult result, String truth, double reviewProbability) {
    public CalibrationItem {
        if (!(reviewProbability > 0 && reviewProbability <= 1)) {
            throw new IllegalArgumentException("review probability of " + result.eventId() + " must be in (0, 1], got "
                    + reviewProbability);
        }
        if (truth == null && reviewProbability == 1) {
            // a result that was certain to be reviewed but has no label is still pending: leaving it
            // in as "no error" would bias the estimate, so callers must leave it out
            throw new IllegalArgumentException("result " + result.eventId() + " is unlabelled but had review probability 1");
        }
    }

    public boolean labelled() {
        return truth != null;
    }

    /** Inverse-probability weight of a labelled item (1 / review probability). */
    public double weight() {
        return 1 / reviewProbability;
    }

    /**
     * The result at temperature t, with its top label and confidence; at {@link Metrics#RECORD_TEMPERATURE}
     * the record's own probabilities, as the worker computed them.
     */
    public Scored at(double t) {
        double[] p = Double.isNaN(t) ? result.labels().stream().mapToDouble(LabelResult::probability).toArray()
                : StagedSoftmax.probabilities(result, t);
        int top = 0;
        for (int i = 1; i < p.length; i++) {
            // ties: the lower mean error wins, as in the worker's ordering
            if (p[i] > p[top] || (p[i] == p[top]
                    && result.labels().get(i).meanError() < result.labels().get(top).meanError())) {
                top = i;
            }
        }
        double pTruth = 0;
        if (truth != null) {
            for (int i = 0; i < p.length; i++) {
                if (result.labels().get(i).label().equals(truth)) {
                    pTruth = p[i];
                }
            }
        }
        return new Scored(result.labels().get(top).label(), p[top], pTruth);
    }

    /** Top label, its probability, and the probability of the true label (0 when unknown or absent). */
    public record Scored(String top, double confidence, double truthProbability) {
    }
}
