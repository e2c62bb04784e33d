package org.difflabel.classifier;

import java.util.Comparator;
import java.util.List;

/**
 * The classifier's answer for one image: every label's score (most probable first), the top
 * label, its probability (confidence), the gap to the runner-up (margin), the entropy of the
 * posterior in nats, the noise-prediction evaluations spent and the time of each stage.
 *
 * <p>{@code stages} are the steps the request actually took, as (samples, labels kept): a staged
 * schedule's own stages, or the looks of a sequential plan that dropped labels (the last keeps
 * one). With {@code sampleWeights} (the weight of each visited sample; null: all 1) and each
 * label's {@code sampleErrors} they reproduce the probabilities at any temperature.
 * {@code plan} is the schedule's spec; {@code budgetLimited} says the request's budget
 * ({@link Budget}) stopped it before its plan did.
 */
public record Posterior(List<LabelScore> scores, double temperature, long seed, long evaluations,
                        List<Stage> stages, long[] stageNanos, String plan, double[] sampleWeights,
                        boolean budgetLimited) {

    /** A posterior of a staged schedule that ran to its end. */
    public Posterior(List<LabelScore> scores, double temperature, long seed, long evaluations, List<Stage> stages,
                     long[] stageNanos) {
        this(scores, temperature, seed, evaluations, stages, stageNanos,
                new Schedule.Staged(stages.isEmpty() ? List.of(new Stage(1, 1)) : stages).spec(), null, false);
    }

    public Posterior {
        scores = scores.stream()
                .sorted(Comparator.comparingDouble(LabelScore::probability).reversed()
                        .thenComparingDouble(LabelScore::meanError))
                .toList();
    }

    public LabelScore top() {
        return scores.get(0);
    }

    public double confidence() {
        return top().probability();
    }

    public double margin() {
        return scores.size() < 2 ? 1.0 : scores.get(0).probability() - scores.get(1).probability();
    }

    public double entropy() {
        double h = 0;
        for (LabelScore s : scores) {
            if (s.probability() > 0) {
                h -= s.probability() * Math.log(s.probability());
            }
        }
        return h;
    }

    /**
     * The posterior reweighted by prior label probabilities (p_i proportional to prior_i x p_i; a
     * label without a prior keeps weight 1, so priors can be partial). Null or empty: unchanged.
     */
    public Posterior withPriors(java.util.Map<String, Double> priors) {
        if (priors == null || priors.isEmpty()) {
            return this;
        }
        double total = 0;
        double[] w = new double[scores.size()];
        for (int i = 0; i < w.length; i++) {
            Double prior = priors.get(scores.get(i).label());
            if (prior != null && (prior < 0 || prior.isNaN() || prior.isInfinite())) {
                throw new ClassificationException(ClassificationException.Code.BAD_PRIORS,
                        "prior of '" + scores.get(i).label() + "' must be >= 0, got " + prior);
            }
            w[i] = scores.get(i).probability() * (prior == null ? 1.0 : prior);
            total += w[i];
        }
        if (!(total > 0)) {
            throw new ClassificationException(ClassificationException.Code.BAD_PRIORS,
                    "the priors leave no probability mass");
        }
        List<LabelScore> out = new java.util.ArrayList<>(w.length);
        for (int i = 0; i < w.length; i++) {
            LabelScore s = scores.get(i);
            out.add(new LabelScore(s.label(), w[i] / total, s.meanError(), s.standardError(), s.samples(),
                    s.sampleErrors()));
        }
        return new Posterior(out, temperature, seed, evaluations, stages, stageNanos, plan, sampleWeights, budgetLimited);
    }

    /** The weight of visited sample j in the error averages. */
    public double sampleWeight(int j) {
        return sampleWeights == null ? 1.0 : sampleWeights[j];
    }

    public LabelScore score(String label) {
        return scores.stream().filter(s -> s.label().equals(label)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no label " + label));
    }
}
